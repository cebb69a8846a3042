// Idempotent producers through the gateway's produce buffer: their batches for many
// partitions go out as ONE object per flush and one commit, like everyone else's, and
// retries after lost answers (the gateway's, or DynamoDB's) never duplicate a record. The
// checker reads every partition back: each record exactly once, in send order per
// producer and partition.
import '../../support/node22.ts';
import { Producer, stringSerializers } from '@platformatic/kafka';
import { describe, expect, it } from 'vitest';
import { encodeBatch } from '../../../lib/records/index.ts';
import { bumpEpoch, countRequests, indexEntries, injectFault, readAll } from '../../support/log.ts';
import { lossyFlush, useGateway } from './harness.ts';
import { RawConnection } from './raw.ts';

const lossy = lossyFlush();
const h = useGateway({ produce: { lingerMs: 10, flush: lossy.flush } });
const topicWith = (partitions: number) => h.topicWith('idemflush', partitions);

/** Every partition's values; each must appear once, and each producer's in the order it sent them. */
async function expectExactlyOnceInOrder(topic: string, partitions: number, sent: readonly string[]) {
  const { log } = h.gateway().services;
  const all: string[] = [];
  for (let p = 0; p < partitions; p++) {
    const values = (await readAll(log, topic, p)).map((r) => r.value!);
    all.push(...values);
    for (const producer of new Set(values.map((v) => v.split('-')[0]))) {
      const mine = values.filter((v) => v.startsWith(`${producer}-`)).map((v) => Number(v.split('-')[1]));
      expect(mine, `partition ${p}, producer ${producer}`).toEqual([...mine].sort((a, b) => a - b));
    }
  }
  expect(all.sort()).toEqual([...sent].sort());
}

async function objectsOf(topic: string, partitions: number): Promise<Set<string>> {
  const { log } = h.gateway().services;
  const { topicId } = await log.describeTopic(topic);
  const entries = (await Promise.all(Array.from({ length: partitions }, (_, p) => indexEntries(log.clients, topicId, p)))).flat();
  return new Set(entries.map((e) => e.objectKey));
}

describe('idempotent producers through the produce buffer', () => {
  it('writes one request of a kafkajs idempotent producer for many partitions as one object in one commit', async () => {
    const topic = await topicWith(8);
    const producer = h.kafka().producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    const s3 = countRequests(h.storage.clients.s3);
    const ddb = countRequests(h.storage.clients.ddb);

    await producer.send({ topic, acks: -1, messages: Array.from({ length: 8 }, (_, p) => ({ partition: p, value: `k-${p}` })) });
    s3.remove();
    ddb.remove();
    await producer.disconnect();

    expect(s3.counts.get('PutObject')).toBe(1);
    expect(ddb.counts.get('TransactWriteItems')).toBe(1);
    const objects = await objectsOf(topic, 8);
    expect(objects.size).toBe(1);
    expect([...objects][0]).toMatch(/^segments\/~shared\//);
  });

  it('writes every record of concurrent kafkajs idempotent producers exactly once, one object per flush, although answers were lost', async () => {
    const topic = await topicWith(6);
    const producers = await Promise.all(
      ['a', 'b', 'c'].map(async (name) => {
        const p = h.kafka().producer({ idempotent: true, maxInFlightRequests: 1 });
        await p.connect();
        return { name, p };
      }),
    );
    const sent: string[] = [];
    const s3 = countRequests(h.storage.clients.s3);
    lossy.flushes = 0;
    lossy.lose = 5;

    await Promise.all(
      producers.map(async ({ name, p }) => {
        for (let i = 0; i < 8; i++) {
          const messages = Array.from({ length: 6 }, (_, part) => ({ partition: part, value: `${name}-${i}-${part}` }));
          sent.push(...messages.map((m) => m.value));
          await p.send({ topic, acks: -1, messages });
        }
      }),
    );
    s3.remove();
    await Promise.all(producers.map(({ p }) => p.disconnect()));

    expect(lossy.lose).toBe(0);
    expect(s3.counts.get('PutObject')).toBe(lossy.flushes);
    expect((await objectsOf(topic, 6)).size).toBeLessThanOrEqual(lossy.flushes);
    await expectExactlyOnceInOrder(topic, 6, sent);
  });

  it('writes every record once when the answers of DynamoDB transactions are lost while kafkajs idempotent producers produce', async () => {
    const topic = await topicWith(4);
    const producers = await Promise.all(
      ['x', 'y'].map(async (name) => {
        const p = h.kafka().producer({ idempotent: true, maxInFlightRequests: 1 });
        await p.connect();
        return { name, p };
      }),
    );
    const sent: string[] = [];
    const remove = injectFault(h.storage.clients.ddb, 'TransactWriteItems', 'after', { times: 4 });

    await Promise.all(
      producers.map(async ({ name, p }) => {
        for (let i = 0; i < 6; i++) {
          const messages = Array.from({ length: 4 }, (_, part) => ({ partition: part, value: `${name}-${i}-${part}` }));
          sent.push(...messages.map((m) => m.value));
          await p.send({ topic, acks: -1, messages });
        }
      }),
    );
    remove();
    await Promise.all(producers.map(({ p }) => p.disconnect()));

    await expectExactlyOnceInOrder(topic, 4, sent);
  });

  it('writes a request of a @platformatic/kafka idempotent producer for many partitions as one object, once although answers were lost', async () => {
    const topic = await topicWith(6);
    const p = new Producer({ clientId: 'idem', bootstrapBrokers: [h.broker()], serializers: stringSerializers, idempotent: true, acks: -1, retryDelay: 20 });
    const s3 = countRequests(h.storage.clients.s3);
    const sent: string[] = [];
    lossy.flushes = 0;

    const first = Array.from({ length: 6 }, (_, part) => ({ topic, partition: part, value: `pf-0-${part}` }));
    await p.send({ messages: first });
    const firstPuts = s3.counts.get('PutObject');
    lossy.lose = 3;
    for (let i = 1; i < 5; i++) {
      const messages = Array.from({ length: 6 }, (_, part) => ({ topic, partition: part, value: `pf-${i}-${part}` }));
      sent.push(...messages.map((m) => m.value));
      await p.send({ messages });
    }
    s3.remove();
    await p.close();
    sent.push(...first.map((m) => m.value));

    expect(firstPuts).toBe(1);
    expect(lossy.lose).toBe(0);
    expect(s3.counts.get('PutObject')).toBe(lossy.flushes);
    await expectExactlyOnceInOrder(topic, 6, sent);
  });

  it("answers a sequence gap on one partition with OUT_OF_ORDER_SEQUENCE_NUMBER and commits the request's other partitions", async () => {
    const topic = await topicWith(2);
    const raw = await rawProducer();

    const res = await raw.produce(topic, [
      [0, raw.batch(0, 0, 'ok')],
      [1, raw.batch(0, 4, 'gap')],
    ]);
    raw.conn.close();

    expect(res).toEqual([0, 45]);
    const { log } = h.gateway().services;
    expect((await readAll(log, topic, 0)).map((r) => r.value)).toEqual(['ok']);
    expect(await log.listOffsets(topic, 1, 'latest')).toBe(0);
  });

  it('answers a batch of a fenced epoch with INVALID_PRODUCER_EPOCH, as a broker answers it on Produce, and commits the others', async () => {
    const topic = await topicWith(2);
    const raw = await rawProducer();
    await bumpEpoch(h.storage.clients, raw.producerId, 1);
    expect(await raw.produce(topic, [[0, raw.batch(1, 0, 'new')]])).toEqual([0]);

    const res = await raw.produce(topic, [
      [0, raw.batch(0, 1, 'zombie')],
      [1, raw.batch(1, 0, 'fine')],
    ]);
    raw.conn.close();

    expect(res).toEqual([47, 0]);
    const { log } = h.gateway().services;
    expect((await readAll(log, topic, 0)).map((r) => r.value)).toEqual(['new']);
    expect((await readAll(log, topic, 1)).map((r) => r.value)).toEqual(['fine']);
  });
});

/** A producer id from InitProducerId, and Produce requests of one idempotent batch per partition, answered with their error codes. */
async function rawProducer() {
  const conn = await RawConnection.open(h.gateway().port);
  const init = await conn.request(22, 4, { transactionalId: null, transactionTimeoutMs: 60_000, producerId: -1, producerEpoch: -1 });
  const producerId = BigInt(init.producerId);
  return {
    conn,
    producerId,
    batch: (producerEpoch: number, baseSequence: number, value: string) =>
      encodeBatch({ records: [{ key: null, value: Buffer.from(value) }], producerId, producerEpoch, baseSequence }),
    async produce(topic: string, partitions: [number, Buffer][]): Promise<number[]> {
      const res = await conn.request(0, 9, {
        transactionalId: null,
        acks: -1,
        timeoutMs: 5000,
        topicData: [{ name: topic, partitionData: partitions.map(([index, records]) => ({ index, records })) }],
      });
      return res.responses[0].partitionResponses.map((p: { errorCode: number }) => p.errorCode);
    },
  };
}
