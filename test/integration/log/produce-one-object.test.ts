// A produce request over several partitions is ONE object: each partition's batches a
// byte range of it, each committed by its own append (no transaction, no head read), the
// object's reference record written before the appends and completed after them
// (lib/log/sharedAppend.ts). With an Idempotency-Key, ONE transaction per as many
// partitions as its limits allow. Maintenance deletes such an object only once no
// partition references it, settles a record its writer never completed, and deletes an
// upload nothing ever referenced. (Passes here cover every topic: the sweep of shared
// objects runs in whole passes only.)
import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import { describe, expect, it } from 'vitest';
import { Log, partitionsPerCommit, type PreparedRecord } from '../../../lib/log/index.ts';
import { runMaintenance } from '../../../lib/log/maintenance/index.ts';
import { PENDING_SETTLE_MS } from '../../../lib/log/transaction/sharedObjects.ts';
import { useTestStorage } from '../../support/stack.ts';
import { accessDenied, countRequests, expectDenseOffsets, failWhen, indexEntries, injectFault, readAll, rec, sharedObjectKeys } from '../../support/log.ts';

const storage = useTestStorage();
let n = 0;

async function topic(log: Log, partitions: number) {
  return log.createTopic({ name: `oneobj${n++}-${Date.now()}`, partitions });
}

/** `perPartition` records for each of the first `partitions` partitions, interleaved. */
function spread(partitions: number, perPartition: number): PreparedRecord[] {
  return Array.from({ length: partitions * perPartition }, (_, i) => ({ record: rec(`v${i}`), partition: i % partitions }));
}

const sharedObjects = () => sharedObjectKeys(storage.clients);

/** The reference record of a shared object, as stored. */
async function refsRecord(objectKey: string) {
  const res = await storage.clients.ddb.send(
    new GetItemCommand({ TableName: storage.clients.names.tables.producers, Key: { id: { S: `txnobject#${objectKey}` } }, ConsistentRead: true }),
  );
  const refs = Object.fromEntries(Object.entries(res.Item?.refs?.M ?? {}).map(([tp, v]) => [tp.slice(tp.lastIndexOf('#') + 1), (v.L ?? [v]).map((o) => Number(o.N))]));
  return { refs, pending: Object.keys(res.Item?.pending?.M ?? {}).map((tp) => Number(tp.slice(tp.lastIndexOf('#') + 1))).sort() };
}

describe('produce over several partitions', () => {
  it('uploads one object and commits every partition by its own append at its own byte range, no transaction and no head read', async () => {
    const log = new Log(storage.clients);
    const t = await topic(log, 8);
    const s3 = countRequests(storage.clients.s3);
    const ddb = countRequests(storage.clients.ddb);

    const answer = await log.produce(t.name, spread(8, 3));
    s3.remove();
    ddb.remove();

    expect(s3.counts.get('PutObject')).toBe(1);
    expect(ddb.counts.get('TransactWriteItems')).toBeUndefined();
    // 8 appends and the record's completion; the topic confirmed once, no head read.
    expect(ddb.counts.get('UpdateItem')).toBe(9);
    expect(ddb.counts.get('BatchGetItem')).toBe(1);
    expect(ddb.counts.get('GetItem')).toBeUndefined();
    expect(answer).toEqual(spread(8, 3).map((r, i) => ({ partition: r.partition, offset: Math.floor(i / 8) })));
    const entries = (await Promise.all(Array.from({ length: 8 }, (_, p) => indexEntries(storage.clients, t.topicId, p)))).flat();
    expect(new Set(entries.map((e) => e.objectKey)).size).toBe(1);
    expect(entries[0]!.objectKey.startsWith('segments/~shared/')).toBe(true);
    const ranges = entries.map((e) => [e.byteStart, e.byteStart + e.byteLength]).sort((a, b) => a[0]! - b[0]!);
    ranges.slice(1).forEach((r, i) => expect(r[0]).toBe(ranges[i]![1]));
    expect(await refsRecord(entries[0]!.objectKey)).toEqual({ refs: Object.fromEntries(Array.from({ length: 8 }, (_, p) => [String(p), [2]])), pending: [] });
    for (let p = 0; p < 8; p++) {
      expect((await readAll(log, t.name, p)).map((r) => r.value)).toEqual([`v${p}`, `v${p + 8}`, `v${p + 16}`]);
      await expectDenseOffsets(storage.clients, t.topicId, p);
    }
  });

  it('8 producers sending requests over the same 4 partitions at once: offsets dense, every ack readable exactly once at its offset', async () => {
    const log = new Log(storage.clients);
    const t = await topic(log, 4);
    const ddb = countRequests(storage.clients.ddb);

    const acks = await Promise.all(
      Array.from({ length: 8 }, async (_, w) => {
        const producer = new Log(storage.clients); // one per producer, as separate Lambda instances
        const mine: { partition: number; offset: number; value: string }[] = [];
        for (let i = 0; i < 10; i++) {
          const request = Array.from({ length: 8 }, (_, k) => ({ record: rec(`w${w}-${i}-${k}`), partition: k % 4 }));
          const answer = await producer.produce(t.name, request);
          answer.forEach((a, k) => mine.push({ ...(a as { partition: number; offset: number }), value: `w${w}-${i}-${k}` }));
        }
        return mine;
      }),
    );
    ddb.remove();

    // Flushes are transactions; appends never are, so none was retried on a conflict.
    expect(ddb.counts.get('TransactWriteItems') ?? 0).toBeLessThanOrEqual(4 * Math.ceil((8 * 10) / 8));
    for (let p = 0; p < 4; p++) {
      const all = await readAll(log, t.name, p);
      expect(all.map((r) => r.offset)).toEqual(all.map((_, i) => i));
      expect(new Set(all.map((r) => r.value)).size).toBe(8 * 10 * 2);
      const byOffset = new Map(all.map((r) => [r.offset, r.value]));
      for (const ack of acks.flat().filter((a) => a.partition === p)) expect(byOffset.get(ack.offset)).toBe(ack.value);
      await expectDenseOffsets(storage.clients, t.topicId, p);
    }
  }, 120_000);

  it('with an Idempotency-Key, splits a request over more partitions than one commit holds into as few commits as the limits allow', async () => {
    const log = new Log(storage.clients);
    const max = partitionsPerCommit(1);
    const t = await topic(log, max + 11);
    const s3 = countRequests(storage.clients.s3);
    const ddb = countRequests(storage.clients.ddb);

    const answer = await log.produce(t.name, spread(max + 11, 1), { idempotencyKey: `split-${Date.now()}` });
    s3.remove();
    ddb.remove();

    expect(s3.counts.get('PutObject')).toBe(2);
    expect(ddb.counts.get('TransactWriteItems')).toBe(2);
    expect(answer).toEqual(spread(max + 11, 1).map((r) => ({ partition: r.partition, offset: 0 })));
  });

  it('answers every partition whose append failed with its error; the sweep settles the record and deletes the unreferenced object', async () => {
    const t0 = Date.now();
    const log = new Log(storage.clients, { commit: { maxAttempts: 1 } });
    const t = await topic(log, 2);
    const before = await sharedObjects();
    const remove = injectFault(storage.clients.ddb, 'UpdateItem', 'before', { times: 2, error: accessDenied });

    const failed = await log.produce(t.name, spread(2, 1)).catch((e: unknown) => e);
    remove();
    const [object] = (await sharedObjects()).filter((k) => !before.includes(k));

    expect(failed).toMatchObject({ code: 'KAFKA_STORAGE_ERROR' });
    expect(await refsRecord(object!)).toEqual({ refs: {}, pending: [0, 1] });
    const pass = (at: number) => runMaintenance(storage.clients, { now: () => at, graceMs: 60_000, compactionTargetBytes: 0 });
    await pass(t0 + PENDING_SETTLE_MS - 1_000);
    expect(await sharedObjects()).toContain(object);
    await pass(t0 + PENDING_SETTLE_MS + 1_000);
    expect(await refsRecord(object!)).toEqual({ refs: {}, pending: [] });
    expect(await sharedObjects()).toContain(object);
    await pass(t0 + PENDING_SETTLE_MS + 120_000);
    expect(await sharedObjects()).not.toContain(object);
  });

  it('a record its writer never completed (a crash after the appends) is settled by the sweep from the heads, and the object kept', async () => {
    const t0 = Date.now();
    const log = new Log(storage.clients, { now: () => t0 });
    const t = await topic(log, 3);
    const object = await produceUncompleted(log, t, spread(3, 2));

    expect(await refsRecord(object)).toEqual({ refs: {}, pending: [0, 1, 2] });
    await runMaintenance(storage.clients, { now: () => t0 + PENDING_SETTLE_MS + 1_000, graceMs: 60_000, compactionTargetBytes: 0 });
    await runMaintenance(storage.clients, { now: () => t0 + PENDING_SETTLE_MS + 120_000, graceMs: 60_000, compactionTargetBytes: 0 });

    expect(await refsRecord(object)).toEqual({ refs: { 0: [1], 1: [1], 2: [1] }, pending: [] });
    expect(await sharedObjects()).toContain(object);
    for (let p = 0; p < 3; p++) expect((await readAll(log, t.name, p)).map((r) => r.value)).toEqual([`v${p}`, `v${p + 3}`]);
  });

  it('when a head cannot tell (the writer appended again since), the sweep finds the entries in the index', async () => {
    const t0 = Date.now();
    const log = new Log(storage.clients, { now: () => t0 });
    const t = await topic(log, 2);
    const object = await produceUncompleted(log, t, spread(2, 1));
    // The same process appends again: its writer's sequence on the head moves past the claim.
    await log.append(t.name, 0, { records: [rec('later')] });
    await log.append(t.name, 1, { records: [rec('later')] });

    await runMaintenance(storage.clients, { now: () => t0 + PENDING_SETTLE_MS + 1_000, graceMs: 60_000, compactionTargetBytes: 0 });

    expect(await refsRecord(object)).toEqual({ refs: { 0: [0], 1: [0] }, pending: [] });
    expect(await sharedObjects()).toContain(object);
  });
});

/**
 * Produces `request` while the completion of its shared object's record fails (every
 * UpdateItem of the producers table), the appends going through: its object's key.
 */
async function produceUncompleted(log: Log, t: { name: string; topicId: string }, request: PreparedRecord[]): Promise<string> {
  const heal = failWhen(storage.clients.ddb, (command, input) => command === 'UpdateItemCommand' && input.TableName === storage.clients.names.tables.producers);
  await log.produce(t.name, request).finally(heal);
  return (await indexEntries(storage.clients, t.topicId, 0))[0]!.objectKey;
}

describe("a produce request's shared object under compaction", () => {
  it('stays while one partition still references it and goes once compaction moved the last partition off it', async () => {
    const t0 = Date.now();
    const log = new Log(storage.clients, { now: () => t0 });
    const t = await topic(log, 2);
    await log.produce(t.name, spread(2, 1));
    const object = (await indexEntries(storage.clients, t.topicId, 0))[0]!.objectKey;
    const pass = (at: number) => runMaintenance(storage.clients, { now: () => at, graceMs: 1_000, compactionTargetBytes: 1 << 20 });
    const moreSmallSegments = async (p: number) => {
      for (let i = 0; i < 3; i++) await log.append(t.name, p, { records: [rec(`more${i}`)] });
    };

    await moreSmallSegments(0);
    await pass(t0 + 10_000);
    await pass(t0 + 20_000);

    expect((await indexEntries(storage.clients, t.topicId, 0)).map((e) => e.objectKey)).not.toContain(object);
    expect(await sharedObjects()).toContain(object);
    expect((await readAll(log, t.name, 1)).map((r) => r.value)).toEqual(['v1']);

    await moreSmallSegments(1);
    await pass(t0 + 30_000);
    await pass(t0 + 40_000);
    await pass(t0 + 50_000);
    expect(await sharedObjects()).not.toContain(object);
    expect((await readAll(log, t.name, 0)).map((r) => r.value)).toEqual(['v0', 'more0', 'more1', 'more2']);
    expect((await readAll(log, t.name, 1)).map((r) => r.value)).toEqual(['v1', 'more0', 'more1', 'more2']);
  });
});
