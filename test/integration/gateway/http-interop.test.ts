// One stack served two ways: the dev server's HTTP API and its Kafka gateway. Records and
// group offsets written through one are read through the other, byte for byte, at the same
// partitions and offsets; what a web page could send to the Kafka port is refused.
import { randomBytes } from 'node:crypto';
import { connect } from 'node:net';
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DevServer } from '../../../lib/local/devServer.ts';
import { startTestDevServer } from '../client/devServer.ts';
import { uniqueName } from './harness.ts';

let dev: DevServer;
beforeAll(async () => {
  dev = await startTestDevServer({ kafkaPort: 0, subscriptions: false, maintenanceIntervalMs: 0 });
});
afterAll(() => dev?.stop());

const http = async (method: string, path: string, body?: unknown) => {
  const res = await fetch(`${dev.url}${path}`, {
    method,
    ...(body === undefined ? {} : { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }),
  });
  const text = await res.text();
  return { status: res.status, json: text ? JSON.parse(text) : undefined };
};
const kafka = () => new Kafka({ clientId: 'interop', brokers: [`127.0.0.1:${dev.kafkaPort}`], logLevel: logLevel.NOTHING });
const b64 = (b: Buffer) => b.toString('base64');

describe('the HTTP API and the Kafka gateway over one stack', () => {
  it('serves records produced through the gateway over HTTP, byte for byte, where HTTP would have put them', async () => {
    const topic = uniqueName('interop');
    expect((await http('POST', '/v1/topics', { name: topic, partitions: 4 })).status).toBe(201);
    const messages = Array.from({ length: 12 }, (_, i) => ({
      key: randomBytes(6),
      value: randomBytes(20 + i),
      headers: { trace: randomBytes(4) },
    }));
    const producer = kafka().producer();
    await producer.connect();
    for (const m of messages) await producer.send({ topic, messages: [m] });
    await producer.disconnect();

    // The HTTP path partitions the same keys the same way.
    const viaHttp = await http('POST', `/v1/topics/${topic}/records`, {
      encoding: 'base64',
      records: messages.map((m) => ({ key: b64(m.key), value: b64(m.value) })),
    });
    const byPartition = new Map<number, { key: string; value: string; headers: Record<string, string> }[]>();
    for (let p = 0; p < 4; p++) {
      const r = await http('GET', `/v1/topics/${topic}/partitions/${p}/records?offset=0&encoding=base64`);
      byPartition.set(p, r.json.records);
    }
    messages.forEach((m, i) => {
      const httpPartition = viaHttp.json.offsets[i].partition as number;
      const stored = byPartition.get(httpPartition)!;
      const fromGateway = stored.find((r) => r.key === b64(m.key) && r.headers.trace !== undefined);
      expect(fromGateway, `record ${i} in partition ${httpPartition}`).toBeDefined();
      expect(fromGateway!.value).toBe(b64(m.value));
      expect(fromGateway!.headers.trace).toBe(b64(m.headers.trace));
    });
  });

  it('serves records produced over HTTP to a Kafka consumer at the same offsets, and shares group offsets', async () => {
    const topic = uniqueName('reverse');
    await http('POST', '/v1/topics', { name: topic, partitions: 1 });
    const values = Array.from({ length: 5 }, (_, i) => randomBytes(10 + i));
    const produced = await http('POST', `/v1/topics/${topic}/records`, {
      encoding: 'base64',
      records: values.map((v) => ({ key: null, value: b64(v), headers: { h: b64(v.subarray(0, 2)) } })),
    });
    const group = uniqueName('shared');
    const consumer = kafka().consumer({ groupId: group, maxWaitTimeInMs: 100 });
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    const seen: { offset: number; value: Buffer; header: Buffer }[] = [];
    await new Promise<void>((resolve) => {
      void consumer.run({
        autoCommitThreshold: 1,
        eachMessage: async ({ message }) => {
          seen.push({ offset: Number(message.offset), value: message.value!, header: message.headers!.h as Buffer });
          if (seen.length === values.length) resolve();
        },
      });
    });
    await consumer.disconnect();
    expect(seen.map((s) => s.offset)).toEqual(produced.json.offsets.map((o: { offset: number }) => o.offset));
    expect(seen.map((s) => b64(s.value))).toEqual(values.map(b64));
    expect(seen.map((s) => b64(s.header))).toEqual(values.map((v) => b64(v.subarray(0, 2))));
    const offsets = await http('GET', `/v1/groups/${group}/offsets`);
    expect(offsets.json.offsets).toEqual([expect.objectContaining({ topic, partition: 0, offset: values.length, lag: 0 })]);
  });

  it('closes at once a connection to the Kafka port that speaks HTTP, as a web page would', async () => {
    const socket = connect(dev.kafkaPort!, '127.0.0.1');
    const received: Buffer[] = [];
    socket.on('data', (d: Buffer) => received.push(d));
    socket.on('error', () => {}); // a reset instead of a close is a refusal too
    const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));

    socket.write('POST /v1/topics HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: text/plain\r\nContent-Length: 2\r\n\r\n{}');
    await closed;

    expect(Buffer.concat(received)).toHaveLength(0);
    expect((await http('GET', '/v1/topics')).status).toBe(200);
  });
});
