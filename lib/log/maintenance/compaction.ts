// Compaction: every append is its own S3 object, so a busy partition collects many small
// ones, and a fetch pays one GET per object it touches. Compaction copies runs of small
// adjacent segments into one object and swaps their index entries for entries into it,
// in one conditional transaction per run. Offsets, keys, values, headers and timestamps
// are unchanged: the batches are copied byte for byte, only their (CRC-free) baseOffset
// is rewritten relative to the new entry. (Kafka's key compaction is cleaner.ts.)
//
// Policy:
// - A unit is a maximal run of consecutive entries in one object (a compacted object has
//   one entry per `indexIntervalBytes`, so a fetch reads about 1 MiB of it, not all of it).
// - Runs are formed greedily from the oldest: adjacent units smaller than the target,
//   up to `targetBytes` in total and MAX_ENTRIES_PER_SWAP entries (one transaction).
// - A run is merged only if no unit in it is more than half of it; otherwise it is split
//   around its largest unit and the halves considered again. Every byte copied lands in
//   an object at least twice the size of the one it left, so each byte is rewritten at
//   most log2(target / smallest segment) times (size-tiered, as in LSM trees), and a
//   large object is not rewritten to absorb a few small ones.
// - A pass repeats this for up to `maxRounds` rounds, since one transaction can merge at
//   most 98 entries.
// - Key-compacted entries: an entry whose tombstones have a delete horizon is merged only
//   with entries that have one too (the merged entry keeps the latest), never with
//   entries not cleaned yet, whose tombstones have no horizon to inherit.
import { ConcurrentModificationError, CorruptMessageError } from '../../core/errors.ts';
import type { CompactionResult } from '../../core/wire.ts';
import { readBatchHeaders, setBaseOffset } from '../../records/index.ts';
import type { StorageClients } from '../../storage/clients.ts';
import { getHead } from '../../storage/metadata.ts';
import { deleteObjects, newSegmentKey, putSegment, readRanges } from '../../storage/segments.ts';
import { liveEntries } from './retention.ts';
import type { StoredIndexEntry } from '../../storage/segmentIndex.ts';
import { MAX_ENTRIES_PER_SWAP, readIndex, swapIndexEntries } from './store.ts';

export interface CompactionOptions {
  /** Merged objects grow up to about this size. */
  targetBytes: number;
  /** One index entry per this many bytes of a merged object (at entry boundaries). */
  indexIntervalBytes: number;
  maxRounds: number;
  now: () => number;
}

interface Unit {
  entries: StoredIndexEntry[];
  bytes: number;
}

/** Runs of entries worth merging, in offset order; see the policy above. */
export function planRuns(entries: StoredIndexEntry[], targetBytes: number, maxEntries = MAX_ENTRIES_PER_SWAP): StoredIndexEntry[][] {
  const units: Unit[] = [];
  for (const e of entries) {
    const last = units.at(-1);
    const prev = last?.entries.at(-1);
    if (last && prev!.objectKey === e.objectKey && prev!.lastOffset + 1 === e.baseOffset && (prev!.deleteHorizon === undefined) === (e.deleteHorizon === undefined)) {
      last.entries.push(e);
      last.bytes += e.byteLength;
    } else {
      units.push({ entries: [e], bytes: e.byteLength });
    }
  }

  const runs: StoredIndexEntry[][] = [];
  let current: Unit[] = [];
  let bytes = 0;
  let count = 0;
  const flush = () => {
    for (const run of tiered(current)) runs.push(run.flatMap((u) => u.entries));
    current = [];
    bytes = 0;
    count = 0;
  };
  for (const u of units) {
    const prev = current.at(-1)?.entries.at(-1);
    const contiguous =
      !prev || (prev.lastOffset + 1 === u.entries[0]!.baseOffset && (prev.deleteHorizon === undefined) === (u.entries[0]!.deleteHorizon === undefined));
    if (u.bytes >= targetBytes || u.entries.length > maxEntries || !contiguous) {
      flush();
      if (u.bytes >= targetBytes || u.entries.length > maxEntries) continue;
    }
    if (bytes + u.bytes > targetBytes || count + u.entries.length > maxEntries) flush();
    current.push(u);
    bytes += u.bytes;
    count += u.entries.length;
  }
  flush();
  return runs;
}

function tiered(units: Unit[]): Unit[][] {
  if (units.length < 2) return [];
  let total = 0;
  let big = 0;
  units.forEach((u, i) => {
    total += u.bytes;
    if (u.bytes > units[big]!.bytes) big = i;
  });
  if (units[big]!.bytes * 2 <= total) return [units];
  return [...tiered(units.slice(0, big)), ...tiered(units.slice(big + 1))];
}

/**
 * The merged object of a run and its index entries. Each input batch is checked (CRC,
 * offsets consecutive and exactly covering its entry) before it is copied, so a corrupt
 * segment is never given a new home.
 */
export function rewriteRun(
  run: StoredIndexEntry[],
  bodies: Buffer[],
  objectKey: string,
  indexIntervalBytes: number,
): { body: Buffer; written: StoredIndexEntry[] } {
  const parts: Buffer[] = [];
  const written: StoredIndexEntry[] = [];
  let pos = 0;
  for (let i = 0; i < run.length; ) {
    let j = i;
    let bytes = 0;
    do bytes += run[j++]!.byteLength;
    while (j < run.length && bytes + run[j]!.byteLength <= indexIntervalBytes);
    const group = run.slice(i, j);
    const base = group[0]!.baseOffset;
    group.forEach((e, k) => parts.push(rebase(e, bodies[i + k]!, base)));
    const horizons = group.flatMap((e) => (e.deleteHorizon === undefined ? [] : [e.deleteHorizon]));
    written.push({
      baseOffset: base,
      lastOffset: group.at(-1)!.lastOffset,
      objectKey,
      byteStart: pos,
      byteLength: bytes,
      recordCount: group.reduce((s, e) => s + e.recordCount, 0),
      firstTimestamp: group[0]!.firstTimestamp,
      maxTimestamp: group.reduce((m, e) => Math.max(m, e.maxTimestamp), -1),
      // Same lastOffset as the last entry it replaces, so the same running max timestamp.
      runMax: group.at(-1)!.runMax,
      timeMark: group.some((e) => e.timeMark),
      ...(horizons.length ? { deleteHorizon: Math.max(...horizons) } : {}),
    });
    pos += bytes;
    i = j;
  }
  return { body: Buffer.concat(parts), written };
}

/** A copy of an entry's batches with base offsets relative to `base` instead of the entry's own. */
function rebase(e: StoredIndexEntry, body: Buffer, base: number): Buffer {
  const out = Buffer.from(body);
  const where = `segment ${e.objectKey} (offsets ${e.baseOffset}..${e.lastOffset})`;
  if (out.length !== e.byteLength) throw new CorruptMessageError(`${where}: read ${out.length} bytes, expected ${e.byteLength}.`);
  let at = 0;
  let next = e.baseOffset;
  // Key compaction leaves gaps between batches (never overlaps), and always ends an
  // entry with a batch ending at its lastOffset.
  for (const h of readBatchHeaders(out)) {
    const offset = e.baseOffset + h.baseOffset;
    if (offset < next) throw new CorruptMessageError(`${where}: batch at byte ${at} starts at offset ${offset}, before ${next}.`);
    setBaseOffset(out, at, offset - base);
    at += h.sizeInBytes;
    next = offset + h.lastOffsetDelta + 1;
  }
  if (next !== e.lastOffset + 1) throw new CorruptMessageError(`${where}: batches end at offset ${next - 1}.`);
  return out;
}

interface PreparedRun {
  run: StoredIndexEntry[];
  objectKey: string;
  written: StoredIndexEntry[];
  bytes: number;
}

/** Reads a run, writes its merged object (not yet referenced by anything). */
export async function prepareRun(
  clients: StorageClients,
  topicId: string,
  partition: number,
  run: StoredIndexEntry[],
  indexIntervalBytes: number,
): Promise<PreparedRun> {
  const bodies = await readRanges(clients, run.map((e) => ({ key: e.objectKey, start: e.byteStart, length: e.byteLength })));
  const objectKey = newSegmentKey(topicId, partition);
  const { body, written } = rewriteRun(run, bodies, objectKey, indexIntervalBytes);
  await putSegment(clients, objectKey, body);
  return { run, objectKey, written, bytes: body.length };
}

/** Swaps a prepared run into the index; false if a concurrent change won (nothing changed then). */
export async function commitRun(
  clients: StorageClients,
  topicId: string,
  partition: number,
  p: PreparedRun,
  now: () => number,
): Promise<boolean> {
  try {
    await swapIndexEntries(clients, { topicId, partition, replaced: p.run, written: p.written, releasedAt: now() });
    return true;
  } catch (err) {
    if (!(err instanceof ConcurrentModificationError)) throw err; // outcome unknown: orphan cleanup decides later
    // Definitely not committed, so nobody references the new object: it can go now.
    await deleteObjects(clients, [p.objectKey]).catch(() => undefined);
    return false;
  }
}

/** Runs whose objects are read and written at once; their swaps are sequential (one head). */
const PREPARE_CONCURRENCY = 4;

export async function compactPartition(
  clients: StorageClients,
  topicId: string,
  partition: number,
  opts: CompactionOptions,
): Promise<CompactionResult> {
  const result: CompactionResult = { runs: 0, segmentsCompacted: 0, entriesWritten: 0, bytesRewritten: 0, conflicts: 0 };
  for (let round = 0; round < opts.maxRounds; round++) {
    const head = await getHead(clients, topicId, partition);
    if (!head.exists) break;
    const runs = planRuns(liveEntries(await readIndex(clients, topicId, partition), head), opts.targetBytes);
    let merged = 0;
    for (let i = 0; i < runs.length; i += PREPARE_CONCURRENCY) {
      const group = runs.slice(i, i + PREPARE_CONCURRENCY);
      const prepared = await Promise.all(group.map((run) => prepareRun(clients, topicId, partition, run, opts.indexIntervalBytes)));
      for (const p of prepared) {
        if (!(await commitRun(clients, topicId, partition, p, opts.now))) {
          result.conflicts++;
          continue;
        }
        merged++;
        result.runs++;
        result.segmentsCompacted += p.run.length;
        result.entriesWritten += p.written.length;
        result.bytesRewritten += p.bytes;
      }
    }
    if (merged === 0) break;
  }
  return result;
}
