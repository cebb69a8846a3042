// Key compaction's decisions, without storage: which part of a partition may be cleaned
// and whether it is time to, and the rewrite of a run of index entries keeping the
// latest record per key. The cleaner (cleaner.ts) reads and writes; this decides.
//
// The parts of a partition, as Kafka's cleaner sees a log:
//
//   logStart ... cleaned ... | cleanedOffset ... dirty ... | uncleanable (young or the head)
//
// - uncleanable: from the first entry younger than min.compaction.lag.ms (by its newest
//   timestamp), and always the last entry, which holds the partition's last record;
// - dirty: appended since the last cleaning; the offset map is built from it;
// - cleaned: already holds only the latest record per key of what was mapped then.
// Cleaning runs when the dirty share of the cleanable part reaches
// min.cleanable.dirty.ratio, when its oldest record passed max.compaction.lag.ms, or when
// kept tombstones reached their delete horizon.
//
// A record in the range being cleaned is kept when it has a key and no later record of
// that key was mapped; a tombstone (null value) is kept too until its delete horizon,
// which the first cleaning that keeps it sets to now + delete.retention.ms (Kafka's
// KIP-534), so a reader that starts at the log start and finishes within
// delete.retention.ms sees every delete. Keyless records (possible only from before the
// topic was compacted) are dropped, as Kafka's cleaner drops them. Offsets never change:
// a rewritten batch keeps its baseOffset and lastOffsetDelta (retain.ts), batches left
// empty are dropped, except the one ending each index entry, so every entry still ends
// with a batch at its lastOffset and readers step over the gap.
import { decodeEachBatch, readBatchHeaders, retainRecords, setBaseOffset } from '../../records/index.ts';
import type { PartitionHead } from '../../storage/metadata.ts';
import type { TopicConfig } from '../config.ts';
import type { OffsetMap } from './offsetMap.ts';
import type { StoredIndexEntry } from '../../storage/segmentIndex.ts';

export interface CleaningConfig {
  minLagMs: number;
  maxLagMs: number;
  minDirtyRatio: number;
  deleteRetentionMs: number;
}

export const cleaningConfig = (config: TopicConfig): CleaningConfig => ({
  minLagMs: Number(config['min.compaction.lag.ms']),
  maxLagMs: Number(config['max.compaction.lag.ms']),
  minDirtyRatio: Number(config['min.cleanable.dirty.ratio']),
  deleteRetentionMs: Number(config['delete.retention.ms']),
});

export interface CleaningPlan {
  /** Entries from the log start up to the uncleanable part, in offset order. */
  cleanable: StoredIndexEntry[];
  /** Index in `cleanable` of the first entry not wholly cleaned. */
  firstDirty: number;
  /** Dirty bytes over cleanable bytes (0 when nothing is cleanable). */
  dirtyRatio: number;
  /** Why cleaning is due now; undefined when it is not. */
  reason?: 'dirty-ratio' | 'max-lag' | 'tombstones';
}

/** The cleanable part of a partition's live entries and whether cleaning is due. */
export function planCleaning(entries: StoredIndexEntry[], head: PartitionHead, c: CleaningConfig, now: number): CleaningPlan {
  const young = (e: StoredIndexEntry) => (e.maxTimestamp < 0 ? c.minLagMs > 0 : now - e.maxTimestamp < c.minLagMs);
  let end = Math.max(0, entries.length - 1);
  for (let i = 0; i < end; i++) {
    if (young(entries[i]!)) {
      end = i;
      break;
    }
  }
  const cleanable = entries.slice(0, end);
  const cleanedTo = Math.max(head.cleaning?.cleanedOffset ?? head.logStartOffset, head.logStartOffset);
  let firstDirty = cleanable.findIndex((e) => e.lastOffset >= cleanedTo);
  if (firstDirty < 0) firstDirty = cleanable.length;
  let total = 0;
  let dirty = 0;
  cleanable.forEach((e, i) => {
    total += e.byteLength;
    if (i >= firstDirty) dirty += e.byteLength;
  });
  const plan: CleaningPlan = { cleanable, firstDirty, dirtyRatio: total > 0 ? dirty / total : 0 };
  const oldest = cleanable[firstDirty];
  if (oldest && plan.dirtyRatio >= c.minDirtyRatio && dirty > 0) plan.reason = 'dirty-ratio';
  else if (oldest && oldest.firstTimestamp >= 0 && now - oldest.firstTimestamp >= c.maxLagMs) plan.reason = 'max-lag';
  else if (cleanable.slice(0, firstDirty).some((e) => e.deleteHorizon !== undefined && e.deleteHorizon <= now)) plan.reason = 'tombstones';
  return plan;
}

/** What one cleaning knows: the latest offset per key of the mapped range, and the clock. */
export interface CleaningContext {
  map: OffsetMap;
  now: number;
  deleteRetentionMs: number;
}

export interface CleanedRun {
  body: Buffer;
  written: StoredIndexEntry[];
  /** False when the run would be rewritten exactly as it is: no swap is needed. */
  changed: boolean;
  recordsRemoved: number;
  tombstonesRemoved: number;
}

/** One source entry after filtering: its batches (relative to the entry), what it keeps. */
interface Filtered {
  entry: StoredIndexEntry;
  batches: { bytes: Buffer; offset: number; records: number }[];
  bytes: number;
  records: number;
  horizon: number | undefined;
}

/**
 * The run's records that survive, in a new object, with index entries for it: one per
 * `indexIntervalBytes` of output at source-entry boundaries, each ending where a source
 * entry ends (as swapIndexEntries requires). Each batch is checked (CRC) as it is read.
 */
export function cleanRun(
  run: StoredIndexEntry[],
  bodies: Buffer[],
  objectKey: string,
  indexIntervalBytes: number,
  ctx: CleaningContext,
): CleanedRun {
  let changed = false;
  let recordsRemoved = 0;
  let tombstonesRemoved = 0;
  const filtered: Filtered[] = run.map((entry, i) => {
    const f = filterEntry(entry, bodies[i]!, ctx);
    recordsRemoved += f.removed;
    tombstonesRemoved += f.tombstonesRemoved;
    if (f.removed > 0 || f.out.horizon !== entry.deleteHorizon) changed = true;
    return f.out;
  });

  const parts: Buffer[] = [];
  const written: StoredIndexEntry[] = [];
  let pos = 0;
  for (let i = 0; i < filtered.length; ) {
    let j = i;
    let bytes = 0;
    do bytes += filtered[j++]!.bytes;
    while (j < filtered.length && bytes + filtered[j]!.bytes <= indexIntervalBytes);
    const group = filtered.slice(i, j);
    const base = group[0]!.entry.baseOffset;
    const batches = group.flatMap((f) => f.batches.map((b) => ({ ...b, offset: f.entry.baseOffset + b.offset })));
    // Empty batches are needed only to end the entry: drop the others.
    const kept = batches.filter((b, k) => b.records > 0 || k === batches.length - 1);
    let length = 0;
    for (const b of kept) {
      const copy = Buffer.from(b.bytes);
      setBaseOffset(copy, 0, b.offset - base);
      parts.push(copy);
      length += copy.length;
    }
    if (kept.length !== batches.length) changed = true;
    const horizons = group.flatMap((f) => (f.horizon === undefined ? [] : [f.horizon]));
    const last = group.at(-1)!.entry;
    written.push({
      baseOffset: base,
      lastOffset: last.lastOffset,
      objectKey,
      byteStart: pos,
      byteLength: length,
      recordCount: group.reduce((s, f) => s + f.records, 0),
      firstTimestamp: group[0]!.entry.firstTimestamp,
      maxTimestamp: group.reduce((m, f) => Math.max(m, f.entry.maxTimestamp), -1),
      runMax: last.runMax,
      timeMark: group.some((f) => f.entry.timeMark),
      ...(horizons.length ? { deleteHorizon: Math.max(...horizons) } : {}),
    });
    pos += length;
    i = j;
  }
  return { body: Buffer.concat(parts), written, changed, recordsRemoved, tombstonesRemoved };
}

/** One entry's batches with only their surviving records; its last batch stays, even empty. */
function filterEntry(entry: StoredIndexEntry, body: Buffer, ctx: CleaningContext) {
  const out: Filtered = { entry, batches: [], bytes: 0, records: 0, horizon: undefined };
  const expired = entry.deleteHorizon !== undefined && entry.deleteHorizon <= ctx.now;
  const horizon = entry.deleteHorizon ?? ctx.now + ctx.deleteRetentionMs;
  let removed = 0;
  let tombstonesRemoved = 0;
  const headers = readBatchHeaders(body, { verifyCrc: false });
  let at = 0;
  let index = 0;
  for (const batch of decodeEachBatch(body, { verifyCrc: false })) {
    const size = headers[index]!.sizeInBytes;
    const keep = batch.records.map((r) => {
      if (r.key === null || ctx.map.get(r.key) > entry.baseOffset + r.offset) return false;
      if (r.value !== null) return true;
      if (expired) tombstonesRemoved++;
      else out.horizon = horizon;
      return !expired;
    });
    const retained = retainRecords(body.subarray(at, at + size), (i) => keep[i]!);
    removed += batch.records.length - retained.kept;
    const last = index === headers.length - 1;
    if (retained.kept > 0 || last) {
      out.batches.push({ bytes: retained.batch, offset: batch.baseOffset, records: retained.kept });
      out.bytes += retained.batch.length;
      out.records += retained.kept;
    }
    at += size;
    index++;
  }
  return { out, removed, tombstonesRemoved };
}
