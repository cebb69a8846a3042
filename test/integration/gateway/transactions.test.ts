// kafkajs' transactional producer against the gateway of a dev server: committed records
// are seen by read_committed consumers and over HTTP, aborted ones never, and a second
// producer with the same transactional id fences the first (zombie fencing).
import { Kafka, logLevel, type Producer } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DevServer } from '../../../lib/local/devServer.ts';
import { startTestDevServer } from '../client/devServer.ts';
import { uniqueName } from './harness.ts';

let dev: DevServer;
beforeAll(async () => {
  dev = await startTestDevServer({ kafkaPort: 0, subscriptions: false, maintenanceIntervalMs: 0 });
});
afterAll(() => dev?.stop());

const kafka = () =>
  new Kafka({ clientId: 'txn', brokers: [`127.0.0.1:${dev.kafkaPort}`], logLevel: logLevel.NOTHING, retry: { retries: 3, initialRetryTime: 50 } });

async function createTopic(partitions: number): Promise<string> {
  const name = uniqueName('txn');
  const res = await fetch(`${dev.url}/v1/topics`, { method: 'POST', body: JSON.stringify({ name, partitions }), headers: { 'content-type': 'application/json' } });
  expect(res.status).toBe(201);
  return name;
}

/** Every record of the topic over HTTP, as "partition:value". */
async function overHttp(topic: string, partitions: number): Promise<string[]> {
  const out: string[] = [];
  for (let p = 0; p < partitions; p++) {
    const res = await fetch(`${dev.url}/v1/topics/${topic}/partitions/${p}/records?offset=0&encoding=string`);
    const body = (await res.json()) as { records: { value: string }[] };
    out.push(...body.records.map((r) => `${p}:${r.value}`));
  }
  return out.sort();
}

/** What a read_committed consumer group reads from the start, once it has read `expected` records (and a moment more). */
async function readCommitted(topic: string, expected: number): Promise<string[]> {
  const consumer = kafka().consumer({ groupId: uniqueName('reader'), maxWaitTimeInMs: 50, readUncommitted: false });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  const seen: string[] = [];
  await new Promise<void>((resolve) => {
    void consumer.run({
      eachMessage: async ({ partition, message }) => {
        seen.push(`${partition}:${message.value!.toString()}`);
        if (seen.length === expected) resolve();
      },
    });
  });
  await consumer.disconnect();
  return seen.sort();
}

async function transactional(id: string): Promise<Producer> {
  const producer = kafka().producer({ transactionalId: id, idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  return producer;
}

describe('kafkajs transactions through the gateway', () => {
  it('makes a committed transaction visible on every partition at once, and an aborted one never', async () => {
    const topic = await createTopic(3);
    const producer = await transactional(uniqueName('tid'));

    const aborted = await producer.transaction();
    await aborted.send({ topic, messages: [0, 1, 2].map((p) => ({ partition: p, value: `aborted-${p}` })) });
    await aborted.abort();

    const committed = await producer.transaction();
    await committed.send({ topic, messages: [0, 1, 2].map((p) => ({ partition: p, value: `a-${p}` })) });
    await committed.send({ topic, messages: [{ partition: 1, value: 'b-1' }] });
    expect(await overHttp(topic, 3)).toEqual([]); // staged: nothing visible before the commit
    await committed.commit();
    await producer.disconnect();

    const expected = ['0:a-0', '1:a-1', '1:b-1', '2:a-2'];
    expect(await overHttp(topic, 3)).toEqual(expected);
    expect(await readCommitted(topic, 4)).toEqual(expected);
  });

  it('fences the older of two producers with one transactional id: its sends and commit fail, nothing of it is visible', async () => {
    const topic = await createTopic(1);
    const id = uniqueName('tid');
    const zombie = await transactional(id);
    const zombieTxn = await zombie.transaction();
    await zombieTxn.send({ topic, messages: [{ value: 'zombie-1' }] });

    const successor = await transactional(id);
    const txn = await successor.transaction(); // a new epoch: the zombie's open transaction is aborted
    await expect(zombieTxn.send({ topic, messages: [{ value: 'zombie-2' }] })).rejects.toMatchObject({ type: 'INVALID_PRODUCER_EPOCH' });
    await expect(zombieTxn.commit()).rejects.toMatchObject({ type: 'INVALID_PRODUCER_EPOCH' });

    await txn.send({ topic, messages: [{ value: 'successor' }] });
    await txn.commit();
    await Promise.all([zombie.disconnect(), successor.disconnect()]);

    expect(await overHttp(topic, 1)).toEqual(['0:successor']);
  });
});
