import '../../support/node22.ts';
import { Admin, Consumer, Producer, stringDeserializers, stringSerializers, type MessagesStream } from '@platformatic/kafka';
import { describe, expect, it } from 'vitest';
import { uniqueName, until, useGateway } from './harness.ts';

const h = useGateway();
const admin = () => new Admin({ clientId: 'admin', bootstrapBrokers: [h.broker()] });
const producer = (idempotent = false) =>
  new Producer({ clientId: 'p', bootstrapBrokers: [h.broker()], serializers: stringSerializers, idempotent, ...(idempotent ? { acks: -1 } : {}) });

async function startMember(topic: string, groupId: string, protocol: 'classic' | 'consumer') {
  const consumer = new Consumer<string, string, string, string>({
    groupId, clientId: 'c', bootstrapBrokers: [h.broker()], deserializers: stringDeserializers, maxWaitTime: 100,
    ...(protocol === 'consumer' ? { groupProtocol: 'consumer' as const } : { sessionTimeout: 10000, heartbeatInterval: 200 }),
  });
  const seen: string[] = [];
  const stream: MessagesStream<string, string, string, string> = await consumer.consume({ topics: [topic], mode: 'earliest', autocommit: 100 });
  stream.on('data', (m) => seen.push(m.value as string));
  const owned = () => (consumer.assignments ?? []).flatMap((a) => a.partitions).sort();
  return { consumer, stream, seen, owned };
}

describe('@platformatic/kafka against the gateway', () => {
  it('creates a topic, produces idempotently and consumes in a classic group', async () => {
    const topic = uniqueName('events');
    const a = admin();
    await a.createTopics({ topics: [topic], partitions: 2, replicas: 1 });
    const p = producer(true);
    await p.send({ messages: [{ topic, key: 'k1', value: 'v1' }, { topic, key: 'k2', value: 'v2' }] });
    const m = await startMember(topic, uniqueName('g'), 'classic');
    await until('both records', () => m.seen.length === 2);
    expect(m.seen.sort()).toEqual(['v1', 'v2']);
    await m.stream.close();
    await m.consumer.close();
    await p.close();
    await a.close();
  });

  it('runs a KIP-848 consumer group on the server-side assignor: two members share, the one left takes all', async () => {
    const topic = uniqueName('kip848');
    const a = admin();
    await a.createTopics({ topics: [topic], partitions: 4, replicas: 1 });
    const groupId = uniqueName('g');
    const one = await startMember(topic, groupId, 'consumer');
    await until('the first member owning all', () => one.owned().length === 4);
    const two = await startMember(topic, groupId, 'consumer');
    await until('a balanced pair', () => one.owned().length === 2 && two.owned().length === 2);
    expect([...one.owned(), ...two.owned()].sort()).toEqual([0, 1, 2, 3]);
    const described = await h.gateway().services.groups.describe(groupId);
    expect(described.members).toHaveLength(2);

    await two.stream.close();
    await two.consumer.close();
    await until('the remaining member owning all', () => one.owned().length === 4);
    const p = producer();
    await p.send({ messages: [0, 1, 2, 3].map((partition) => ({ topic, partition, value: `r${partition}` })) });
    await until('every new record', () => ['r0', 'r1', 'r2', 'r3'].every((v) => one.seen.includes(v)));
    await one.stream.close();
    await one.consumer.close();
    await p.close();
    await a.close();
  });

  it('grows, lists and deletes topics and lists groups with the admin client', async () => {
    const topic = uniqueName('padmin');
    const a = admin();
    await a.createTopics({ topics: [topic], partitions: 1, replicas: 1 });
    await a.createPartitions({ topics: [{ name: topic, count: 3 }] });
    const meta = await a.metadata({ topics: [topic] });
    expect(meta.topics.get(topic)!.partitionsCount).toBe(3);
    expect((await a.listTopics()).includes(topic)).toBe(true);
    await a.deleteTopics({ topics: [topic] });
    expect((await a.listTopics()).includes(topic)).toBe(false);
    expect(await a.listGroups()).toBeInstanceOf(Map);
    await a.close();
  });

  it('commits and aborts transactions: only the committed records are ever visible', async () => {
    const topic = uniqueName('ptxn');
    const a = admin();
    await a.createTopics({ topics: [topic], partitions: 2, replicas: 1 });
    const p = new Producer({ clientId: 'ptxn', bootstrapBrokers: [h.broker()], serializers: stringSerializers, idempotent: true, acks: -1, transactionalId: uniqueName('tid') });
    const aborted = await p.beginTransaction();
    await aborted.send({ messages: [0, 1].map((partition) => ({ topic, partition, value: `aborted-${partition}` })) });
    await aborted.abort();
    const committed = await p.beginTransaction();
    await committed.send({ messages: [0, 1].map((partition) => ({ topic, partition, value: `committed-${partition}` })) });
    await committed.commit();
    await p.close();
    await a.close();

    const log = h.gateway().services.log;
    const values = async (partition: number) => (await log.fetch(topic, partition, { offset: 0 })).records.map((r) => r.value!.toString());
    expect([await values(0), await values(1)]).toEqual([['committed-0'], ['committed-1']]);
  });
});
