// The SDK consumer's push connection (lib/client/consumer/push.ts): while idle it waits
// for notices, not long polls, and heartbeats over the connection; when the connection
// drops it falls back to long polls and HTTP heartbeats, and records still arrive.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Sluice } from '../../../lib/client/index.ts';
import { sleep } from '../../../lib/core/time.ts';
import type { DevServer } from '../../../lib/local/devServer.ts';
import { startTestDevServer } from './devServer.ts';

let dev: DevServer;

beforeAll(async () => {
  dev = await startTestDevServer({ maintenanceIntervalMs: 0, subscriptions: { sweepIntervalMs: 0 } });
}, 120_000);

afterAll(async () => {
  await dev?.stop();
});

/** A client that records each request it sends: path, and the waitMs of a multi-partition fetch. */
function recordingClient(): { sluice: Sluice; sent: { path: string; waitMs?: number }[] } {
  const sent: { path: string; waitMs?: number }[] = [];
  const recording: typeof fetch = async (input, init) => {
    const path = new URL(String(input)).pathname;
    const waitMs = path === '/v1/fetch' ? (JSON.parse(String(init!.body)) as { waitMs?: number }).waitMs : undefined;
    sent.push({ path, ...(path === '/v1/fetch' ? { waitMs } : {}) });
    return fetch(input, init);
  };
  return { sluice: new Sluice({ endpoint: dev.url, fetch: recording }), sent };
}

async function until(what: string, done: () => boolean, ms = 15_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!done()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

let n = 0;

describe('the consumer with a push connection', () => {
  it('waits for notices while idle, heartbeats over the connection, and gets what is produced', async () => {
    const { sluice, sent } = recordingClient();
    const topic = `pushed-${++n}`;
    await sluice.admin().createTopic({ name: topic, partitions: 4 });
    const consumer = sluice.consumer({ groupId: `g-${topic}`, topics: [topic], fromBeginning: true });
    const got: string[] = [];
    let caughtUp = false;
    consumer.on('caughtUp', () => (caughtUp = true));
    const run = consumer.run({ eachRecord: (r) => void got.push(r.value!.toString()) });
    await until('caught up with a push connection', () => caughtUp && dev.push.size === 1);
    await sleep(300);

    const idleFrom = sent.length;
    await sleep(1_000);
    const whileIdle = sent.slice(idleFrom);
    await sluice.producer().send({ topic, partition: 3, value: 'hello' });
    await until('the record', () => got.includes('hello'));
    await consumer.close();
    await run;

    expect(whileIdle).toEqual([]);
    // Once connected, fetches never long-poll (one sent before the connection opened may).
    const fetchesOnceConnected = sent.slice(idleFrom).filter((s) => s.path === '/v1/fetch');
    expect(fetchesOnceConnected.length).toBeGreaterThan(0);
    expect(fetchesOnceConnected.every((s) => s.waitMs === 0)).toBe(true);
    expect(sent.some((s) => s.path.endsWith('/heartbeat'))).toBe(false);
  });

  it('falls back to long polls when the connection drops, and records still arrive', async () => {
    const { sluice, sent } = recordingClient();
    const topic = `pushed-${++n}`;
    await sluice.admin().createTopic({ name: topic, partitions: 2 });
    const consumer = sluice.consumer({ groupId: `g-${topic}`, topics: [topic], fromBeginning: true, retryBackoffMs: 2_000 });
    const got: string[] = [];
    let caughtUp = false;
    consumer.on('caughtUp', () => (caughtUp = true));
    const run = consumer.run({ eachRecord: (r) => void got.push(r.value!.toString()) });
    await until('caught up with a push connection', () => caughtUp && dev.push.size === 1);

    const before = sent.length;
    dev.push.drop();
    await until('a long poll', () => sent.slice(before).some((s) => s.path === '/v1/fetch' && (s.waitMs ?? 0) > 0));
    await sluice.producer().send({ topic, partition: 1, value: 'while-dropped' });
    await until('the record', () => got.includes('while-dropped'));
    await consumer.close();
    await run;

    expect(sent.slice(before).some((s) => s.path.endsWith('/heartbeat'))).toBe(true);
  });
});
