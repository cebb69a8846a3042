// Maintenance and objects shared by several partitions (one transaction's data): an
// object is deleted only when no partition references it, and only after the grace
// period, whatever retention does to each partition on its own.
import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
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
