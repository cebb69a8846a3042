// Maintenance and objects shared by several partitions (one transaction's data): an
// object is deleted only when no partition references it, and only after the grace
// period, whatever retention does to each partition on its own.
import { ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3';
import { QueryCommand } from '@aws-sdk/client-dynamodb';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Log } from '../../../../lib/log/index.ts';
import { runMaintenance } from '../../../../lib/log/maintenance/index.ts';
import { useTestStorage } from '../../../support/stack.ts';
import { readAll, rec } from '../../../support/log.ts';

const storage = useTestStorage();

async function sharedObjects(): Promise<string[]> {
  const res = await storage.clients.s3.send(new ListObjectsV2Command({ Bucket: storage.clients.names.bucket, Prefix: 'segments/~shared/' }));
  return (res.Contents ?? []).map((o) => o.Key!);
}

describe('a shared object under retention', () => {
  it('outlives the retention of one partition while another still references it, and goes after the last', async () => {
    const t0 = Date.now();
    let now = t0;
    const log = new Log(storage.clients, { now: () => now });
    const short = await log.createTopic({ name: `short-${t0}`, config: { 'retention.ms': 60_000 } });
    const long = await log.createTopic({ name: `long-${t0}`, config: { 'retention.ms': 86_400_000 } });
    await log.transaction([
      { topic: short.name, partition: 0, record: rec('s') },
      { topic: long.name, partition: 0, record: rec('l') },
    ]);
    const [object] = await sharedObjects();
    now = t0 + 120_000;
    await log.append(short.name, 0, { records: [rec('newer')] });
    await log.append(long.name, 0, { records: [rec('newer')] });
    // The cheap scheduled kind of pass: objects named by release records only, no listing.
    const pass = (at: number) => runMaintenance(storage.clients, { now: () => at, graceMs: 1_000, compactionTargetBytes: 0, orphanScan: false });

    const first = await pass(t0 + 150_000);
    await pass(t0 + 160_000);

    expect(first.totals.segmentsExpired).toBe(1);
    expect(await sharedObjects()).toContain(object);
    expect((await readAll(log, long.name, 0)).map((r) => r.value)).toEqual(['l', 'newer']);

    // The long topic's retention removes the last reference: deleted after the grace period.
    await log.alterTopic(long.name, { config: { 'retention.ms': 60_000 } });
    await pass(t0 + 500_000);
    expect(await sharedObjects()).toContain(object);
    await pass(t0 + 600_000);
    expect(await sharedObjects()).not.toContain(object);
  });
});

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

const pass = (at: number, orphanScan: boolean) =>
  runMaintenance(storage.clients, { now: () => at, graceMs: 1_000, compactionTargetBytes: 0, orphanScan });

describe('the sweep of shared objects between orphan scans', () => {
  afterEach(() => vi.restoreAllMocks());

  it('deletes a released shared object from its note, without listing the shared objects', async () => {
    const t0 = Date.now();
    let now = t0;
    const log = new Log(storage.clients, { now: () => now });
    const a = await log.createTopic({ name: `nl-a-${t0}`, config: { 'retention.ms': 60_000 } });
    const b = await log.createTopic({ name: `nl-b-${t0}`, config: { 'retention.ms': 60_000 } });
    const before = await sharedObjects();
    await log.transaction([
      { topic: a.name, partition: 0, record: rec('a') },
      { topic: b.name, partition: 0, record: rec('b') },
    ]);
    const objectKey = (await sharedObjects()).find((k) => !before.includes(k))!;
    now = t0 + 120_000;
    await log.append(a.name, 0, { records: [rec('newer')] });
    await log.append(b.name, 0, { records: [rec('newer')] });

    const first = await sharedListings(() => pass(t0 + 150_000, false));
    const noted = await notes();
    const second = await sharedListings(() => pass(t0 + 160_000, false));

    expect(first.listings + second.listings).toBe(0);
    expect(noted).toContain(objectKey);
    expect(first.value.totals.objectsPending).toBeGreaterThanOrEqual(1);
    expect(second.value.totals.objectsDeleted).toBeGreaterThanOrEqual(1);
    expect(await sharedObjects()).not.toContain(objectKey);
    expect(await notes()).not.toContain(objectKey);
  });

  it('drops the note of an object another partition still references, and notes it again when that one lets go', async () => {
    const t0 = Date.now();
    let now = t0;
    const log = new Log(storage.clients, { now: () => now });
    const short = await log.createTopic({ name: `nr-s-${t0}`, config: { 'retention.ms': 60_000 } });
    const long = await log.createTopic({ name: `nr-l-${t0}`, config: { 'retention.ms': 86_400_000 } });
    const before = await sharedObjects();
    await log.transaction([
      { topic: short.name, partition: 0, record: rec('s') },
      { topic: long.name, partition: 0, record: rec('l') },
    ]);
    const objectKey = (await sharedObjects()).find((k) => !before.includes(k))!;
    now = t0 + 120_000;
    await log.append(short.name, 0, { records: [rec('newer')] });
    await log.append(long.name, 0, { records: [rec('newer')] });

    await pass(t0 + 150_000, false);
    const whileReferenced = await notes();
    await log.alterTopic(long.name, { config: { 'retention.ms': 60_000 } });
    await pass(t0 + 500_000, false);
    const afterLastRelease = await notes();
    await pass(t0 + 600_000, false);

    expect(whileReferenced).not.toContain(objectKey);
    expect(afterLastRelease).toContain(objectKey);
    expect(await sharedObjects()).not.toContain(objectKey);
  });

  it('leaves an object whose commit never happened to the orphan scan', async () => {
    const key = `segments/~shared/orphan-${Date.now()}`;
    await storage.clients.s3.send(new PutObjectCommand({ Bucket: storage.clients.names.bucket, Key: key, Body: Buffer.from('never committed') }));
    const later = Date.now() + 3_600_000;

    await pass(later, false);
    const afterCheapPass = await sharedObjects();
    const scan = await pass(later + 1, true);

    expect(afterCheapPass).toContain(key);
    expect(scan.totals.orphansDeleted).toBeGreaterThanOrEqual(1);
    expect(await sharedObjects()).not.toContain(key);
  });

  it('notes the shared objects of a deleted topic, deleted once the other partition lets go too', async () => {
    const t0 = Date.now();
    const log = new Log(storage.clients, { now: () => t0 });
    const gone = await log.createTopic({ name: `nd-g-${t0}` });
    const kept = await log.createTopic({ name: `nd-k-${t0}` });
    const before = await sharedObjects();
    await log.transaction([
      { topic: gone.name, partition: 0, record: rec('g') },
      { topic: kept.name, partition: 0, record: rec('k') },
    ]);
    const objectKey = (await sharedObjects()).find((k) => !before.includes(k))!;

    await log.deleteTopic(gone.name);
    await pass(t0 + 10_000, false);
    const whileKept = await sharedObjects();
    await log.deleteTopic(kept.name);
    await pass(t0 + 20_000, false);
    await pass(t0 + 30_000, false);

    expect(whileKept).toContain(objectKey);
    expect(await sharedObjects()).not.toContain(objectKey);
    expect(await notes()).not.toContain(objectKey);
  });
});
