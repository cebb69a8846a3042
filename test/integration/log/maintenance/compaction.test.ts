// Compaction: runs of small segments become few large objects, one index swap per run.
// What a consumer reads must not change by a single byte, also while the swap happens,
// and the head's counters must keep matching the index.
import { describe, expect, it } from 'vitest';
import { Log } from '../../../../lib/log/index.ts';
import { runMaintenance } from '../../../../lib/log/maintenance/index.ts';
import type { RecordInput } from '../../../../lib/records/index.ts';
import { getHead } from '../../../../lib/storage/metadata.ts';
import { useTestStorage } from '../../../support/stack.ts';
import { expectDenseOffsets, indexEntries, readAll, rec } from '../../../support/log.ts';
import { clockedTopic, expectCountersMatchIndex, expectedSnapshot, GRACE, objectKeys, rawBatches, releaseCount, seedSegments, snapshot } from './helpers.ts';

const storage = useTestStorage();
const setup = (config: Record<string, unknown> = {}) => clockedTopic(storage.clients, 'k', config);

/** Records with everything varied: null and empty keys and values, headers, out-of-order timestamps. */
function record(i: number, base: number): RecordInput {
  return {
    key: i % 7 === 0 ? null : Buffer.from(`key-${i}`),
    value: i % 11 === 0 ? null : Buffer.from(`value-${i}-`.repeat(1 + (i % 5))),
    headers: i % 3 === 0 ? [] : [{ key: `h${i % 4}`, value: i % 6 === 1 ? null : Buffer.from([i & 255, (i * 7) & 255]) }],
    timestamp: base + ((i * 37) % 101) * 1000,
  };
}

describe('compaction', () => {
  it('merges 300 one-record segments into few objects; a reader during the swap sees every record once, in order', async () => {
    const { clock, log, name, topicId } = await setup();
    const records = Array.from({ length: 300 }, (_, i) => record(i, clock.t));
    const { raw } = await seedSegments(storage.clients, name, 0, records.map((r) => [r]), clock.t);
    clock.advance(60_000); // time passes: the uploads are older than what follows
    const before = expectedSnapshot(records);
    const headBefore = await getHead(storage.clients, topicId, 0);
    const times = [17, 50, 100].map((k) => records[0]!.timestamp! + k * 1000);
    const byTimeBefore = await Promise.all(times.map((ts) => log.listOffsets(name, 0, ts)));
    const first = await log.fetch(name, 0, { offset: 0, maxRecords: 20 });
    expect(first.records.map((r) => [r.offset, r.key?.toString('hex') ?? null, r.value?.toString('hex') ?? null, r.timestamp]))
      .toEqual(before.slice(0, 20).map((r) => [r.offset, r.key, r.value, r.timestamp]));

    // A consumer loops over the whole partition in small fetches while the pass runs.
    let stop = false;
    let loops = 0;
    const reader = (async () => {
      const consumer = new Log(storage.clients);
      while (!stop) {
        expect(await snapshot(consumer, name, 0, 0, 20)).toEqual(before);
        loops++;
      }
    })();
    const report = await runMaintenance(storage.clients, { now: clock.now, topics: [name] }).finally(() => {
      stop = true;
    });
    await reader;

    expect(report.errors).toEqual([]);
    expect(loops).toBeGreaterThan(0);
    expect(report.totals.runsCompacted).toBeGreaterThanOrEqual(4); // 300 entries need at least 4 transactions
    expect(report.totals.segmentsCompacted).toBeGreaterThanOrEqual(300);
    const entries = await indexEntries(storage.clients, topicId, 0);
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({ baseOffset: 0, lastOffset: 299, byteStart: 0, byteLength: headBefore.sizeBytes, recordCount: 300 });
    expect(await getHead(storage.clients, topicId, 0)).toMatchObject({
      nextOffset: 300, logStartOffset: 0, sizeBytes: headBefore.sizeBytes, segmentCount: 1, maxTimestamp: headBefore.maxTimestamp,
    });
    expect((await log.describeTopic(name)).partitions[0]).toMatchObject({ segments: 1, sizeBytes: headBefore.sizeBytes });
    expect(report.partitions[0]).toMatchObject({ segments: { before: 300, after: 1 } });
    await expectDenseOffsets(storage.clients, topicId, 0);
    await expectCountersMatchIndex(storage.clients, topicId, 0);

    // Byte for byte what a Kafka client gets, and what a JSON consumer gets.
    expect((await rawBatches(log, name, 0)).equals(raw)).toBe(true);
    expect(await snapshot(log, name, 0)).toEqual(before);
    expect(await Promise.all(times.map((ts) => log.listOffsets(name, 0, ts)))).toEqual(byTimeBefore);

    // The replaced objects stay through the grace period, then go; the new one stays.
    const kept = entries[0]!.objectKey;
    expect((await objectKeys(storage.clients, topicId)).length).toBeGreaterThan(300);
    clock.advance(GRACE - 1);
    expect((await runMaintenance(storage.clients, { now: clock.now, topics: [name] })).totals.objectsDeleted).toBe(0);
    expect((await objectKeys(storage.clients, topicId)).length).toBeGreaterThan(300);
    clock.advance(1);
    const due = await runMaintenance(storage.clients, { now: clock.now, topics: [name] });
    expect(due.totals).toMatchObject({ objectsDeleted: report.totals.segmentsCompacted, orphansDeleted: 0, runsCompacted: 0 });
    expect(await objectKeys(storage.clients, topicId)).toEqual([kept]);
    expect(await releaseCount(storage.clients, topicId, 0)).toBe(0);
    expect(await snapshot(log, name, 0)).toEqual(before);
  });

  it('writes one index entry per interval inside a merged object, and leaves merged objects alone afterwards', async () => {
    const { clock, log, name, topicId } = await setup();
    const appends = Array.from({ length: 60 }, (_, i) => Array.from({ length: 5 }, (_, k) => ({ ...rec(`${i}.${k}`.padEnd(200, '~')), timestamp: clock.t + i })));
    const { raw } = await seedSegments(storage.clients, name, 0, appends, clock.t);
    const segmentBytes = (await indexEntries(storage.clients, topicId, 0))[0]!.byteLength;
    const before = expectedSnapshot(appends.flat());
    const opts = { now: clock.now, topics: [name], compactionTargetBytes: 18 * segmentBytes, indexIntervalBytes: 4 * segmentBytes };

    const report = await runMaintenance(storage.clients, opts);

    expect(report.errors).toEqual([]);
    const entries = await indexEntries(storage.clients, topicId, 0);
    // 60 segments -> objects of up to 18 segments -> entries of up to 4 segments (20 records).
    const objects = new Map<string, typeof entries>();
    for (const e of entries) objects.set(e.objectKey, [...(objects.get(e.objectKey) ?? []), e]);
    expect(objects.size).toBe(4);
    for (const group of objects.values()) {
      let at = 0;
      for (const e of group) {
        expect(e.byteStart).toBe(at);
        expect(e.recordCount).toBeLessThanOrEqual(20);
        at += e.byteLength;
      }
    }
    expect(entries.length).toBe(3 * 5 + 2); // 18 segments: 4+4+4+4+2; the last 6: 4+2
    await expectDenseOffsets(storage.clients, topicId, 0);
    await expectCountersMatchIndex(storage.clients, topicId, 0);
    expect((await rawBatches(log, name, 0)).equals(raw)).toBe(true);
    expect(await snapshot(log, name, 0, 0, 13)).toEqual(before);
    expect(await log.listOffsets(name, 0, clock.t + 37)).toBe(37 * 5);
    // A small fetch reads one entry's range, not the whole object.
    expect((await log.fetch(name, 0, { offset: 123, maxBytes: 1 })).records.map((r) => r.offset)).toEqual([123]);

    // Size-tiered: merged objects are not merged again just because they could be.
    const again = await runMaintenance(storage.clients, opts);
    expect(again.totals.runsCompacted).toBe(0);
  });

  it('keeps the head counters right while appends, retention and compaction interleave', async () => {
    const { clock, log, name, topicId } = await setup();
    await log.alterTopic(name, { config: { 'retention.bytes': 3000 } });
    const acked = new Map<number, string>();
    let passes = 0;
    const writers = Array.from({ length: 2 }, async (_, w) => {
      for (let i = 0; i < 25; i++) {
        const value = `w${w}-${i}`.padEnd(60, '.');
        const res = await log.append(name, 0, { records: [rec(value)] });
        acked.set(res.baseOffset, value);
      }
    });
    const done = Promise.all(writers);
    let finished = false;
    void done.finally(() => {
      finished = true;
    });
    while (!finished || passes < 2) {
      const report = await runMaintenance(storage.clients, { now: clock.now, topics: [name], compactionTargetBytes: 1000 });
      expect(report.errors).toEqual([]);
      passes++;
    }
    await done;
    await runMaintenance(storage.clients, { now: clock.now, topics: [name], compactionTargetBytes: 1000 });

    await expectDenseOffsets(storage.clients, topicId, 0);
    await expectCountersMatchIndex(storage.clients, topicId, 0);
    const head = await getHead(storage.clients, topicId, 0);
    expect(head.nextOffset).toBe(50);
    expect(head.sizeBytes).toBeGreaterThanOrEqual(3000);
    const all = await readAll(log, name, 0, head.logStartOffset);
    expect(all.map((r) => r.offset)).toEqual(Array.from({ length: 50 - head.logStartOffset }, (_, i) => head.logStartOffset + i));
    for (const r of all) expect(r.value).toBe(acked.get(r.offset));
  });
});
