// Retention (Kafka's delete policy): whole segments go from the front of the log when
// their newest record is older than retention.ms, or while the log without them is still
// at least retention.bytes. Only whole index entries are removed, only from the front, and
// logStartOffset moves with them in the same transaction (store.ts), so
// offsets never restart: with everything expired, logStartOffset = nextOffset.
import { ConcurrentModificationError } from '../../core/errors.ts';
import type { RetentionResult } from '../../core/wire.ts';
import type { StorageClients } from '../../storage/clients.ts';
import type { StoredIndexEntry } from '../../storage/segmentIndex.ts';
import { advanceLogStart, MAX_ENTRIES_PER_ADVANCE, readIndex } from './store.ts';
import { getHead, type PartitionHead, type TopicRecord } from '../../storage/metadata.ts';
import { effectiveConfig, hasRetention } from '../config.ts';

const MAX_CONFLICTS = 3;

/** Entries holding committed offsets in [logStartOffset, nextOffset). */
export const liveEntries = <E extends { baseOffset: number; lastOffset: number }>(entries: E[], head: PartitionHead): E[] =>
  entries.filter((e) => e.lastOffset >= head.logStartOffset && e.baseOffset < head.nextOffset);

/**
 * How many entries from the front retention removes, as Kafka decides it: the longest
 * prefix whose every entry's max timestamp is more than retentionMs before now, or the
 * longest prefix whose removal leaves the log at or above retentionBytes, whichever is
 * longer. -1 disables either rule.
 */
export function expiredCount(
  entries: { byteLength: number; maxTimestamp: number }[],
  now: number,
  retentionMs: number,
  retentionBytes: number,
): number {
  let byTime = 0;
  if (retentionMs >= 0) {
    // An entry without timestamps (max -1, producer batches may carry none) has no age:
    // it is never taken for old, and retention by time stops there (size still applies).
    const old = (e: { maxTimestamp: number }) => e.maxTimestamp >= 0 && now - e.maxTimestamp > retentionMs;
    while (byTime < entries.length && old(entries[byTime]!)) byTime++;
  }
  let bySize = 0;
  if (retentionBytes >= 0) {
    let size = entries.reduce((s, e) => s + e.byteLength, 0);
    while (bySize < entries.length && size - entries[bySize]!.byteLength >= retentionBytes) {
      size -= entries[bySize]!.byteLength;
      bySize++;
    }
  }
  return Math.max(byTime, bySize);
}

export async function applyRetention(
  clients: StorageClients,
  topic: TopicRecord,
  partition: number,
  now: () => number,
): Promise<RetentionResult> {
  const config = effectiveConfig(topic.config);
  const retentionMs = Number(config['retention.ms']);
  const retentionBytes = Number(config['retention.bytes']);
  const result: RetentionResult = { segmentsExpired: 0, recordsExpired: 0, bytesExpired: 0, conflicts: 0 };
  // A compact-only topic keeps the latest record of every key however old (Kafka's rule).
  if (!hasRetention(config) || (retentionMs < 0 && retentionBytes < 0)) return result;

  attempt: for (;;) {
    const head = await getHead(clients, topic.topicId, partition);
    if (!head.exists) return result;
    const entries: StoredIndexEntry[] = liveEntries(await readIndex(clients, topic.topicId, partition), head);
    const expired = expiredCount(entries, now(), retentionMs, retentionBytes);
    let from = head.logStartOffset;
    for (let i = 0; i < expired; i += MAX_ENTRIES_PER_ADVANCE) {
      const chunk = entries.slice(i, Math.min(expired, i + MAX_ENTRIES_PER_ADVANCE));
      const to = chunk.at(-1)!.lastOffset + 1;
      const cleanedTo = head.cleaning?.cleanedOffset ?? 0;
      const cleanBytesRemoved = chunk.reduce((s, e) => s + (e.lastOffset < cleanedTo ? e.byteLength : 0), 0);
      try {
        await advanceLogStart(clients, { topicId: topic.topicId, partition, from, to, entries: chunk, releasedAt: now(), cleanBytesRemoved });
      } catch (err) {
        if (!(err instanceof ConcurrentModificationError)) throw err;
        if (++result.conflicts >= MAX_CONFLICTS) return result;
        continue attempt;
      }
      from = to;
      result.segmentsExpired += chunk.length;
      for (const e of chunk) {
        result.recordsExpired += e.recordCount;
        result.bytesExpired += e.byteLength;
      }
    }
    return result;
  }
}
