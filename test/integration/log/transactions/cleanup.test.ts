// Maintenance and objects shared by several partitions (one transaction's data): an
// object is deleted only when no partition references it, and only after the grace
// period, whatever retention does to each partition on its own.
import { ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3';
import { QueryCommand } from '@aws-sdk/client-dynamodb';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Log } from '../../../../lib/log/index.ts';
import { runMaintenance } from '../../../../lib/log/maintenance/index.ts';
import { useTestStorage } from '../../../support/stack.ts';
import { readAll, rec, sharedObjectKeys } from '../../../support/log.ts';

const storage = useTestStorage();

const sharedObjects = () => sharedObjectKeys(storage.clients);

const DAY_MS = 86_400_000;

/**
 * Topics `a` and `b` whose partitions 0 share one object (one transaction at t0), each
 * with a newer record of its own 120 s later.
 */
async function sharingTopics(prefix: string, retentionMs: { a: number; b: number }) {
  const t0 = Date.now();
  let now = t0;
  const log = new Log(storage.clients, { now: () => now });
  const a = await log.createTopic({ name: `${prefix}-a-${t0}`, config: { 'retention.ms': retentionMs.a } });
  const b = await log.createTopic({ name: `${prefix}-b-${t0}`, config: { 'retention.ms': retentionMs.b } });
  const before = await sharedObjects();
  await log.transaction([
    { topic: a.name, partition: 0, record: rec('a') },
    { topic: b.name, partition: 0, record: rec('b') },
  ]);
  const objectKey = (await sharedObjects()).find((k) => !before.includes(k))!;
  now = t0 + 120_000;
  await log.append(a.name, 0, { records: [rec('newer')] });
  await log.append(b.name, 0, { records: [rec('newer')] });
  return { t0, log, a, b, objectKey };
}

/** The notes of released shared objects waiting for a sweep (sharedObjects.ts). */
async function notes(): Promise<string[]> {
  const res = await storage.clients.ddb.send(
    new QueryCommand({ TableName: storage.clients.names.tables.segments, KeyConditionExpression: 'tp = :tp', ExpressionAttributeValues: { ':tp': { S: 'gc#~shared' } } }),
  );
  return (res.Items ?? []).map((i) => i.objectKey!.S!);
}

/** How many listings of the shared objects' prefix the storage clients make while `fn` runs. */
async function sharedListings<T>(fn: () => Promise<T>): Promise<{ value: T; listings: number }> {
  const send = vi.spyOn(storage.clients.s3, 'send');
  try {
    const value = await fn();
    const listings = send.mock.calls.filter(([c]) => c instanceof ListObjectsV2Command && c.input.Prefix === 'segments/~shared/').length;
    return { value, listings };
  } finally {
    send.mockRestore();
  }
}

/** A maintenance pass at `at`; `orphanScan` false is the cheap scheduled kind (no listing). */
const pass = (at: number, orphanScan = false) =>
  runMaintenance(storage.clients, { now: () => at, graceMs: 1_000, compactionTargetBytes: 0, orphanScan });

describe('a shared object under retention', () => {
  it('outlives the retention of one partition while another still references it, and goes after the last', async () => {
    const { t0, log, b: long, objectKey } = await sharingTopics('short-long', { a: 60_000, b: DAY_MS });

    const first = await pass(t0 + 150_000);
    await pass(t0 + 160_000);

    expect(first.totals.segmentsExpired).toBe(1);
    expect(await sharedObjects()).toContain(objectKey);
    expect((await readAll(log, long.name, 0)).map((r) => r.value)).toEqual(['b', 'newer']);

    // The long topic's retention removes the last reference: deleted after the grace period.
    await log.alterTopic(long.name, { config: { 'retention.ms': 60_000 } });
    await pass(t0 + 500_000);
    expect(await sharedObjects()).toContain(objectKey);
    await pass(t0 + 600_000);
    expect(await sharedObjects()).not.toContain(objectKey);
  });
});

describe('the sweep of shared objects between orphan scans', () => {
  afterEach(() => vi.restoreAllMocks());

  it('deletes a released shared object from its note, without listing the shared objects', async () => {
    const { t0, objectKey } = await sharingTopics('noted', { a: 60_000, b: 60_000 });

    const first = await sharedListings(() => pass(t0 + 150_000));
    const noted = await notes();
    const second = await sharedListings(() => pass(t0 + 160_000));

    expect(first.listings + second.listings).toBe(0);
    expect(noted).toContain(objectKey);
    expect(first.value.totals.objectsPending).toBeGreaterThanOrEqual(1);
    expect(second.value.totals.objectsDeleted).toBeGreaterThanOrEqual(1);
    expect(await sharedObjects()).not.toContain(objectKey);
    expect(await notes()).not.toContain(objectKey);
  });

  it('drops the note of an object another partition still references, and notes it again when that one lets go', async () => {
    const { t0, log, b: long, objectKey } = await sharingTopics('renoted', { a: 60_000, b: DAY_MS });

    await pass(t0 + 150_000);
    const whileReferenced = await notes();
    await log.alterTopic(long.name, { config: { 'retention.ms': 60_000 } });
    await pass(t0 + 500_000);
    const afterLastRelease = await notes();
    await pass(t0 + 600_000);

    expect(whileReferenced).not.toContain(objectKey);
    expect(afterLastRelease).toContain(objectKey);
    expect(await sharedObjects()).not.toContain(objectKey);
  });

  it('leaves an object whose commit never happened to the orphan scan', async () => {
    const key = `segments/~shared/orphan-${Date.now()}`;
    await storage.clients.s3.send(new PutObjectCommand({ Bucket: storage.clients.names.bucket, Key: key, Body: Buffer.from('never committed') }));
    const later = Date.now() + 3_600_000;

    await pass(later);
    const afterCheapPass = await sharedObjects();
    const scan = await pass(later + 1, true);

    expect(afterCheapPass).toContain(key);
    expect(scan.totals.orphansDeleted).toBeGreaterThanOrEqual(1);
    expect(await sharedObjects()).not.toContain(key);
  });

  it('notes the shared objects of a deleted topic, deleted once the other partition lets go too', async () => {
    const { t0, log, a: gone, b: kept, objectKey } = await sharingTopics('deleted', { a: DAY_MS, b: DAY_MS });

    await log.deleteTopic(gone.name);
    await pass(t0 + 130_000);
    const whileKept = await sharedObjects();
    await log.deleteTopic(kept.name);
    await pass(t0 + 140_000);
    await pass(t0 + 150_000);

    expect(whileKept).toContain(objectKey);
    expect(await sharedObjects()).not.toContain(objectKey);
    expect(await notes()).not.toContain(objectKey);
  });
});
