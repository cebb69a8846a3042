// Retention (DESIGN.md, "Maintenance"): whole segments leave the front of the log by age
// or by size; logStartOffset advances first (atomically with the index), objects go only
// after the grace period, and offsets never restart. The clock is injected into both the
// Log (record timestamps) and the pass: nothing sleeps.
import { describe, expect, it } from 'vitest';
import { runMaintenance } from '../../../../lib/log/maintenance/index.ts';
import { getHead } from '../../../../lib/storage/metadata.ts';
import { useTestStorage } from '../../../support/stack.ts';
import { expectDenseOffsets, indexEntries, readAll, rec } from '../../../support/log.ts';
import { clockedTopic, expectCountersMatchIndex, GRACE, objectKeys, releaseCount, seedSegments } from './helpers.ts';

const storage = useTestStorage();
async function setup(config: Record<string, unknown> = {}) {
  const t = await clockedTopic(storage.clients, 'r', config);
  const pass = (extra: Parameters<typeof runMaintenance>[1] = {}) =>
    runMaintenance(storage.clients, { now: t.clock.now, topics: [t.name], compactionTargetBytes: 0, ...extra });
  return { ...t, pass };
}

describe('retention by time', () => {
  it('removes expired segments from the front, advances logStartOffset, keeps the rest readable', async () => {
    const { clock, log, name, topicId, pass } = await setup({ 'retention.ms': 60_000 });
    for (let i = 0; i < 5; i++) await log.append(name, 0, { records: [rec(`old${i}a`), rec(`old${i}b`)] });
    clock.advance(30_000);
    for (let i = 0; i < 3; i++) await log.append(name, 0, { records: [rec(`new${i}a`), rec(`new${i}b`)] });
    const bytesBefore = (await getHead(storage.clients, topicId, 0)).sizeBytes;
    const oldBytes = (await indexEntries(storage.clients, topicId, 0)).slice(0, 5).reduce((s, e) => s + e.byteLength, 0);

    clock.advance(30_001); // the first five are now 60,001 ms old, the last three 30,001 ms
    const report = await pass();

    expect(report.errors).toEqual([]);
    expect(report.totals).toMatchObject({ segmentsExpired: 5, recordsExpired: 10, bytesExpired: oldBytes, logStartOffsetMoves: 1 });
    expect(report.partitions[0]).toMatchObject({
      partition: 0,
      logStartOffset: { before: 0, after: 10 },
      segments: { before: 8, after: 3 },
      sizeBytes: { before: bytesBefore, after: bytesBefore - oldBytes },
    });
    const d = await log.describeTopic(name);
    expect(d.partitions[0]).toMatchObject({ logStartOffset: 10, highWatermark: 16, segments: 3, sizeBytes: bytesBefore - oldBytes });
    expect(await log.listOffsets(name, 0, 'earliest')).toBe(10);
    expect((await readAll(log, name, 0, 10)).map((r) => [r.offset, r.value])).toEqual([
      [10, 'new0a'], [11, 'new0b'], [12, 'new1a'], [13, 'new1b'], [14, 'new2a'], [15, 'new2b'],
    ]);
    await expectDenseOffsets(storage.clients, topicId, 0);
    await expectCountersMatchIndex(storage.clients, topicId, 0);

    // Below the log start: OFFSET_OUT_OF_RANGE, telling the consumer where the log starts.
    for (const offset of [0, 9]) {
      const err = await log.fetch(name, 0, { offset }).catch((e) => e);
      expect(err).toMatchObject({ code: 'OFFSET_OUT_OF_RANGE', status: 416, details: { logStartOffset: 10, highWatermark: 16 } });
    }
    const raw = await log.fetchBatches(name, 0, { offset: 3 }).catch((e) => e);
    expect(raw).toMatchObject({ code: 'OFFSET_OUT_OF_RANGE', status: 416 });
  });

  it('stops at the first segment that is not expired, as Kafka does', async () => {
    const { clock, log, name, topicId, pass } = await setup({ 'retention.ms': 1000 });
    await log.append(name, 0, { records: [{ ...rec('a'), timestamp: clock.t - 5000 }] });
    await log.append(name, 0, { records: [{ ...rec('future'), timestamp: clock.t + 3_600_000 }] });
    await log.append(name, 0, { records: [{ ...rec('c'), timestamp: clock.t - 5000 }] });

    await pass();

    expect((await getHead(storage.clients, topicId, 0)).logStartOffset).toBe(1);
    expect((await readAll(log, name, 0, 1)).map((r) => r.value)).toEqual(['future', 'c']);
  });

  it('deletes the objects of expired segments only after the grace period', async () => {
    const { clock, log, name, topicId, pass } = await setup({ 'retention.ms': 3_600_000 });
    for (let i = 0; i < 4; i++) await log.append(name, 0, { records: [rec(`v${i}`)] });
    clock.advance(3_600_001);
    await log.append(name, 0, { records: [rec('kept')] });
    const all = await objectKeys(storage.clients, topicId);
    const kept = (await indexEntries(storage.clients, topicId, 0)).at(-1)!.objectKey;

    const first = await pass();
    expect(first.totals).toMatchObject({ segmentsExpired: 4, objectsDeleted: 0, objectsPending: 4 });
    expect(await objectKeys(storage.clients, topicId)).toEqual(all);
    expect(await releaseCount(storage.clients, topicId, 0)).toBe(1);

    clock.advance(GRACE - 1);
    const early = await pass();
    expect(early.totals).toMatchObject({ objectsDeleted: 0, objectsPending: 4 });
    expect(await objectKeys(storage.clients, topicId)).toEqual(all);

    clock.advance(1);
    const due = await pass();
    expect(due.totals).toMatchObject({ objectsDeleted: 4, orphansDeleted: 0, objectsPending: 0 });
    expect(due.totals.bytesDeleted).toBeGreaterThan(0);
    expect(await objectKeys(storage.clients, topicId)).toEqual([kept]);
    expect(await releaseCount(storage.clients, topicId, 0)).toBe(0);
    expect((await readAll(log, name, 0, 4)).map((r) => [r.offset, r.value])).toEqual([[4, 'kept']]);
  });
});

describe('retention by size', () => {
  it('removes the oldest segments while the log without them is still at least retention.bytes', async () => {
    const { log, name, topicId, pass } = await setup();
    for (let i = 0; i < 10; i++) await log.append(name, 0, { records: [rec(`value-${i}`.padEnd(100, '.'))] });
    const entries = await indexEntries(storage.clients, topicId, 0);
    const b = entries[0]!.byteLength;
    expect(entries.every((e) => e.byteLength === b)).toBe(true);
    await log.alterTopic(name, { config: { 'retention.bytes': Math.floor(3.5 * b) } });

    const report = await pass();

    // 10b -> ... -> 4b: removing one more would leave 3b < 3.5b.
    expect(report.totals).toMatchObject({ segmentsExpired: 6, bytesExpired: 6 * b });
    expect((await log.describeTopic(name)).partitions[0]).toMatchObject({ logStartOffset: 6, highWatermark: 10, segments: 4, sizeBytes: 4 * b });
    expect((await readAll(log, name, 0, 6)).map((r) => r.value?.slice(0, 7))).toEqual(['value-6', 'value-7', 'value-8', 'value-9']);
    await expect(log.fetch(name, 0, { offset: 5 })).rejects.toMatchObject({ code: 'OFFSET_OUT_OF_RANGE', details: { logStartOffset: 6 } });
    await expectDenseOffsets(storage.clients, topicId, 0);
    await expectCountersMatchIndex(storage.clients, topicId, 0);

    // Nothing more to do on a second pass.
    expect((await pass()).totals.segmentsExpired).toBe(0);
  });

  it('removes more than one transaction can hold, in several advances', async () => {
    const { name, topicId, pass, log } = await setup();
    await seedSegments(storage.clients, name, 0, Array.from({ length: 110 }, (_, i) => [rec(`v${i}`)]), Date.now());
    await log.alterTopic(name, { config: { 'retention.bytes': 0 } });

    const report = await pass();

    expect(report.totals.segmentsExpired).toBe(110);
    expect(await getHead(storage.clients, topicId, 0)).toMatchObject({ logStartOffset: 110, nextOffset: 110, sizeBytes: 0, segmentCount: 0 });
    expect(await indexEntries(storage.clients, topicId, 0)).toEqual([]);
  });
});

describe('offsets after everything expired', () => {
  it('leaves an empty log at the high watermark; the next append continues from there', async () => {
    const { clock, log, name, topicId, pass } = await setup({ 'retention.ms': 1000 });
    for (let i = 0; i < 3; i++) await log.append(name, 0, { records: [rec(`x${i}`), rec(`y${i}`)] });
    clock.advance(1001);

    const report = await pass();

    expect(report.partitions[0]).toMatchObject({ logStartOffset: { before: 0, after: 6 }, highWatermark: 6, segments: { after: 0 }, sizeBytes: { after: 0 } });
    expect((await log.describeTopic(name)).partitions[0]).toMatchObject({ logStartOffset: 6, highWatermark: 6, segments: 0, sizeBytes: 0 });
    expect(await log.listOffsets(name, 0, 'earliest')).toBe(6);
    expect(await log.listOffsets(name, 0, 'latest')).toBe(6);
    expect(await log.fetch(name, 0, { offset: 6 })).toMatchObject({ records: [], nextOffset: 6, logStartOffset: 6, highWatermark: 6 });
    await expect(log.fetch(name, 0, { offset: 0 })).rejects.toMatchObject({ code: 'OFFSET_OUT_OF_RANGE' });

    await expect(log.append(name, 0, { records: [rec('next')] })).resolves.toMatchObject({ baseOffset: 6, lastOffset: 6 });
    expect((await readAll(log, name, 0, 6)).map((r) => [r.offset, r.value])).toEqual([[6, 'next']]);
    await expectDenseOffsets(storage.clients, topicId, 0);
    await expectCountersMatchIndex(storage.clients, topicId, 0);

    // And again: the new segment expires too; the log start follows the high watermark.
    clock.advance(1001);
    await pass();
    expect(await getHead(storage.clients, topicId, 0)).toMatchObject({ logStartOffset: 7, nextOffset: 7, segmentCount: 0 });
  });

  it('retention.ms = -1 keeps everything forever', async () => {
    const { clock, log, name, topicId, pass } = await setup({ 'retention.ms': -1 });
    await log.append(name, 0, { records: [rec('forever')] });
    clock.advance(100 * 365 * 86_400_000);
    expect((await pass()).totals.segmentsExpired).toBe(0);
    expect((await getHead(storage.clients, topicId, 0)).logStartOffset).toBe(0);
  });
});
