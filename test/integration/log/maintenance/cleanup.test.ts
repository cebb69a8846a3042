// Garbage: uploads that were never committed, and everything of deleted topics. What an
// index entry references is never deleted, whatever the clock says. Scheduled passes
// list for orphans once an hour (lib/log/maintenance/schedule.ts).
import { describe, expect, it } from 'vitest';
import { Log } from '../../../../lib/log/index.ts';
import { runMaintenance } from '../../../../lib/log/maintenance/index.ts';
import { scheduledMaintenance } from '../../../../lib/log/maintenance/index.ts';
import { scheduledPass } from '../../../../lib/runtime/schedule.ts';
import { createStorageClients, destroyStorageClients } from '../../../../lib/storage/clients.ts';
import { listHeadPartitions } from '../../../../lib/log/maintenance/store.ts';
import { tpKey } from '../../../../lib/storage/metadata.ts';
import type { TestStorage } from '../../../support/stack.ts';
import { useTestStorage } from '../../../support/stack.ts';
import { countRequests, expectDenseOffsets, indexEntries, injectFault, readAll, rec } from '../../../support/log.ts';
import { expectCountersMatchIndex, GRACE, objectKeys, releaseCount, segmentItems, testClock } from './helpers.ts';

let n = 0;

/** An append that uploads its segment and then "crashes" before the commit lands. */
async function crashedAppend(storage: TestStorage, topic: string, partition: number, value = 'lost'): Promise<void> {
  const doomed = createStorageClients(storage.config);
  injectFault(doomed.ddb, 'UpdateItem', 'before', { error: () => new Error('process crashed') });
  try {
    const log = new Log(doomed, { commit: { maxAttempts: 1 } });
    await expect(log.append(topic, partition, { records: [rec(value)] })).rejects.toThrow();
  } finally {
    destroyStorageClients(doomed);
  }
}

async function referencedKeys(storage: TestStorage, topicId: string, partition: number): Promise<string[]> {
  return [...new Set((await indexEntries(storage.clients, topicId, partition)).map((e) => e.objectKey))].sort();
}

describe('orphan cleanup', () => {
  const storage = useTestStorage();

  async function setup(partitions = 1) {
    const clock = testClock();
    const log = new Log(storage.clients, { now: clock.now });
    const t = await log.createTopic({ name: `o${n++}-${Date.now()}`, partitions, config: { 'retention.ms': -1 } });
    return { clock, log, name: t.name, topicId: t.topicId };
  }

  it('deletes an upload whose commit never happened once the grace period has passed, not before', async () => {
    const { clock, log, name, topicId } = await setup();
    await log.append(name, 0, { records: [rec('a')] });
    await crashedAppend(storage, name, 0);
    await log.append(name, 0, { records: [rec('b')] });
    const referenced = await referencedKeys(storage, topicId, 0);
    const all = await objectKeys(storage.clients, topicId);
    expect(all).toHaveLength(3);
    const pass = () => runMaintenance(storage.clients, { now: clock.now, topics: [name], compactionTargetBytes: 0 });

    expect((await pass()).totals).toMatchObject({ orphansDeleted: 0, objectsPending: 1 });
    clock.advance(GRACE - 30_000); // the upload is a few hundred ms younger than the clock's start
    expect((await pass()).totals).toMatchObject({ orphansDeleted: 0, objectsPending: 1 });
    expect(await objectKeys(storage.clients, topicId)).toEqual(all);

    clock.advance(60_000);
    const due = await pass();
    expect(due.totals).toMatchObject({ orphansDeleted: 1, objectsDeleted: 0, objectsPending: 0 });
    expect(due.partitions[0]!.cleanup.bytesDeleted).toBeGreaterThan(0);
    expect(await objectKeys(storage.clients, topicId)).toEqual(referenced);
    expect((await readAll(log, name, 0)).map((r) => [r.offset, r.value])).toEqual([[0, 'a'], [1, 'b']]);
  });

  it('finds an orphan in a partition that was never written', async () => {
    const { clock, name, topicId } = await setup(2);
    await crashedAppend(storage, name, 1);
    clock.advance(GRACE + 60_000);
    const report = await runMaintenance(storage.clients, { now: clock.now, topics: [name] });
    expect(report.partitions).toMatchObject([{ partition: 1, cleanup: { orphansDeleted: 1 } }]);
    expect(await objectKeys(storage.clients, topicId)).toEqual([]);
  });

  it('never deletes anything referenced: every record stays readable through passes with an advancing clock', async () => {
    const { clock, log, name, topicId } = await setup(2);
    const expected: string[][] = [[], []];
    const append = async (p: number, values: string[]) => {
      await log.append(name, p, { records: values.map((v) => rec(v)) });
      expected[p]!.push(...values);
    };
    for (let i = 0; i < 12; i++) await append(i % 2, Array.from({ length: 1 + (i % 3) }, (_, k) => `v${i}.${k}`));
    await crashedAppend(storage, name, 1);

    const done = { runsCompacted: 0, objectsDeleted: 0, orphansDeleted: 0 };
    for (let pass = 0; pass < 6; pass++) {
      if (pass < 4) await append(pass % 2, [`late${pass}`]);
      const report = await runMaintenance(storage.clients, { now: clock.now, topics: [name], compactionTargetBytes: 300 });
      expect(report.errors).toEqual([]);
      for (const k of Object.keys(done) as (keyof typeof done)[]) done[k] += report.totals[k];
      for (const p of [0, 1]) {
        expect((await readAll(log, name, p)).map((r) => r.value), `partition ${p} after pass ${pass}`).toEqual(expected[p]);
        await expectDenseOffsets(storage.clients, topicId, p);
        await expectCountersMatchIndex(storage.clients, topicId, p);
      }
      clock.advance(GRACE / 2 + 1);
    }

    expect(done.runsCompacted).toBeGreaterThan(0);
    expect(done.objectsDeleted).toBeGreaterThan(0);
    expect(done.orphansDeleted).toBe(1);
    // Two quiet passes more than a grace period apart leave exactly the referenced objects.
    for (const p of [0, 1]) {
      expect(await objectKeys(storage.clients, topicId, p)).toEqual(await referencedKeys(storage, topicId, p));
      expect(await releaseCount(storage.clients, topicId, p)).toBe(0);
    }
  });
});

describe('cleanup without the orphan scan', () => {
  const storage = useTestStorage();

  it('deletes released objects after the grace period without listing, and leaves orphans for a full scan', async () => {
    const clock = testClock();
    const log = new Log(storage.clients, { now: clock.now });
    const { name, topicId } = await log.createTopic({ name: `quick${n++}`, config: { 'retention.ms': -1 } });
    for (let i = 0; i < 6; i++) await log.append(name, 0, { records: [rec(`v${i}`)] });
    await crashedAppend(storage, name, 0);
    const compacted = await runMaintenance(storage.clients, { now: clock.now, topics: [name], compactionTargetBytes: 10_000, orphanScan: false });
    expect(compacted.totals.runsCompacted).toBeGreaterThan(0);
    clock.catchUp();
    clock.advance(GRACE + 1);
    const listings = countRequests(storage.clients.s3);

    const quick = await runMaintenance(storage.clients, { now: clock.now, topics: [name], orphanScan: false });
    const listed = listings.counts.get('ListObjectsV2') ?? 0;
    listings.remove();

    expect(listed).toBe(0);
    expect(quick.partitions[0]!.cleanup).toMatchObject({ objectsDeleted: 6, orphansDeleted: 0 });
    expect(await objectKeys(storage.clients, topicId, 0)).toHaveLength(2); // the compacted object and the orphan
    expect((await readAll(log, name, 0)).map((r) => r.value)).toEqual(['v0', 'v1', 'v2', 'v3', 'v4', 'v5']);
    expect(await releaseCount(storage.clients, topicId, 0)).toBe(0);

    const full = await runMaintenance(storage.clients, { now: clock.now, topics: [name] });

    expect(full.partitions[0]!.cleanup).toMatchObject({ orphansDeleted: 1 });
    expect(await objectKeys(storage.clients, topicId, 0)).toEqual(await referencedKeys(storage, topicId, 0));
  });
});

describe('scheduled passes', () => {
  const storage = useTestStorage();
  const at = (iso: string) => Date.parse(iso);

  it('list for orphans only on the first pass of an hour, under the deployed 15-minute schedule', async () => {
    const clock = testClock();
    const log = new Log(storage.clients, { now: clock.now });
    const { name, topicId } = await log.createTopic({ name: `sched${n++}`, config: { 'retention.ms': -1 } });
    await log.append(name, 0, { records: [rec('kept')] });
    await crashedAppend(storage, name, 0);
    clock.catchUp();
    clock.advance(GRACE + 1);
    const opts = { now: clock.now, topics: [name] };

    const midHour = await scheduledMaintenance(storage.clients, scheduledPass('maintenance', { time: '2025-06-01T12:30:00Z' }), opts);
    expect(midHour.totals).toMatchObject({ orphansDeleted: 0 });
    expect(await objectKeys(storage.clients, topicId, 0)).toHaveLength(2);

    const firstOfHour = scheduledPass('maintenance', { time: '2025-06-01T13:05:00Z' });
    expect(firstOfHour).toMatchObject({ at: at('2025-06-01T13:05:00Z'), previousAt: at('2025-06-01T12:50:00Z') });
    expect((await scheduledMaintenance(storage.clients, firstOfHour, opts)).totals).toMatchObject({ orphansDeleted: 1 });
    expect(await objectKeys(storage.clients, topicId, 0)).toEqual(await referencedKeys(storage, topicId, 0));
  });
});

describe('deleted topics', () => {
  const storage = useTestStorage();

  it('removes every object, index entry, release and head of a deleted topic, and nothing else', async () => {
    const log = new Log(storage.clients);
    const name = `gone${n++}`;
    const old = await log.createTopic({ name, partitions: 3 });
    for (let p = 0; p < 3; p++) {
      for (let i = 0; i < 3; i++) await log.append(name, p, { records: [rec(`${p}-${i}`)] });
    }
    await crashedAppend(storage, name, 2);
    const bystander = await log.createTopic({ name: `stays${n++}` });
    await log.append(bystander.name, 0, { records: [rec('still here')] });
    // A compaction pass leaves releases (and replaced objects in their grace period) behind too.
    await runMaintenance(storage.clients, {});
    expect(await releaseCount(storage.clients, old.topicId, 0)).toBe(1);
    const objects = await objectKeys(storage.clients, old.topicId);
    const entries = (await Promise.all([0, 1, 2].map((p) => indexEntries(storage.clients, old.topicId, p)))).flat();

    await log.deleteTopic(name);
    const again = await log.createTopic({ name, partitions: 1 });
    await log.append(name, 0, { records: [rec('fresh')] });
    const report = await runMaintenance(storage.clients, {});

    expect(report.errors).toEqual([]);
    expect(report.deletedTopics).toEqual([
      expect.objectContaining({
        topicId: old.topicId,
        partitions: [0, 1, 2],
        objectsDeleted: objects.length,
        indexEntriesDeleted: entries.length,
        headsDeleted: 3,
      }),
    ]);
    expect(report.totals.deletedTopics).toBe(1);
    expect(await objectKeys(storage.clients, old.topicId)).toEqual([]);
    for (const p of [0, 1, 2]) {
      expect(await segmentItems(storage.clients, tpKey(old.topicId, p))).toBe(0);
      expect(await releaseCount(storage.clients, old.topicId, p)).toBe(0);
    }
    expect(await listHeadPartitions(storage.clients, old.topicId)).toEqual([]);

    // The re-created name and the other topic are untouched.
    expect(again.topicId).not.toBe(old.topicId);
    expect((await readAll(log, name, 0)).map((r) => r.value)).toEqual(['fresh']);
    expect((await readAll(log, bystander.name, 0)).map((r) => r.value)).toEqual(['still here']);
    expect((await runMaintenance(storage.clients, {})).deletedTopics).toEqual([]);
  });

  it('finds a deleted topic that never got a head through its objects', async () => {
    const log = new Log(storage.clients);
    const t = await log.createTopic({ name: `headless${n++}` });
    await crashedAppend(storage, t.name, 0);
    await log.deleteTopic(t.name);

    const report = await runMaintenance(storage.clients, {});

    expect(report.deletedTopics).toEqual([
      expect.objectContaining({ topicId: t.topicId, partitions: [0], objectsDeleted: 1, headsDeleted: 0 }),
    ]);
    expect(await objectKeys(storage.clients, t.topicId)).toEqual([]);
  });

  it('leaves deleted topics alone when the pass is limited to named topics', async () => {
    const log = new Log(storage.clients);
    const t = await log.createTopic({ name: `limited${n++}` });
    await log.append(t.name, 0, { records: [rec('x')] });
    await log.deleteTopic(t.name);
    const other = await log.createTopic({ name: `other${n++}` });

    expect((await runMaintenance(storage.clients, { topics: [other.name] })).deletedTopics).toEqual([]);
    expect(await objectKeys(storage.clients, t.topicId)).toHaveLength(1);
    expect((await runMaintenance(storage.clients, {})).deletedTopics).toMatchObject([{ topicId: t.topicId }]);
  });
});
