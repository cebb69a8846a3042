// Idempotent producers' batches in a many-partition commit (Log.appendBatchesMany, the
// Kafka gateway's flush): one object and one transaction for every partition, each batch
// judged against its partition's head in that commit. A resend is answered with its
// first offsets and never written twice, a gap or a fenced epoch fails that batch alone,
// and the shared object's references name only the entries committed.
import { GetItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { Log, sweepSharedObjects, type AppendResult, type BatchesFor } from '../../../../lib/log/index.ts';
import { encodeBatch } from '../../../../lib/records/index.ts';
import { useTestStorage } from '../../../support/stack.ts';
import { bumpEpoch, countRequests, expectDenseOffsets, indexEntries, injectFault, readAll, rec } from '../../../support/log.ts';

const storage = useTestStorage();
let n = 0;

async function setup(partitions = 4) {
  const log = new Log(storage.clients);
  const t = await log.createTopic({ name: `idemmany${n++}-${Date.now()}`, partitions });
  const producer = async () => BigInt((await log.initProducer()).producerId);
  return { log, name: t.name, topicId: t.topicId, producer };
}

const batch = (producerId: bigint, baseSequence: number, values: string[], producerEpoch = 0) =>
  encodeBatch({ records: values.map((v) => rec(v)), producerId, producerEpoch, baseSequence });

const item = (topic: string, partition: number, batches: Buffer): BatchesFor => ({ topic, partition, batches });

function fulfilled(s: PromiseSettledResult<AppendResult>): AppendResult {
  if (s.status === 'rejected') throw s.reason;
  return s.value;
}

const rejected = (s: PromiseSettledResult<AppendResult>): unknown => (s.status === 'rejected' ? s.reason : undefined);

async function values(log: Log, name: string, partition: number) {
  return (await readAll(log, name, partition)).map((r) => r.value);
}

async function sharedObjects(): Promise<string[]> {
  const res = await storage.clients.s3.send(new ListObjectsV2Command({ Bucket: storage.clients.names.bucket, Prefix: 'segments/~shared/' }));
  return (res.Contents ?? []).map((o) => o.Key!);
}

describe('idempotent batches in a many-partition commit', () => {
  it('commits the batches of several producers for several partitions as one object in one transaction', async () => {
    const { log, name, topicId, producer } = await setup(4);
    const [a, b] = [await producer(), await producer()];
    const ddb = countRequests(storage.clients.ddb);
    const s3 = countRequests(storage.clients.s3);

    const settled = await log.appendBatchesMany([
      item(name, 0, batch(a, 0, ['a0', 'a1'])),
      item(name, 1, batch(a, 0, ['a2'])),
      item(name, 2, batch(b, 0, ['b0'])),
      item(name, 3, encodeBatch({ records: [rec('plain')] })),
    ]);
    ddb.remove();
    s3.remove();

    expect(settled.map(fulfilled)).toEqual([
      { partition: 0, baseOffset: 0, lastOffset: 1 },
      { partition: 1, baseOffset: 0, lastOffset: 0 },
      { partition: 2, baseOffset: 0, lastOffset: 0 },
      { partition: 3, baseOffset: 0, lastOffset: 0 },
    ]);
    expect(s3.counts.get('PutObject')).toBe(1);
    expect(ddb.counts.get('TransactWriteItems')).toBe(1);
    const entries = (await Promise.all([0, 1, 2, 3].map((p) => indexEntries(storage.clients, topicId, p)))).flat();
    expect(new Set(entries.map((e) => e.objectKey)).size).toBe(1);
    expect(await values(log, name, 0)).toEqual(['a0', 'a1']);
    expect(await values(log, name, 2)).toEqual(['b0']);
  });

  it('answers a resent batch with its first offsets and writes nothing again, while the rest of the commit goes ahead', async () => {
    const { log, name, topicId, producer } = await setup(2);
    const p = await producer();
    const first = await log.appendBatchesMany([item(name, 0, batch(p, 0, ['x', 'y'])), item(name, 1, batch(p, 0, ['z']))]);

    const again = await log.appendBatchesMany([item(name, 0, batch(p, 0, ['x', 'y'])), item(name, 1, batch(p, 1, ['w']))]);

    expect(fulfilled(again[0]!)).toEqual(fulfilled(first[0]!));
    expect(fulfilled(again[1]!)).toEqual({ partition: 1, baseOffset: 1, lastOffset: 1 });
    expect(await values(log, name, 0)).toEqual(['x', 'y']);
    expect(await values(log, name, 1)).toEqual(['z', 'w']);
    await expectDenseOffsets(storage.clients, topicId, 0);
  });

  it("judges several batches of one producer to one partition in order, a resend among them answered as the earlier one's duplicate", async () => {
    const { log, name, topicId, producer } = await setup(2);
    const p = await producer();

    const settled = await log.appendBatchesMany([
      item(name, 0, batch(p, 0, ['a', 'b'])),
      item(name, 0, encodeBatch({ records: [rec('plain')] })),
      item(name, 0, batch(p, 2, ['c'])),
      item(name, 0, batch(p, 2, ['c'])),
      item(name, 0, batch(p, 3, ['d'])),
      item(name, 1, batch(p, 0, ['other'])),
    ]);

    expect(settled.map(fulfilled)).toEqual([
      { partition: 0, baseOffset: 0, lastOffset: 1 },
      { partition: 0, baseOffset: 2, lastOffset: 2 },
      { partition: 0, baseOffset: 3, lastOffset: 3 },
      { partition: 0, baseOffset: 3, lastOffset: 3 },
      { partition: 0, baseOffset: 4, lastOffset: 4 },
      { partition: 1, baseOffset: 0, lastOffset: 0 },
    ]);
    expect(await values(log, name, 0)).toEqual(['a', 'b', 'plain', 'c', 'd']);
    await expectDenseOffsets(storage.clients, topicId, 0);
  });

  it('refuses a sequence gap with OUT_OF_ORDER_SEQUENCE_NUMBER for that batch only', async () => {
    const { log, name, producer } = await setup(2);
    const [p, q] = [await producer(), await producer()];

    const settled = await log.appendBatchesMany([
      item(name, 0, batch(p, 0, ['p0'])),
      item(name, 0, batch(p, 5, ['gap'])),
      item(name, 0, batch(q, 0, ['q0'])),
      item(name, 1, batch(q, 3, ['new-at-3'])),
      item(name, 1, encodeBatch({ records: [rec('plain')] })),
    ]);

    expect(rejected(settled[1]!)).toMatchObject({ code: 'OUT_OF_ORDER_SEQUENCE_NUMBER', details: { expectedSequence: 1 } });
    expect(rejected(settled[3]!)).toMatchObject({ code: 'OUT_OF_ORDER_SEQUENCE_NUMBER', details: { expectedSequence: 0 } });
    expect([0, 2, 4].map((i) => fulfilled(settled[i]!))).toEqual([
      { partition: 0, baseOffset: 0, lastOffset: 0 },
      { partition: 0, baseOffset: 1, lastOffset: 1 },
      { partition: 1, baseOffset: 0, lastOffset: 0 },
    ]);
    expect(await values(log, name, 0)).toEqual(['p0', 'q0']);
    expect(await values(log, name, 1)).toEqual(['plain']);
  });

  it('fences an older epoch and refuses an epoch or a producer id never handed out, each alone', async () => {
    const { log, name, producer } = await setup(2);
    const [p, q] = [await producer(), await producer()];
    await log.appendBatchesMany([item(name, 0, batch(p, 0, ['old'], 0)), item(name, 1, batch(q, 0, ['q0']))]);
    await bumpEpoch(storage.clients, p, 1);

    const settled = await log.appendBatchesMany([
      item(name, 0, batch(p, 0, ['new'], 1)),
      item(name, 0, batch(p, 1, ['zombie'], 0)),
      item(name, 1, batch(q, 1, ['never-given'], 3)),
      item(name, 1, batch(12345n, 0, ['spoofed'])),
      item(name, 1, batch(q, 1, ['q1'])),
    ]);

    expect(fulfilled(settled[0]!)).toEqual({ partition: 0, baseOffset: 1, lastOffset: 1 });
    expect(rejected(settled[1]!)).toMatchObject({ code: 'PRODUCER_FENCED' });
    expect(rejected(settled[2]!)).toMatchObject({ code: 'UNKNOWN_PRODUCER_ID' });
    expect(rejected(settled[3]!)).toMatchObject({ code: 'UNKNOWN_PRODUCER_ID' });
    expect(fulfilled(settled[4]!)).toEqual({ partition: 1, baseOffset: 1, lastOffset: 1 });
    expect(await values(log, name, 0)).toEqual(['old', 'new']);
    expect(await values(log, name, 1)).toEqual(['q0', 'q1']);
  });

  it('writes nothing when every batch is a duplicate, and leaves an orphan the sweep deletes', async () => {
    const { log, name, producer } = await setup(2);
    const p = await producer();
    const body = [item(name, 0, batch(p, 0, ['a'])), item(name, 1, batch(p, 0, ['b']))];
    await log.appendBatchesMany(body);
    const before = new Set(await sharedObjects());
    const ddb = countRequests(storage.clients.ddb);

    const again = await log.appendBatchesMany(body);
    ddb.remove();

    expect(again.map(fulfilled)).toEqual([
      { partition: 0, baseOffset: 0, lastOffset: 0 },
      { partition: 1, baseOffset: 0, lastOffset: 0 },
    ]);
    expect(ddb.counts.get('TransactWriteItems') ?? 0).toBe(0);
    const orphan = (await sharedObjects()).find((k) => !before.has(k))!;
    expect(await refsOf(orphan)).toBeUndefined();
    await sweepSharedObjects(storage.clients, { now: () => Date.now() + 3_600_000, graceMs: 60_000 });
    expect(await sharedObjects()).not.toContain(orphan);
    expect(await values(log, name, 0)).toEqual(['a']);
  });

  it("references every entry a partition has in the shared object, and none of the batches left out", async () => {
    const { log, name, topicId, producer } = await setup(2);
    const p = await producer();
    await log.appendBatchesMany([item(name, 0, batch(p, 0, ['a'])), item(name, 1, batch(p, 0, ['b']))]);
    const before = new Set(await sharedObjects());

    await log.appendBatchesMany([
      item(name, 0, batch(p, 0, ['a'])),
      item(name, 0, batch(p, 1, ['c', 'd'])),
      item(name, 0, encodeBatch({ records: [rec('e')] })),
      item(name, 1, batch(p, 9, ['gap'])),
      item(name, 1, encodeBatch({ records: [rec('f')] })),
    ]);

    const object = (await sharedObjects()).find((k) => !before.has(k))!;
    const refs = await refsOf(object);
    expect(refs?.[`${topicId}#0`]).toEqual({ L: [{ N: '2' }, { N: '3' }] });
    expect(refs?.[`${topicId}#1`]).toEqual({ N: '1' });
    expect(await values(log, name, 0)).toEqual(['a', 'c', 'd', 'e']);
  });

  it('keeps a shared object while any entry its record lists still references it', async () => {
    const { log, name, topicId, producer } = await setup(2);
    const p = await producer();
    const before = new Set(await sharedObjects());
    await log.appendBatchesMany([item(name, 0, batch(p, 0, ['a'])), item(name, 1, batch(p, 0, ['b']))]);
    const object = (await sharedObjects()).find((k) => !before.has(k))!;
    // Two sweeps a grace period apart delete an object unreferenced at both.
    const sweepTwice = async () => {
      for (const later of [3_600_000, 7_200_000]) await sweepSharedObjects(storage.clients, { now: () => Date.now() + later, graceMs: 60_000 });
    };

    // Partition 0's entry listed after one that no longer exists: still referenced.
    await setRefs(object, { [`${topicId}#0`]: { L: [{ N: '99' }, { N: '0' }] } });
    await sweepTwice();
    expect(await sharedObjects()).toContain(object);

    await setRefs(object, { [`${topicId}#0`]: { L: [{ N: '98' }, { N: '99' }] } });
    await sweepTwice();
    expect(await sharedObjects()).not.toContain(object);
  });

  it('commits once when the answer of the transaction is lost, and a resend after the caller gave up writes nothing again', async () => {
    const { log, name, topicId, producer } = await setup(3);
    const p = await producer();
    const items = [0, 1, 2].map((part) => item(name, part, batch(p, 0, [`v${part}`])));
    const remove = injectFault(storage.clients.ddb, 'TransactWriteItems', 'after', { times: 1 });
    const doomed = new Log(storage.clients, { commit: { maxAttempts: 1 } });

    const lost = await doomed.appendBatchesMany(items);
    remove();
    const resent = await log.appendBatchesMany(items);

    expect(lost.every((s) => s.status === 'rejected')).toBe(true);
    expect(resent.map(fulfilled)).toEqual([0, 1, 2].map((part) => ({ partition: part, baseOffset: 0, lastOffset: 0 })));
    for (const part of [0, 1, 2]) {
      expect(await values(log, name, part)).toEqual([`v${part}`]);
      await expectDenseOffsets(storage.clients, topicId, part);
    }
  });

  it('answers once with the offsets of an attempt whose answer was lost, however many times the commit resends', async () => {
    const { log, name, topicId, producer } = await setup(2);
    const p = await producer();
    await log.append(name, 0, { records: [rec('before')] });
    const remove = injectFault(storage.clients.ddb, 'TransactWriteItems', 'after', { times: 2 });

    const settled = await log.appendBatchesMany([item(name, 0, batch(p, 0, ['x'])), item(name, 1, batch(p, 0, ['y']))]);
    remove();

    expect(settled.map(fulfilled)).toEqual([
      { partition: 0, baseOffset: 1, lastOffset: 1 },
      { partition: 1, baseOffset: 0, lastOffset: 0 },
    ]);
    expect(await values(log, name, 0)).toEqual(['before', 'x']);
    expect(await values(log, name, 1)).toEqual(['y']);
    await expectDenseOffsets(storage.clients, topicId, 0);
  });

  it('commits each batch once when concurrent flushes resend the same batches', async () => {
    const { name, topicId, producer } = await setup(3);
    const p = await producer();
    const items = [0, 1, 2].map((part) => item(name, part, batch(p, 0, [`once${part}`])));

    const all = await Promise.all([1, 2, 3, 4].map(() => new Log(storage.clients).appendBatchesMany(items)));

    for (const settled of all) expect(settled.map(fulfilled)).toEqual([0, 1, 2].map((part) => ({ partition: part, baseOffset: 0, lastOffset: 0 })));
    const log = new Log(storage.clients);
    for (const part of [0, 1, 2]) {
      expect(await values(log, name, part)).toEqual([`once${part}`]);
      await expectDenseOffsets(storage.clients, topicId, part);
    }
  });
});


async function refsOf(objectKey: string) {
  const res = await storage.clients.ddb.send(
    new GetItemCommand({ TableName: storage.clients.names.tables.producers, Key: { id: { S: `txnobject#${objectKey}` } }, ConsistentRead: true }),
  );
  return res.Item?.refs?.M;
}

async function setRefs(objectKey: string, refs: Record<string, unknown>) {
  await storage.clients.ddb.send(
    new UpdateItemCommand({
      TableName: storage.clients.names.tables.producers,
      Key: { id: { S: `txnobject#${objectKey}` } },
      UpdateExpression: 'SET refs = :r',
      ExpressionAttributeValues: { ':r': { M: refs } as never },
    }),
  );
}
