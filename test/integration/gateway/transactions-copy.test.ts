// Read-process-write with kafkajs through the gateway: two members of a consumer group
// copy topic A to topic B, each batch's records and its input offsets in one transaction
// (transaction → send → sendOffsets → commit). One member dies in the middle of a
// transaction; the other takes its partition over from the last committed offset. The
// checker then reads B: every record of A exactly once, none of the dead member's
// uncommitted transaction.
import { Kafka, logLevel, type Consumer, type Producer } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { until, uniqueName, useGateway } from './harness.ts';

const h = useGateway();
const RECORDS = 48;

interface Member {
  consumer: Consumer;
  producer: Producer;
  assigned: number[];
}

const kafka = () =>
  new Kafka({ clientId: 'copy', brokers: [h.broker()], logLevel: logLevel.NOTHING, retry: { retries: 5, initialRetryTime: 50 } });

/** A member copying A to B, one transaction per batch; `dieOnBatch` makes it stop for good midway through that batch's transaction. */
async function member(group: string, a: string, b: string, index: number, dieOnBatch?: number): Promise<Member> {
  const consumer = kafka().consumer({ groupId: group, sessionTimeout: 6000, heartbeatInterval: 100, maxWaitTimeInMs: 50, maxBytesPerPartition: 256, retry: { retries: 0 } });
  const producer = kafka().producer({ transactionalId: `${group}-copier-${index}`, idempotent: true, maxInFlightRequests: 1 });
  const m: Member = { consumer, producer, assigned: [] };
  consumer.on(consumer.events.GROUP_JOIN, (e) => (m.assigned = e.payload.memberAssignment[a] ?? []));
  await Promise.all([consumer.connect(), producer.connect()]);
  await consumer.subscribe({ topic: a, fromBeginning: true });
  let batches = 0;
  await consumer.run({
    autoCommit: false,
    eachBatchAutoResolve: false,
    eachBatch: async ({ batch, resolveOffset, heartbeat }) => {
      const txn = await producer.transaction();
      await txn.send({ topic: b, messages: batch.messages.map((r) => ({ key: r.key, value: r.value })) });
      if (++batches === dieOnBatch) throw new Error('member died mid-transaction'); // never commits or aborts
      const next = String(Number(batch.lastOffset()) + 1);
      await txn.sendOffsets({ consumerGroupId: group, topics: [{ topic: a, partitions: [{ partition: batch.partition, offset: next }] }] });
      await txn.commit();
      resolveOffset(batch.lastOffset());
      await heartbeat();
    },
  });
  return m;
}

describe('read-process-write through the gateway with kafkajs transactions', () => {
  it('copies every record of A to B exactly once although a member dies mid-transaction', async () => {
    const a = uniqueName('copy-a');
    const b = uniqueName('copy-b');
    const admin = h.kafka().admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: a, numPartitions: 2 }, { topic: b, numPartitions: 2 }] });
    await admin.disconnect();
    const group = uniqueName('copier');

    const survivor = await member(group, a, b, 0);
    const doomed = await member(group, a, b, 1, 2);
    let crashed = false;
    doomed.consumer.on(doomed.consumer.events.CRASH, () => void (crashed = true));
    await until('both members to hold a partition', () => survivor.assigned.length === 1 && doomed.assigned.length === 1);

    // A's records, in small batches on both partitions.
    const source = h.kafka().producer();
    await source.connect();
    for (let i = 0; i < RECORDS; i += 4) {
      await source.send({ topic: a, messages: [0, 1, 2, 3].map((k) => ({ partition: (i + k) % 2, key: `k${i + k}`, value: `r${i + k}` })) });
    }
    await source.disconnect();

    const log = h.gateway().services.log;
    const copied = async (): Promise<string[]> => {
      const out: string[] = [];
      for (const p of [0, 1]) out.push(...(await log.fetch(b, p, { offset: 0, maxRecords: 1000 })).records.map((r) => r.value!.toString()));
      return out;
    };
    await until('the doomed member to die', () => crashed);
    let last: string[] = [];
    const end = Date.now() + 60_000;
    while ((last = await copied()).length < RECORDS && Date.now() < end) await new Promise((r) => setTimeout(r, 100));
    const committed = await h.gateway().services.groups.fetchOffsets(group);
    await Promise.all([survivor.consumer.disconnect(), survivor.producer.disconnect(), doomed.producer.disconnect()]);

    // The checker: each record of A once in B, and A fully consumed by the group.
    const expected = Array.from({ length: RECORDS }, (_, i) => `r${i}`).sort();
    expect([...(await copied())].sort()).toEqual(expected);
    expect(last.length).toBe(RECORDS);
    expect(committed.offsets.filter((o) => o.topic === a).map((o) => o.lag)).toEqual([0, 0]);
  });
});
