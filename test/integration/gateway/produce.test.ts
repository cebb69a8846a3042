// Produce through the gateway: idempotent producers whose acknowledgements are lost are
// written once; acks=0 writes without answering; a bad partition fails alone and writes
// nothing; batches lingering together are committed together, as one object for all
// their partitions, and answered with their own offsets.
import { CompressionTypes } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { encodeBatch } from '../../../lib/records/index.ts';
import { indexEntries } from '../../support/log.ts';
import { lossyFlush, useGateway } from './harness.ts';
import { RawConnection } from './raw.ts';

const lossy = lossyFlush();
const h = useGateway({ produce: { lingerMs: 2, flush: lossy.flush } });
const topicWith = (partitions: number) => h.topicWith('produce', partitions);

describe('produce through the gateway', () => {
  it('writes each record of an idempotent producer once although its acknowledgements were lost and it retried', async () => {
    const topic = await topicWith(1);
    const producer = h.kafka().producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    lossy.lose = 2;
    for (let i = 0; i < 5; i++) await producer.send({ topic, messages: [{ key: `k${i}`, value: `v${i}` }] });
    await producer.disconnect();
    expect(lossy.lose).toBe(0);
    const read = await h.gateway().services.log.fetch(topic, 0, { offset: 0 });
    expect(read.records.map((r) => r.value!.toString())).toEqual(['v0', 'v1', 'v2', 'v3', 'v4']);
    expect(read.highWatermark).toBe(5);
  });

  it('writes with acks=0 without answering', async () => {
    const topic = await topicWith(1);
    const producer = h.kafka().producer();
    await producer.connect();
    await producer.send({ topic, acks: 0, messages: [{ value: 'fire' }, { value: 'forget' }] });
    await producer.disconnect();
    const log = h.gateway().services.log;
    for (let i = 0; i < 200 && (await log.listOffsets(topic, 0, 'latest')) < 2; i++) await new Promise((r) => setTimeout(r, 20));
    expect((await log.fetch(topic, 0, { offset: 0 })).records.map((r) => r.value!.toString())).toEqual(['fire', 'forget']);
  });

  it('answers concurrent producers lingering together with their own offsets, gzip included', async () => {
    const topic = await topicWith(2);
    const producers = await Promise.all(
      Array.from({ length: 4 }, async () => {
        const p = h.kafka().producer();
        await p.connect();
        return p;
      }),
    );
    const results = await Promise.all(
      producers.map((p, i) =>
        p.send({ topic, compression: i % 2 ? CompressionTypes.GZIP : CompressionTypes.None, messages: [{ partition: 0, value: `p${i}-a` }, { partition: 0, value: `p${i}-b` }] }),
      ),
    );
    await Promise.all(producers.map((p) => p.disconnect()));
    const read = await h.gateway().services.log.fetch(topic, 0, { offset: 0 });
    results.forEach((r, i) => {
      const base = Number(r[0]!.baseOffset);
      expect(read.records.find((x) => x.offset === base)!.value!.toString()).toBe(`p${i}-a`);
      expect(read.records.find((x) => x.offset === base + 1)!.value!.toString()).toBe(`p${i}-b`);
    });
    expect(read.highWatermark).toBe(8);
  });

  it('writes the partitions of one flush as one object', async () => {
    const topic = await topicWith(4);
    const { log } = h.gateway().services;
    const { topicId } = await log.describeTopic(topic);
    const producer = h.kafka().producer();
    await producer.connect();
    await producer.send({ topic, messages: [0, 1, 2, 3].map((p) => ({ partition: p, value: `v${p}` })) });
    await producer.disconnect();

    const entries = (await Promise.all([0, 1, 2, 3].map((p) => indexEntries(log.clients, topicId, p)))).flat();
    expect(entries).toHaveLength(4);
    expect(new Set(entries.map((e) => e.objectKey)).size).toBe(1);
    for (const p of [0, 1, 2, 3]) expect((await log.fetch(topic, p, { offset: 0 })).records.map((r) => r.value!.toString())).toEqual([`v${p}`]);
  });

  it('fails a partition that does not exist, or a corrupt batch, without failing the others or writing them', async () => {
    const topic = await topicWith(1);
    const good = encodeBatch({ records: [{ key: null, value: Buffer.from('here') }] });
    const corrupt = Buffer.from(good);
    corrupt[corrupt.length - 1]! ^= 0xff;
    const conn = await RawConnection.open(h.gateway().port);
    const res = await conn.request(0, 9, {
      transactionalId: null,
      acks: -1,
      timeoutMs: 5000,
      topicData: [{ name: topic, partitionData: [{ index: 0, records: good }, { index: 3, records: good }, { index: 0, records: corrupt }] }],
    });
    conn.close();
    expect(res.responses[0].partitionResponses.map((p: { errorCode: number }) => p.errorCode)).toEqual([0, 3, 2]);
    expect(await h.gateway().services.log.listOffsets(topic, 0, 'latest')).toBe(1);
  });

  it('answers InitProducerId with a producer id the log issued, at epoch 0, even for a client naming its old id and epoch', async () => {
    const conn = await RawConnection.open(h.gateway().port);
    const first = await conn.request(22, 4, { transactionalId: null, transactionTimeoutMs: 60_000, producerId: -1, producerEpoch: -1 });

    const again = await conn.request(22, 4, { transactionalId: null, transactionTimeoutMs: 60_000, producerId: first.producerId, producerEpoch: first.producerEpoch });
    conn.close();

    expect(first).toMatchObject({ errorCode: 0, producerEpoch: 0 });
    expect(again).toMatchObject({ errorCode: 0, producerEpoch: 0 });
    expect(again.producerId).not.toBe(first.producerId);
  });
});
