// The transaction coordinator's requests as a client sends them, over two gateway nodes
// on one storage: every node is every transaction's coordinator, so a transaction begun
// on one node ends on the other; fenced epochs, unknown partitions, stray transactional
// batches and stale group generations get Kafka's codes and write nothing.
import { describe, expect, it } from 'vitest';
import { encodeBatch } from '../../../lib/records/index.ts';
import { uniqueName, useGatewayNodes } from './harness.ts';
import { RawConnection } from './raw.ts';

const gateways = useGatewayNodes(2);

const log = () => gateways.nodes()[0]!.services.log;
const open = (node: number) => RawConnection.open(gateways.nodes()[node]!.port);

async function topicWith(partitions: number): Promise<string> {
  const name = uniqueName('coord');
  await log().createTopic({ name, partitions });
  return name;
}

async function init(conn: RawConnection, transactionalId: string): Promise<{ producerId: number; producerEpoch: number }> {
  const res = await conn.request(22, 4, { transactionalId, transactionTimeoutMs: 60_000, producerId: -1, producerEpoch: -1 });
  expect(res.errorCode).toBe(0);
  return { producerId: res.producerId, producerEpoch: res.producerEpoch };
}

const txnBatch = (p: { producerId: number; producerEpoch: number }, values: string[], baseSequence = 0) =>
  encodeBatch({
    records: values.map((v) => ({ key: null, value: Buffer.from(v) })),
    producerId: BigInt(p.producerId),
    producerEpoch: p.producerEpoch,
    baseSequence,
    isTransactional: true,
  });

const produce = (conn: RawConnection, transactionalId: string | null, topic: string, partitions: { index: number; records: Buffer }[]) =>
  conn.request(0, 9, { transactionalId, acks: -1, timeoutMs: 5000, topicData: [{ name: topic, partitionData: partitions }] });

const values = async (topic: string, partition: number) => (await log().fetch(topic, partition, { offset: 0 })).records.map((r) => r.value!.toString());

describe('the transaction coordinator on every gateway node', () => {
  it('finds the node asked as the coordinator of a transactional id', async () => {
    const conn = await open(1);
    const res = await conn.request(10, 3, { key: 'any-transactional-id', keyType: 1 });
    conn.close();
    expect(res).toMatchObject({ errorCode: 0, nodeId: 2, port: gateways.nodes()[1]!.port });
  });

  it('commits through one node a transaction whose records and offsets were staged through the other', async () => {
    const topic = await topicWith(2);
    const id = uniqueName('tid');
    const group = uniqueName('g');
    const first = await open(0);
    const p = await init(first, id);
    const added = await first.request(24, 1, { v3AndBelowTransactionalId: id, v3AndBelowProducerId: p.producerId, v3AndBelowProducerEpoch: p.producerEpoch, v3AndBelowTopics: [{ name: topic, partitions: [0, 1] }] });
    expect(added.resultsByTopicV3AndBelow[0].resultsByPartition.map((r: { partitionErrorCode: number }) => r.partitionErrorCode)).toEqual([0, 0]);
    const sent = await produce(first, id, topic, [{ index: 0, records: txnBatch(p, ['a']) }, { index: 1, records: txnBatch(p, ['b', 'c']) }]);
    expect(sent.responses[0].partitionResponses.map((r: { errorCode: number }) => r.errorCode)).toEqual([0, 0]);
    expect((await first.request(25, 1, { transactionalId: id, producerId: p.producerId, producerEpoch: p.producerEpoch, groupId: group })).errorCode).toBe(0);
    const offsets = await first.request(28, 1, {
      transactionalId: id, groupId: group, producerId: p.producerId, producerEpoch: p.producerEpoch,
      topics: [{ name: topic, partitions: [{ partitionIndex: 0, committedOffset: 0, committedMetadata: 'copied' }] }],
    });
    expect(offsets.topics[0].partitions[0].errorCode).toBe(0);
    first.close();
    expect([await values(topic, 0), await values(topic, 1)]).toEqual([[], []]);

    const second = await open(1);
    const ended = await second.request(26, 1, { transactionalId: id, producerId: p.producerId, producerEpoch: p.producerEpoch, committed: true });
    second.close();

    expect(ended.errorCode).toBe(0);
    expect([await values(topic, 0), await values(topic, 1)]).toEqual([['a'], ['b', 'c']]);
    const committed = await gateways.nodes()[1]!.services.groups.fetchOffsets(group);
    expect(committed.offsets.find((o) => o.topic === topic && o.partition === 0)?.offset).toBe(0);
  });

  it('refuses a transactional batch sent without its transactional id, writing nothing', async () => {
    const topic = await topicWith(1);
    const conn = await open(0);
    const p = await init(conn, uniqueName('tid'));
    const res = await produce(conn, null, topic, [{ index: 0, records: txnBatch(p, ['stray']) }]);
    conn.close();
    expect(res.responses[0].partitionResponses[0].errorCode).toBe(48); // INVALID_TXN_STATE
    expect(await log().listOffsets(topic, 0, 'latest')).toBe(0);
  });

  it('answers a fenced epoch with PRODUCER_FENCED where the version knows it, INVALID_PRODUCER_EPOCH before, and on Produce', async () => {
    const topic = await topicWith(1);
    const id = uniqueName('tid');
    const conn = await open(0);
    const old = await init(conn, id);
    const current = await init(conn, id);
    expect(current.producerEpoch).toBe(old.producerEpoch + 1);
    const add = (version: number) =>
      conn.request(24, version, version >= 4
        ? { transactions: [{ transactionalId: id, producerId: old.producerId, producerEpoch: old.producerEpoch, verifyOnly: false, topics: [{ name: topic, partitions: [0] }] }] }
        : { v3AndBelowTransactionalId: id, v3AndBelowProducerId: old.producerId, v3AndBelowProducerEpoch: old.producerEpoch, v3AndBelowTopics: [{ name: topic, partitions: [0] }] });
    const v1 = await add(1);
    const v4 = await add(4);
    const end = await conn.request(26, 3, { transactionalId: id, producerId: old.producerId, producerEpoch: old.producerEpoch, committed: true });
    const sent = await produce(conn, id, topic, [{ index: 0, records: txnBatch(old, ['zombie']) }]);
    conn.close();

    expect(v1.resultsByTopicV3AndBelow[0].resultsByPartition[0].partitionErrorCode).toBe(47);
    expect(v4.resultsByTransaction[0].topicResults[0].resultsByPartition[0].partitionErrorCode).toBe(90);
    expect(end.errorCode).toBe(90);
    expect(sent.responses[0].partitionResponses[0].errorCode).toBe(47);
    expect(await log().listOffsets(topic, 0, 'latest')).toBe(0);
  });

  it('re-initialises a producer naming its current id and epoch (KIP-360), fences one naming an older epoch, takes any for a new id', async () => {
    const id = uniqueName('tid');
    const conn = await open(0);
    const fresh = await conn.request(22, 5, { transactionalId: id, transactionTimeoutMs: 60_000, producerId: 0, producerEpoch: 0 });
    const bumped = await conn.request(22, 5, { transactionalId: id, transactionTimeoutMs: 60_000, producerId: fresh.producerId, producerEpoch: fresh.producerEpoch });
    const stale = await conn.request(22, 5, { transactionalId: id, transactionTimeoutMs: 60_000, producerId: fresh.producerId, producerEpoch: fresh.producerEpoch });
    const tooLong = await conn.request(22, 5, { transactionalId: id, transactionTimeoutMs: 3_600_000, producerId: -1, producerEpoch: -1 });
    conn.close();

    expect(fresh.errorCode).toBe(0);
    expect(bumped).toMatchObject({ errorCode: 0, producerId: fresh.producerId, producerEpoch: fresh.producerEpoch + 1 });
    expect(stale.errorCode).toBe(90); // PRODUCER_FENCED
    expect(tooLong.errorCode).toBe(50); // INVALID_TRANSACTION_TIMEOUT
  });

  it('answers a transactional id that is no valid name with INVALID_REQUEST, on the coordinator and on Produce', async () => {
    const topic = await topicWith(1);
    const bad = 'x'.repeat(300);
    const conn = await open(0);
    const p = await init(conn, uniqueName('tid'));
    const init2 = await conn.request(22, 4, { transactionalId: bad, transactionTimeoutMs: 60_000, producerId: -1, producerEpoch: -1 });
    const end = await conn.request(26, 3, { transactionalId: bad, producerId: p.producerId, producerEpoch: p.producerEpoch, committed: true });
    const sent = await produce(conn, bad, topic, [{ index: 0, records: txnBatch(p, ['x']) }]);
    conn.close();

    expect([init2.errorCode, end.errorCode, sent.responses[0].partitionResponses[0].errorCode]).toEqual([42, 42, 42]);
    expect(await log().listOffsets(topic, 0, 'latest')).toBe(0);
  });

  it('refuses adding an unknown partition, and does not add the others of the request', async () => {
    const topic = await topicWith(1);
    const id = uniqueName('tid');
    const conn = await open(0);
    const p = await init(conn, id);
    const res = await conn.request(24, 3, { v3AndBelowTransactionalId: id, v3AndBelowProducerId: p.producerId, v3AndBelowProducerEpoch: p.producerEpoch, v3AndBelowTopics: [{ name: topic, partitions: [0, 5] }] });
    conn.close();
    expect(res.resultsByTopicV3AndBelow[0].resultsByPartition.map((r: { partitionErrorCode: number }) => r.partitionErrorCode)).toEqual([55, 3]);
  });

  it('fences TxnOffsetCommit v3 on the member generation, and again at the commit once the member is gone', async () => {
    const topic = await topicWith(2);
    const group = uniqueName('g');
    const { groups } = gateways.nodes()[0]!.services;
    const m = await groups.join(group, { topics: [topic], sessionTimeoutMs: 30_000 });
    const id = uniqueName('tid');
    const conn = await open(0);
    const p = await init(conn, id);
    const commit = (generationId: number) =>
      conn.request(28, 3, {
        transactionalId: id, groupId: group, producerId: p.producerId, producerEpoch: p.producerEpoch, generationId, memberId: m.memberId, groupInstanceId: null,
        topics: [{ name: topic, partitions: [{ partitionIndex: 0, committedOffset: 0, committedLeaderEpoch: -1, committedMetadata: null }] }],
      });
    const stale = await commit(m.generation - 1);
    const current = await commit(m.generation);
    await groups.leave(group, m.memberId);
    const ended = await conn.request(26, 3, { transactionalId: id, producerId: p.producerId, producerEpoch: p.producerEpoch, committed: true });
    conn.close();

    expect(stale.topics[0].partitions[0].errorCode).toBe(22); // ILLEGAL_GENERATION
    expect(current.topics[0].partitions[0].errorCode).toBe(0);
    expect(ended.errorCode).toBe(25); // UNKNOWN_MEMBER_ID: nothing of the transaction is written
    expect((await groups.fetchOffsets(group)).offsets.filter((o) => o.offset !== null)).toEqual([]);
  });
});
