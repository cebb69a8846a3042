// Key compaction against a brute-force model. A partition takes random puts and deletes
// over a few hundred keys, with cleaning passes (random clock steps, offset maps too small
// for all keys, so cleaning resumes over passes) in between. After every pass:
// - replaying the partition from the start gives the same key -> value map as the log
//   before any cleaning;
// - every surviving record sits at its original offset with its original content, so
//   per-key order holds;
// - below the checkpoint exactly the latest record of each key survives, a tombstone
//   until delete.retention.ms after the pass that first kept it, and not one pass longer;
// - the partition's last record is never removed, and the index still covers every offset.
// The cleaner runs over an in-memory store (the same code the pass runs over DynamoDB and
// S3; the emulator-backed tests are in test/integration/log/maintenance/cleaning.test.ts).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG, type TopicConfig } from '../../../../lib/log/config.ts';
import { cleanPartition, type CleanerStore } from '../../../../lib/log/maintenance/cleaner.ts';
import type { StoredIndexEntry } from '../../../../lib/storage/segmentIndex.ts';
import { decodeEachBatch, encodeBatch } from '../../../../lib/records/index.ts';
import type { CleaningCheckpoint, PartitionHead } from '../../../../lib/storage/metadata.ts';

const RETENTION = 1_000;

/** One partition's head, index and objects in memory, with the conditions the real store checks. */
class MemoryPartition implements CleanerStore {
  entries: StoredIndexEntry[] = [];
  readonly objects = new Map<string, Buffer>();
  private h: PartitionHead = { topicId: 't', partition: 0, nextOffset: 0, logStartOffset: 0, sizeBytes: 0, segmentCount: 0, maxTimestamp: -1, tail: [], tailBase: 0, exists: true };
  private objectId = 0;

  append(records: { key: string; value: string | null }[], split: number, ts: number): void {
    const cut = 1 + (split % records.length);
    const parts = [records.slice(0, cut), records.slice(cut)].filter((p) => p.length > 0);
    let offset = 0;
    const body = Buffer.concat(
      parts.map((p) => {
        const batch = encodeBatch({
          baseOffset: offset,
          records: p.map((r) => ({ key: Buffer.from(r.key), value: r.value === null ? null : Buffer.from(r.value), timestamp: ts })),
        });
        offset += p.length;
        return batch;
      }),
    );
    const objectKey = `o${this.objectId++}`;
    this.objects.set(objectKey, body);
    const base = this.h.nextOffset;
    this.entries.push({
      baseOffset: base, lastOffset: base + records.length - 1, objectKey, byteStart: 0, byteLength: body.length,
      recordCount: records.length, firstTimestamp: ts, maxTimestamp: ts, runMax: ts, timeMark: false,
    });
    this.h = { ...this.h, nextOffset: base + records.length, sizeBytes: this.h.sizeBytes + body.length, segmentCount: this.h.segmentCount + 1 };
  }

  get cleanedOffset(): number {
    return this.h.cleaning?.cleanedOffset ?? 0;
  }

  async head() {
    return { ...this.h };
  }
  async index() {
    return this.entries.map((e) => ({ ...e }));
  }
  async read(entries: StoredIndexEntry[]) {
    return entries.map((e) => Buffer.from(this.objects.get(e.objectKey)!.subarray(e.byteStart, e.byteStart + e.byteLength)));
  }
  async write(body: Buffer) {
    const key = `o${this.objectId++}`;
    this.objects.set(key, body);
    return key;
  }
  async discard(key: string) {
    this.objects.delete(key);
  }
  async swap(replaced: StoredIndexEntry[], written: StoredIndexEntry[]) {
    const at = this.entries.findIndex((e) => e.lastOffset === replaced[0]!.lastOffset);
    if (at < 0 || replaced.some((r, i) => this.entries[at + i]?.objectKey !== r.objectKey)) return false;
    this.entries.splice(at, replaced.length, ...written);
    const bytes = (es: StoredIndexEntry[]) => es.reduce((s, e) => s + e.byteLength, 0);
    this.h = { ...this.h, sizeBytes: this.h.sizeBytes - bytes(replaced) + bytes(written), segmentCount: this.h.segmentCount - replaced.length + written.length };
    return true;
  }
  async checkpoint(c: CleaningCheckpoint) {
    if (this.h.cleaning && this.h.cleaning.cleanedOffset > c.cleanedOffset) return false;
    this.h = { ...this.h, cleaning: c };
    return true;
  }

  /** Every record as a reader replays it, checking that the index covers every offset. */
  replay(): { offset: number; key: string; value: string | null }[] {
    const out: { offset: number; key: string; value: string | null }[] = [];
    let expected = 0;
    for (const e of this.entries) {
      expect(e.baseOffset, 'entries are contiguous').toBe(expected);
      const body = this.objects.get(e.objectKey)!.subarray(e.byteStart, e.byteStart + e.byteLength);
      let end = -1;
      let count = 0;
      for (const batch of decodeEachBatch(body)) {
        for (const r of batch.records) out.push({ offset: e.baseOffset + r.offset, key: r.key!.toString(), value: r.value?.toString() ?? null });
        count += batch.records.length;
        end = e.baseOffset + batch.baseOffset + batch.lastOffsetDelta;
      }
      expect(end, 'an entry ends with a batch ending at its lastOffset').toBe(e.lastOffset);
      expect(count).toBe(e.recordCount);
      expected = e.lastOffset + 1;
    }
    expect(expected).toBe(this.h.nextOffset);
    return out;
  }
}

const tableOf = (records: { key: string; value: string | null }[]) => {
  const table = new Map<string, string>();
  for (const r of records) {
    if (r.value === null) table.delete(r.key);
    else table.set(r.key, r.value);
  }
  return table;
};

const append = fc.record({
  kind: fc.constant('append' as const),
  records: fc.array(fc.record({ key: fc.integer({ min: 0, max: 299 }), tombstone: fc.integer({ min: 0, max: 4 }).map((n) => n === 0) }), { minLength: 1, maxLength: 6 }),
  split: fc.nat(),
});
// Clock steps that land on either side of the delete horizon.
const clean = fc.record({ kind: fc.constant('clean' as const), advance: fc.constantFrom(0, 1, 250, RETENTION - 1, RETENTION, 2 * RETENTION) });
const scenario = fc.record({
  ops: fc.array(fc.oneof({ arbitrary: append, weight: 4 }, { arbitrary: clean, weight: 1 }), { minLength: 1, maxLength: 120 }),
  /** Offset map slots for 7..200 keys: usually fewer than the keys, so cleaning resumes over passes. */
  mapKeys: fc.integer({ min: 7, max: 200 }),
  ratio: fc.constantFrom('0', '0.5'),
});

describe('key compaction (property)', () => {
  it('keeps the latest record per key at its offset, tombstones for delete.retention.ms, and the same table', async () => {
    await fc.assert(
      fc.asyncProperty(scenario, async ({ ops, mapKeys, ratio }) => {
        const store = new MemoryPartition();
        const config: TopicConfig = { ...DEFAULT_CONFIG, 'cleanup.policy': 'compact', 'delete.retention.ms': String(RETENTION), 'min.cleanable.dirty.ratio': ratio };
        const original: { offset: number; key: string; value: string | null }[] = [];
        /** When the pass that first covered each offset ran (the tombstones' horizon starts there). */
        const coveredAt: number[] = [];
        let now = 1_000_000;
        for (const op of ops) {
          if (op.kind === 'append') {
            const records = op.records.map((r) => ({ key: `k${r.key}`, value: r.tombstone ? null : `v${original.length}-${r.key}` }));
            for (const r of records) original.push({ offset: original.length, ...r });
            store.append(records, op.split, now);
            continue;
          }
          now += op.advance;
          await cleanPartition(store, config, { now: () => now, memoryBytes: Math.ceil(mapKeys / 0.9) * 24, targetBytes: 600, indexIntervalBytes: 1 });
          for (let o = coveredAt.length; o < store.cleanedOffset; o++) coveredAt.push(now);

          const replayed = store.replay();
          expect(tableOf(replayed)).toEqual(tableOf(original));
          const c = store.cleanedOffset;
          const latest = new Map<string, number>();
          for (const r of original) if (r.offset < c) latest.set(r.key, r.offset);
          const expected = original.filter(
            (r) => r.offset >= c || (latest.get(r.key) === r.offset && (r.value !== null || now < coveredAt[r.offset]! + RETENTION)),
          );
          expect(replayed).toEqual(expected);
          if (original.length) expect(replayed.at(-1)).toEqual(original.at(-1));
        }
      }),
      { numRuns: 200 },
    );
  });
});
