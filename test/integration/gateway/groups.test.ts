// Consumer groups through the gateway with kafkajs: the classic protocol's join/sync
// barrier with kafkajs's own assignor, a rebalance when a member leaves, committed
// offsets, seeking, and the group size limit.
import type { EachMessagePayload } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { MAX_GROUP_JOIN_BYTES } from '../../../lib/groups/index.ts';
import { uniqueName, until, useGateway } from './harness.ts';

const h = useGateway();
const FAST = { sessionTimeout: 6000, heartbeatInterval: 200, rebalanceTimeout: 6000, maxWaitTimeInMs: 100 };

async function createTopic(topic: string, partitions: number): Promise<void> {
  const admin = h.kafka().admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic, numPartitions: partitions }] });
  await admin.disconnect();
}

async function produce(topic: string, values: string[]): Promise<void> {
  const producer = h.kafka().producer();
  await producer.connect();
  await producer.send({ topic, messages: values.map((value, i) => ({ key: `k${i}`, value })) });
  await producer.disconnect();
}

/** A started member and what it has been given and has seen. */
async function member(topic: string, groupId: string) {
  const consumer = h.kafka().consumer({ groupId, ...FAST });
  const assigned: number[][] = [];
  const seen: string[] = [];
  consumer.on(consumer.events.GROUP_JOIN, (e) => assigned.push([...(e.payload.memberAssignment[topic] ?? [])].sort()));
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await consumer.run({ eachMessage: async ({ message }: EachMessagePayload) => void seen.push(message.value!.toString()) });
  return { consumer, assigned, seen };
}


describe('consumer groups through the gateway', () => {
  it('splits partitions between two members and gives all to the one left when the other leaves', async () => {
    const topic = uniqueName('split');
    const groupId = uniqueName('g');
    await createTopic(topic, 4);
    const a = await member(topic, groupId);
    await until('first assignment', () => a.assigned.length > 0);
    const b = await member(topic, groupId);
    await until('a balanced pair', () => {
      const lastA = a.assigned.at(-1) ?? [];
      const lastB = b.assigned.at(-1) ?? [];
      return lastA.length === 2 && lastB.length === 2;
    });
    expect([...a.assigned.at(-1)!, ...b.assigned.at(-1)!].sort()).toEqual([0, 1, 2, 3]);

    await b.consumer.disconnect();
    await until('a owning everything', () => (a.assigned.at(-1) ?? []).length === 4);
    await produce(topic, ['x0', 'x1', 'x2', 'x3', 'x4', 'x5', 'x6', 'x7']);
    await until('a reading every new record', () => ['x0', 'x1', 'x2', 'x3', 'x4', 'x5', 'x6', 'x7'].every((v) => a.seen.includes(v)));
    await a.consumer.disconnect();
  });

  it('resumes a group from its committed offsets, and re-reads after a seek back', async () => {
    const topic = uniqueName('resume');
    const groupId = uniqueName('g');
    await createTopic(topic, 1);
    await produce(topic, ['a', 'b', 'c']);
    const first = await member(topic, groupId);
    await until('the first three', () => first.seen.length === 3);
    await first.consumer.commitOffsets([{ topic, partition: 0, offset: '3' }]);
    await first.consumer.disconnect();

    await produce(topic, ['d', 'e']);
    const second = await member(topic, groupId);
    await until('the two new records', () => second.seen.length === 2);
    expect(second.seen).toEqual(['d', 'e']);
    second.consumer.seek({ topic, partition: 0, offset: '1' });
    await until('the re-read from offset 1', () => second.seen.length === 6);
    expect(second.seen.slice(2)).toEqual(['b', 'c', 'd', 'e']);
    await second.consumer.disconnect();

    const admin = h.kafka().admin();
    await admin.connect();
    const committed = await admin.fetchOffsets({ groupId, topics: [topic] });
    expect(Number(committed[0]!.partitions[0]!.offset)).toBe(5);
    await admin.disconnect();
  });

  it('answers a stale generation with ILLEGAL_GENERATION and an unknown member with UNKNOWN_MEMBER_ID', async () => {
    const topic = uniqueName('fence');
    const groupId = uniqueName('g');
    await createTopic(topic, 1);
    const a = await member(topic, groupId);
    await until('assignment', () => a.assigned.length > 0);
    const { classic } = h.gateway().services;
    const g = (await classic.read(groupId))!;
    const id = g.members[0]!.memberId;
    expect(await classic.heartbeat(groupId, id, g.generation - 1)).toBe(22);
    expect(await classic.heartbeat(groupId, 'nobody', g.generation)).toBe(25);
    await a.consumer.disconnect();
  });

  it('refuses a join that would pass the group size limit with GROUP_MAX_SIZE_REACHED, writing nothing', async () => {
    const groupId = uniqueName('g');
    const { classic } = h.gateway().services;
    const metadata = Buffer.alloc(MAX_GROUP_JOIN_BYTES).toString('base64');

    const out = await classic.join(
      {
        groupId, memberId: '', groupInstanceId: null, clientId: 'big', clientHost: '127.0.0.1',
        sessionTimeoutMs: 6000, rebalanceTimeoutMs: 6000, protocolType: 'consumer', protocols: [{ name: 'range', metadata }],
      },
      false,
    );

    expect(out.errorCode).toBe(81);
    expect(await classic.read(groupId)).toBeUndefined();
  });
});

