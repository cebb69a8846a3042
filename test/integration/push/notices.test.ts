// Data notices on the dev server's push endpoint: a connection that watches a head is told
// (through the partitions stream and the dispatcher, as deployed) once when that head
// passes the watched offset, and never for heads it does not watch.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpClient } from '../../../lib/client/http.ts';
import type { PushMessage } from '../../../lib/core/push.ts';
import type { DevServer } from '../../../lib/local/devServer.ts';
import { startTestDevServer } from '../client/devServer.ts';
import { TestConnection } from './helpers.ts';

let dev: DevServer;
let http: HttpClient;
const open: TestConnection[] = [];

beforeAll(async () => {
  dev = await startTestDevServer({ maintenanceIntervalMs: 0, subscriptions: { sweepIntervalMs: 0 } });
  http = new HttpClient({ endpoint: dev.url });
}, 120_000);

afterAll(async () => {
  await Promise.all(open.map((c) => c.close()));
  await dev?.stop();
});

async function connect(): Promise<TestConnection> {
  const c = await TestConnection.open(dev.url);
  open.push(c);
  return c;
}

let n = 0;
async function topic(partitions: number): Promise<string> {
  const name = `push-${++n}`;
  await http.json({ method: 'POST', path: '/v1/topics', body: { name, partitions } });
  return name;
}

const produce = (name: string, partition: number) =>
  http.json({ method: 'POST', path: `/v1/topics/${name}/records`, body: { records: [{ value: 'v', partition }] } });

const dataFor = (name: string, partition: number) => (m: PushMessage) =>
  m.type === 'data' && m.partitions.some((p) => p.topic === name && p.partition === partition);

describe('push notices', () => {
  it('tell a connection once that a watched head moved, and nothing of heads it does not watch', async () => {
    const name = await topic(3);
    const c = await connect();
    expect(await c.ask({ action: 'watch', partitions: [{ topic: name, partition: 0, offset: 0 }, { topic: name, partition: 1, offset: 0 }] })).toEqual({ type: 'watching', id: 1, ready: [] });

    await produce(name, 2);
    await produce(name, 0);
    const notice = await c.next(dataFor(name, 0));
    expect(notice).toEqual({ type: 'data', partitions: [{ topic: name, partition: 0, highWatermark: 1 }] });

    // The watch of partition 0 is used up; partition 1's still stands.
    await produce(name, 0);
    await produce(name, 1);
    await c.next(dataFor(name, 1));
    expect(c.received.filter((m) => m.type === 'data')).toEqual([notice, { type: 'data', partitions: [{ topic: name, partition: 1, highWatermark: 1 }] }]);
  });

  it('answer a watch behind the head at once as ready, without arming it', async () => {
    const name = await topic(2);
    await produce(name, 1);
    const c = await connect();

    const answer = await c.ask({ action: 'watch', partitions: [{ topic: name, partition: 0, offset: 0 }, { topic: name, partition: 1, offset: 0 }] });

    expect(answer).toEqual({ type: 'watching', id: 1, ready: [{ topic: name, partition: 1, highWatermark: 1 }] });
  });

  it('answer a bad message with an error and keep the connection', async () => {
    const c = await connect();

    const unknown = await c.ask({ action: 'watch', partitions: [{ topic: 'no-such-topic', partition: 0, offset: 0 }] });
    const malformed = await c.ask({ action: 'watch', partitions: [{ topic: 'x', partition: -1, offset: 0 }] });
    const name = await topic(1);
    const after = await c.ask({ action: 'watch', partitions: [{ topic: name, partition: 0, offset: 0 }] });

    expect(unknown).toMatchObject({ type: 'error', error: { code: 'UNKNOWN_TOPIC_OR_PARTITION' } });
    expect(malformed).toMatchObject({ type: 'error', error: { code: 'INVALID_REQUEST' } });
    expect(after).toMatchObject({ type: 'watching', ready: [] });
  });

  it('are refused to a page of another origin', async () => {
    await expect(TestConnection.open(dev.url, { origin: 'http://attacker.example' })).rejects.toThrow('refused: 403');
  });

  it('are found through GET /v1/push', async () => {
    const found = await http.json<{ url: string }>({ method: 'GET', path: '/v1/push' });

    expect(found.url).toBe(`${dev.url.replace(/^http/, 'ws')}/v1/push`);
  });
});
