// Key compaction of one partition (cleanup.policy=compact), as Kafka's log cleaner does
// it; the decisions are cleaning.ts's. One cleaning:
//
//   1. plan      the cleanable part, the dirty share, whether cleaning is due
//   2. map       read the dirty entries from the checkpoint on, putting key -> offset into
//                the offset map, until the map is full or the cleanable part ends: the
//                mapped range ends at an entry boundary, `mapEnd`
//   3. clean     rewrite everything from the log start up to mapEnd in ranges (at most
//                MAX_ENTRIES_PER_SWAP entries and targetBytes each): a range that loses
//                nothing is left alone; the others go to a new object, swapped into the
//                index by one conditional transaction each (store.ts), the old objects
//                released and deleted after the grace period
//   4. checkpoint  the head's cleanedOffset moves to mapEnd
//
// Memory is bounded per partition: the offset map (`memoryBytes`, 24 bytes per slot,
// about 27 bytes per key at its 90 % fill; offsetMap.ts) and one range's bytes. A dirty
// part with more keys than the map holds is cleaned over several passes: each maps what
// fits and checkpoints there, the next resumes from the checkpoint (Kafka's cleaner
// checkpoint). A crash or a lost race before the checkpoint only makes the next pass do
// the same work again: cleaning what is clean changes nothing.
//
// The head of the log is never cleaned (planCleaning keeps the last entry out), so the
// partition's last record always stays. Offsets never change.
import { ConcurrentModificationError } from '../../core/errors.ts';
import type { CleaningResult } from '../../core/wire.ts';
import { decodeEachBatch } from '../../records/index.ts';
import type { StorageClients } from '../../storage/clients.ts';
import { getHead, type CleaningCheckpoint, type PartitionHead } from '../../storage/metadata.ts';
import { deleteObjects, newSegmentKey, putSegment, readRanges } from '../../storage/segments.ts';
import type { TopicConfig } from '../config.ts';
import { cleaningConfig, cleanRun, planCleaning, type CleaningPlan } from './cleaning.ts';
import { OffsetMap } from './offsetMap.ts';
import { liveEntries } from './retention.ts';
import type { StoredIndexEntry } from '../../storage/segmentIndex.ts';
import { markCleaned, MAX_ENTRIES_PER_SWAP, readIndex, swapIndexEntries } from './store.ts';

/** What the cleaner reads and writes: one partition's head, index and objects. */
export interface CleanerStore {
  head(): Promise<PartitionHead>;
  /** Every index entry, in offset order. */
  index(): Promise<StoredIndexEntry[]>;
  read(entries: StoredIndexEntry[]): Promise<Buffer[]>;
  /** Stores a new object (unreferenced until a swap) and returns its key. */
  write(body: Buffer): Promise<string>;
  /** Deletes an object no swap committed. */
  discard(objectKey: string): Promise<void>;
  /** Swaps a range; false when a concurrent change won (nothing changed then). */
  swap(replaced: StoredIndexEntry[], written: StoredIndexEntry[]): Promise<boolean>;
  checkpoint(c: CleaningCheckpoint): Promise<boolean>;
}

export interface CleanerOptions {
  now: () => number;
  /** Memory of the offset map (bytes). */
  memoryBytes: number;
  /** Input bytes of one rewritten range at most. */
  targetBytes: number;
  /** One index entry per this many bytes of a rewritten object. */
  indexIntervalBytes: number;
}

export const CLEANER_DEFAULTS = { memoryBytes: 16 * 1024 * 1024 } as const;

/** Entries read from storage at once while mapping. */
const READ_CHUNK = 16;

export async function cleanPartition(store: CleanerStore, config: TopicConfig, opts: CleanerOptions): Promise<CleaningResult> {
  const result: CleaningResult = {
    reason: 'not-due', dirtyRatio: 0, entriesMapped: 0, keysMapped: 0, rangesRewritten: 0, recordsRemoved: 0, tombstonesRemoved: 0, bytesFreed: 0, conflicts: 0,
  };
  const head = await store.head();
  if (!head.exists) return result;
  const now = opts.now();
  const c = cleaningConfig(config);
  const plan = planCleaning(liveEntries(await store.index(), head), head, c, now);
  result.dirtyRatio = plan.dirtyRatio;
  if (!plan.reason) return result;
  result.reason = plan.reason;

  const map = new OffsetMap(opts.memoryBytes);
  const mapped = plan.reason === 'tombstones' ? plan.firstDirty : await buildMap(store, plan, map);
  result.entriesMapped = mapped - plan.firstDirty;
  result.keysMapped = map.size;
  const range = plan.cleanable.slice(0, mapped);
  const ctx = { map, now, deleteRetentionMs: c.deleteRetentionMs };
  let cleanBytes = 0;
  for (const run of ranges(range, opts.targetBytes)) {
    const bodies = await store.read(run);
    const cleaned = cleanRun(run, bodies, '', opts.indexIntervalBytes, ctx);
    const before = run.reduce((s, e) => s + e.byteLength, 0);
    if (!cleaned.changed) {
      cleanBytes += before;
      continue;
    }
    const objectKey = await store.write(cleaned.body);
    const written = cleaned.written.map((w) => ({ ...w, objectKey }));
    if (!(await store.swap(run, written))) {
      result.conflicts++;
      await store.discard(objectKey);
      return result;
    }
    result.rangesRewritten++;
    result.recordsRemoved += cleaned.recordsRemoved;
    result.tombstonesRemoved += cleaned.tombstonesRemoved;
    result.bytesFreed += before - cleaned.body.length;
    cleanBytes += cleaned.body.length;
  }
  const cleanedOffset = mapped > 0 ? plan.cleanable[mapped - 1]!.lastOffset + 1 : head.logStartOffset;
  if (await store.checkpoint({ cleanedOffset, cleanBytes, lastCleanedAt: now })) result.cleanedOffset = cleanedOffset;
  return result;
}

/**
 * Puts the dirty entries' keys into the map, oldest first, while the map has room for
 * every record of the next entry; returns the index in plan.cleanable where mapping
 * stopped. The first dirty entry is always mapped (a map that cannot hold one append's
 * keys throws), so every cleaning makes progress.
 */
async function buildMap(store: CleanerStore, plan: CleaningPlan, map: OffsetMap): Promise<number> {
  let i = plan.firstDirty;
  while (i < plan.cleanable.length) {
    const chunk: StoredIndexEntry[] = [];
    let room = map.capacity - map.size;
    for (let j = i; j < plan.cleanable.length && chunk.length < READ_CHUNK; j++) {
      const e = plan.cleanable[j]!;
      if (e.recordCount > room && !(j === plan.firstDirty && chunk.length === 0)) break;
      chunk.push(e);
      room -= e.recordCount;
    }
    if (chunk.length === 0) break;
    const bodies = await store.read(chunk);
    chunk.forEach((e, k) => {
      for (const batch of decodeEachBatch(bodies[k]!)) {
        for (const r of batch.records) if (r.key !== null) map.put(r.key, e.baseOffset + r.offset);
      }
    });
    i += chunk.length;
  }
  return i;
}

/** The range to clean cut into runs of one swap each. */
function* ranges(entries: StoredIndexEntry[], targetBytes: number): Generator<StoredIndexEntry[]> {
  let run: StoredIndexEntry[] = [];
  let bytes = 0;
  for (const e of entries) {
    if (run.length > 0 && (run.length === MAX_ENTRIES_PER_SWAP || bytes + e.byteLength > targetBytes)) {
      yield run;
      run = [];
      bytes = 0;
    }
    run.push(e);
    bytes += e.byteLength;
  }
  if (run.length) yield run;
}

/** The cleaner's store over DynamoDB and S3. */
export function storageCleanerStore(clients: StorageClients, topicId: string, partition: number, now: () => number): CleanerStore {
  return {
    head: () => getHead(clients, topicId, partition),
    index: () => readIndex(clients, topicId, partition),
    read: (entries) => readRanges(clients, entries.map((e) => ({ key: e.objectKey, start: e.byteStart, length: e.byteLength }))),
    write: async (body) => {
      const key = newSegmentKey(topicId, partition);
      await putSegment(clients, key, body);
      return key;
    },
    discard: (objectKey) => deleteObjects(clients, [objectKey]).catch(() => undefined),
    swap: async (replaced, written) => {
      try {
        await swapIndexEntries(clients, { topicId, partition, replaced, written, releasedAt: now(), reason: 'cleaning' });
        return true;
      } catch (err) {
        // Any other error leaves the outcome unknown: orphan cleanup decides about the object.
        if (err instanceof ConcurrentModificationError) return false;
        throw err;
      }
    },
    checkpoint: (c) => markCleaned(clients, topicId, partition, c),
  };
}
