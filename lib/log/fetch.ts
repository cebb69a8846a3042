// Fetch and list offsets. A read costs one consistent head read, one index query and one
// ranged GET per segment object it touches, whatever the length of the log: the index is
// keyed by lastOffset, so the query starts at the entry holding the wanted offset. A read
// of the newest records (at or past the head's tailBase) needs no query: their entries
// are on the head (lib/storage/commit.ts).
import { OffsetOutOfRangeError, RequestTimedOutError } from '../core/errors.ts';
import { FETCH_LIMITS } from '../core/wire.ts';
import { decodeEachBatch, readBatchHeaders, setBaseOffset } from '../records/index.ts';
import type { DecodedRecord, TimestampType } from '../records/types.ts';
import type { StorageClients } from '../storage/clients.ts';
import {
  getHead,
  type IndexEntry,
  type PartitionHead,
  type TopicRecord,
} from '../storage/metadata.ts';
import { queryIndexByTime, queryIndexFrom } from '../storage/segmentIndex.ts';
import { readRanges } from '../storage/segments.ts';
import { tailFrom, withTail } from '../storage/tail.ts';
import type { HeadWatch } from './watch.ts';

export interface FetchOptions {
  offset: number;
  maxRecords?: number;
  maxBytes?: number;
  /** Long-poll up to this long when `offset` is the high watermark. */
  waitMs?: number;
  signal?: AbortSignal;
}

export interface FetchedRecord extends DecodedRecord {
  timestampType: TimestampType;
}

export interface FetchPosition {
  /** Where the next fetch continues. */
  nextOffset: number;
  highWatermark: number;
  logStartOffset: number;
}

export interface FetchResult extends FetchPosition {
  records: FetchedRecord[];
}

export interface FetchBatchesResult extends FetchPosition {
  /** Whole RecordBatch v2 blocks with absolute base offsets. */
  batches: Buffer;
}

/** Index entries read per fetch at most: bounds the work of one request. */
const MAX_ENTRIES = 100;
/** Re-queries when the index was caught mid-swap (see entriesFor). */
const SWAP_RETRIES = 5;

/** Position checks and the long poll shared by both fetch forms. */
async function headFor(
  clients: StorageClients,
  watch: HeadWatch,
  topic: TopicRecord,
  partition: number,
  opts: FetchOptions,
): Promise<PartitionHead> {
  let head = await getHead(clients, topic.topicId, partition);
  checkRange(head, opts.offset);
  if (opts.offset === head.nextOffset && (opts.waitMs ?? 0) > 0) {
    head = await watch.waitBeyond(topic.topicId, partition, opts.offset, opts.waitMs!, opts.signal, head);
    checkRange(head, opts.offset);
  }
  return head;
}

function checkRange(head: PartitionHead, offset: number): void {
  if (offset < head.logStartOffset || offset > head.nextOffset) {
    throw new OffsetOutOfRangeError(
      `Offset ${offset} is outside the log [${head.logStartOffset}, ${head.nextOffset}] of partition ${head.partition}.`,
      { logStartOffset: head.logStartOffset, highWatermark: head.nextOffset },
    );
  }
}

/** Index entries from `offset` that hold committed data (below the head we read), within byte budget. */
async function entriesFor(
  clients: StorageClients,
  topic: TopicRecord,
  partition: number,
  head: PartitionHead,
  offset: number,
  maxRecords: number,
  maxBytes: number,
): Promise<IndexEntry[]> {
  const limit = Math.min(MAX_ENTRIES, maxRecords);
  // A Query is read-committed, not a snapshot: it may see half of a compaction's swap
  // (old entries gone, their replacement not yet, or both). So the entries used must
  // start at `offset` and be contiguous; a first entry past `offset` means a swap was
  // caught mid-way, and the query is simply asked again.
  // The newest entries are on the head we read (its tail): from there on, no query at all.
  let found: IndexEntry[] = offset >= head.tailBase ? tailFrom(head, offset) : [];
  for (let attempt = 0; offset < head.tailBase; attempt++) {
    found = withTail(head, await queryIndexFrom(clients, topic.topicId, partition, offset, { entries: limit, bytes: maxBytes }), offset);
    if (!found[0] || found[0].baseOffset <= offset || found[0].baseOffset >= head.nextOffset) break;
    if (attempt === SWAP_RETRIES) {
      throw new RequestTimedOutError(`The index of partition ${partition} is being rewritten; retry.`, {
        dependency: 'dynamodb',
        retryAfterSeconds: 1,
      });
    }
    await new Promise((r) => setTimeout(r, 20 * (attempt + 1)));
  }
  const chosen: IndexEntry[] = [];
  let bytes = 0;
  let records = 0;
  for (const e of found) {
    if (e.baseOffset >= head.nextOffset) break;
    const previous = chosen.at(-1);
    if (previous && e.baseOffset !== previous.lastOffset + 1) break;
    // Always take the first entry, so a batch larger than maxBytes still makes progress.
    if (chosen.length > 0 && (bytes + e.byteLength > maxBytes || records >= maxRecords)) break;
    chosen.push(e);
    bytes += e.byteLength;
    // At most this many records (fewer once key compaction removed some).
    records += Math.min(e.recordCount, e.lastOffset + 1 - Math.max(offset, e.baseOffset));
  }
  return chosen;
}

/** What a record weighs against maxBytes: its key, value and headers. */
function recordBytes(r: DecodedRecord): number {
  let size = (r.key?.length ?? 0) + (r.value?.length ?? 0);
  for (const h of r.headers) size += h.key.length + (h.value?.length ?? 0);
  return size;
}

export async function fetchRecords(
  clients: StorageClients,
  watch: HeadWatch,
  topic: TopicRecord,
  partition: number,
  opts: FetchOptions,
): Promise<FetchResult> {
  const maxRecords = opts.maxRecords ?? FETCH_LIMITS.maxRecords.default;
  const maxBytes = opts.maxBytes ?? FETCH_LIMITS.maxBytes.default;
  const head = await headFor(clients, watch, topic, partition, opts);
  const position = { highWatermark: head.nextOffset, logStartOffset: head.logStartOffset };
  if (opts.offset >= head.nextOffset) return { records: [], nextOffset: opts.offset, ...position };

  const entries = await entriesFor(clients, topic, partition, head, opts.offset, maxRecords, maxBytes);
  const bodies = await readRanges(clients, entries.map((e) => ({ key: e.objectKey, start: e.byteStart, length: e.byteLength })));
  const records: FetchedRecord[] = [];
  let bytes = 0;
  let next = opts.offset;
  // Batches are decoded one at a time and only while more records are wanted; the first
  // record is taken whatever its size, so a fetch always gets past it (as Kafka's does).
  // Key compaction leaves gaps: offsets with no record inside a batch, between batches and
  // in whole batches left empty. A batch read to its end moves `next` to its end, so the
  // reader continues after the gap, never at an offset that holds nothing.
  outer: for (let i = 0; i < entries.length; i++) {
    const base = entries[i]!.baseOffset;
    for (const batch of decodeEachBatch(bodies[i]!)) {
      for (const r of batch.records) {
        const offset = r.offset + base;
        if (offset < opts.offset) continue;
        if (offset >= head.nextOffset) break outer;
        const size = recordBytes(r);
        if (records.length >= maxRecords || (records.length > 0 && bytes + size > maxBytes)) break outer;
        records.push({ ...r, offset, timestampType: batch.timestampType });
        bytes += size;
        next = offset + 1;
      }
      next = Math.min(head.nextOffset, Math.max(next, base + batch.baseOffset + batch.lastOffsetDelta + 1));
    }
  }
  return { records, nextOffset: next, ...position };
}

/**
 * Raw batches for Kafka-speaking clients: whole batches as stored (the first may start
 * before `offset`; clients skip those records, as with a Kafka broker), base offsets made
 * absolute. Only batches entirely below the high watermark are returned.
 */
export async function fetchBatches(
  clients: StorageClients,
  watch: HeadWatch,
  topic: TopicRecord,
  partition: number,
  opts: FetchOptions,
): Promise<FetchBatchesResult> {
  const maxBytes = opts.maxBytes ?? FETCH_LIMITS.maxBytes.default;
  const head = await headFor(clients, watch, topic, partition, opts);
  const position = { highWatermark: head.nextOffset, logStartOffset: head.logStartOffset };
  if (opts.offset >= head.nextOffset) return { batches: Buffer.alloc(0), nextOffset: opts.offset, ...position };

  const entries = await entriesFor(clients, topic, partition, head, opts.offset, opts.maxRecords ?? Number.MAX_SAFE_INTEGER, maxBytes);
  const bodies = await readRanges(clients, entries.map((e) => ({ key: e.objectKey, start: e.byteStart, length: e.byteLength })));
  const out: Buffer[] = [];
  let size = 0;
  let next = opts.offset;
  outer: for (let i = 0; i < entries.length; i++) {
    const body = Buffer.from(bodies[i]!);
    let at = 0;
    for (const h of readBatchHeaders(body)) {
      const base = h.baseOffset + entries[i]!.baseOffset;
      const last = base + h.lastOffsetDelta;
      if (last >= opts.offset) {
        if (last >= head.nextOffset || (out.length > 0 && size + h.sizeInBytes > maxBytes)) break outer;
        const batch = body.subarray(at, at + h.sizeInBytes);
        setBaseOffset(batch, 0, base);
        out.push(batch);
        size += h.sizeInBytes;
        next = last + 1;
      }
      at += h.sizeInBytes;
    }
  }
  return { batches: Buffer.concat(out), nextOffset: next, ...position };
}

/**
 * earliest = log start, latest = high watermark, a timestamp = the first offset whose
 * record timestamp is at or after it (the high watermark if none is).
 */
export async function offsetForPosition(
  clients: StorageClients,
  topic: TopicRecord,
  partition: number,
  at: 'earliest' | 'latest' | number,
): Promise<number> {
  const head = await getHead(clients, topic.topicId, partition);
  if (at === 'earliest') return head.logStartOffset;
  if (at === 'latest') return head.nextOffset;
  // Running max timestamps: the first entry reaching `at` is in the table if any there
  // does (it holds all below tailBase), else it is the first of the head's tail that does.
  const entry = (await queryIndexByTime(clients, topic.topicId, partition, at)) ?? head.tail.find((e) => e.maxTimestamp >= at);
  if (!entry || entry.baseOffset >= head.nextOffset) return head.nextOffset;
  const [body] = await readRanges(clients, [{ key: entry.objectKey, start: entry.byteStart, length: entry.byteLength }]);
  for (const batch of decodeEachBatch(body!)) {
    for (const r of batch.records) {
      const offset = r.offset + entry.baseOffset;
      if (r.timestamp >= at && offset >= head.logStartOffset) return offset;
    }
  }
  return Math.max(entry.lastOffset + 1, head.logStartOffset);
}

/**
 * The whole batches at the front of `batches` (as fetchBatches answers them, offsets
 * absolute) whose total size `fits`: their byte length and the offset after them. When
 * not even the first fits, `bytes` is 0 and `firstBatchBytes` and `firstBaseOffset` say
 * how large it is and where it starts.
 */
export function batchesThatFit(
  batches: Buffer,
  fits: (bytes: number) => boolean,
): { bytes: number; nextOffset?: number; firstBatchBytes?: number; firstBaseOffset?: number } {
  let bytes = 0;
  let nextOffset: number | undefined;
  for (const h of readBatchHeaders(batches, { verifyCrc: false })) {
    if (!fits(bytes + h.sizeInBytes)) {
      return bytes === 0 ? { bytes, firstBatchBytes: h.sizeInBytes, firstBaseOffset: h.baseOffset } : { bytes, ...(nextOffset !== undefined ? { nextOffset } : {}) };
    }
    bytes += h.sizeInBytes;
    nextOffset = h.baseOffset + h.lastOffsetDelta + 1;
  }
  return { bytes, ...(nextOffset !== undefined ? { nextOffset } : {}) };
}
