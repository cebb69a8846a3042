// A produce request over several partitions is ONE object and ONE commit: each
// partition's batches a byte range of the object, every head and index entry (and the
// object's reference record) in one transaction; beyond one commit's limits, as few
// commits as they allow. Maintenance deletes such an object only once no partition
// references it, and an upload whose commit never happened as an orphan. (Passes here
// cover every topic: the sweep of shared objects runs in whole passes only.)
import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { Log, partitionsPerCommit, type PreparedRecord } from '../../../lib/log/index.ts';
import { runMaintenance } from '../../../lib/log/maintenance/index.ts';
import { useTestStorage } from '../../support/stack.ts';
import { countRequests, expectDenseOffsets, indexEntries, injectFault, readAll, rec } from '../../support/log.ts';

const storage = useTestStorage();
let n = 0;

async function topic(log: Log, partitions: number) {
  return log.createTopic({ name: `oneobj${n++}-${Date.now()}`, partitions });
}

/** `perPartition` records for each of the first `partitions` partitions, interleaved. */
function spread(partitions: number, perPartition: number): PreparedRecord[] {
  return Array.from({ length: partitions * perPartition }, (_, i) => ({ record: rec(`v${i}`), partition: i % partitions }));
}

async function sharedObjects(): Promise<string[]> {
  const res = await storage.clients.s3.send(new ListObjectsV2Command({ Bucket: storage.clients.names.bucket, Prefix: 'segments/~shared/' }));
  return (res.Contents ?? []).map((o) => o.Key!);
}

describe('produce over several partitions', () => {
  it('uploads one object and commits every partition in one transaction, each at its own byte range', async () => {
    const log = new Log(storage.clients);
    const t = await topic(log, 8);
    const s3 = countRequests(storage.clients.s3);
    const ddb = countRequests(storage.clients.ddb);

    const answer = await log.produce(t.name, spread(8, 3));
    s3.remove();
    ddb.remove();

    expect(s3.counts.get('PutObject')).toBe(1);
    expect(ddb.counts.get('TransactWriteItems')).toBe(1);
    expect(answer).toEqual(spread(8, 3).map((r, i) => ({ partition: r.partition, offset: Math.floor(i / 8) })));
    const entries = (await Promise.all(Array.from({ length: 8 }, (_, p) => indexEntries(storage.clients, t.topicId, p)))).flat();
    expect(new Set(entries.map((e) => e.objectKey)).size).toBe(1);
    expect(entries[0]!.objectKey.startsWith('segments/~shared/')).toBe(true);
    const ranges = entries.map((e) => [e.byteStart, e.byteStart + e.byteLength]).sort((a, b) => a[0]! - b[0]!);
    ranges.slice(1).forEach((r, i) => expect(r[0]).toBe(ranges[i]![1]));
    for (let p = 0; p < 8; p++) {
      expect((await readAll(log, t.name, p)).map((r) => r.value)).toEqual([`v${p}`, `v${p + 8}`, `v${p + 16}`]);
      await expectDenseOffsets(storage.clients, t.topicId, p);
    }
  });

  it('splits a request over more partitions than one commit holds into as few commits as the limits allow', async () => {
    const log = new Log(storage.clients);
    const max = partitionsPerCommit(0);
    const t = await topic(log, max + 11);
    const s3 = countRequests(storage.clients.s3);
    const ddb = countRequests(storage.clients.ddb);

    const answer = await log.produce(t.name, spread(max + 11, 1));
    s3.remove();
    ddb.remove();

    expect(max).toBe(49);
    expect(s3.counts.get('PutObject')).toBe(2);
    expect(ddb.counts.get('TransactWriteItems')).toBe(2);
    expect(answer).toEqual(spread(max + 11, 1).map((r) => ({ partition: r.partition, offset: 0 })));
  });

  it('answers every partition of a failed commit with its error and leaves an orphan the sweep deletes after the grace period', async () => {
    const t0 = Date.now();
    const log = new Log(storage.clients, { commit: { maxAttempts: 1 } });
    const t = await topic(log, 2);
    const before = await sharedObjects();
    const denied = () => Object.assign(new Error('denied'), { name: 'AccessDeniedException', $fault: 'client', $metadata: { httpStatusCode: 400 } });
    const remove = injectFault(storage.clients.ddb, 'TransactWriteItems', 'before', { times: 1, error: denied });

    const failed = await log.produce(t.name, spread(2, 1)).catch((e: unknown) => e);
    remove();
    const orphan = (await sharedObjects()).filter((k) => !before.includes(k));

    expect(failed).toMatchObject({ code: 'KAFKA_STORAGE_ERROR' });
    expect(orphan).toHaveLength(1);
    await runMaintenance(storage.clients, { now: () => t0 + 1_000, graceMs: 60_000, compactionTargetBytes: 0 });
    expect(await sharedObjects()).toContain(orphan[0]);
    await runMaintenance(storage.clients, { now: () => t0 + 120_000, graceMs: 60_000, compactionTargetBytes: 0 });
    expect(await sharedObjects()).not.toContain(orphan[0]);
  });
});

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
