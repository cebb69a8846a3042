// A compacted topic through the Kafka gateway: a record without a key is refused with
// INVALID_RECORD as a Kafka broker refuses it, and a Kafka consumer reads the cleaned log,
// stepping over removed offsets and batches left empty, to its end.
import { describe, expect, it } from 'vitest';
import { runMaintenance } from '../../../lib/log/maintenance/index.ts';
import { useGateway, uniqueName } from './harness.ts';

const h = useGateway();

describe('a compacted topic through the gateway', () => {
  it('refuses a keyless record and serves the cleaned log to kafkajs', async () => {
    const topic = uniqueName('kc');
    const admin = h.kafka().admin();
    await admin.connect();
    await admin.createTopics({
      topics: [{ topic, numPartitions: 1, configEntries: [{ name: 'cleanup.policy', value: 'compact' }, { name: 'min.cleanable.dirty.ratio', value: '0' }] }],
    });
    const producer = h.kafka().producer();
    await producer.connect();
    await expect(producer.send({ topic, messages: [{ value: 'no key' }] })).rejects.toMatchObject({ type: 'INVALID_RECORD' });
    for (const [key, value] of [['a', 'a0'], ['a', 'a1'], ['b', 'b0'], ['a', 'a2'], ['z', 'end']] as const) {
      await producer.send({ topic, messages: [{ key, value }] });
    }
    // One index entry per append: the entries of a0 and a1 are left with an empty batch each.
    const report = await runMaintenance(h.storage.clients, { topics: [topic], compactionTargetBytes: 0, indexIntervalBytes: 1 });
    expect(report.partitions[0]!.cleaning).toMatchObject({ recordsRemoved: 2 });

    const consumer = h.kafka().consumer({ groupId: uniqueName('g'), maxWaitTimeInMs: 100 });
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    const got: [string, string][] = [];
    await new Promise<void>((resolve) => {
      void consumer.run({
        eachMessage: async ({ message }) => {
          got.push([message.offset, message.value!.toString()]);
          if (message.offset === '4') resolve();
        },
      });
    });
    expect(got).toEqual([['2', 'b0'], ['3', 'a2'], ['4', 'end']]);
    await consumer.disconnect();
    await producer.disconnect();
    await admin.disconnect();
  });
});
