// Append: turn records (or a producer's raw batches) into one segment object, upload it,
// and commit it at the partition's next offsets. Validation happens before the upload,
// so a rejected append writes nothing at all.
import {
  CorruptMessageError,
  InvalidRecordError,
  InvalidRequestError,
  InvalidTxnStateError,
  MessageTooLargeError,
  OutOfOrderSequenceError,
  RecordTooLargeError,
  UnknownTopicOrPartitionError,
} from '../core/errors.ts';
import { MAX_BATCH_BYTES, MAX_HEADERS_PER_REQUEST, MAX_RECORDS_PER_REQUEST } from '../core/limits.ts';
import {
  BATCH_HEADER_SIZE,
  checkRecordLimits,
  decodeBatches,
  encodeBatch,
  recordSizeBound,
  setBaseOffset,
  setLogAppendTime,
  type RecordParts,
} from '../records/index.ts';
import type { Compression, DecodedBatch, RecordInput } from '../records/types.ts';
import type { StorageClients } from '../storage/clients.ts';
import { commitSegment, type CommitGuard, type CommitOptions } from '../storage/commit.ts';
import { getTopic, type PartitionHead, type TopicRecord } from '../storage/metadata.ts';
import { confirmProducer } from '../storage/producers.ts';
import { newSegmentKey, putSegment } from '../storage/segments.ts';
import { effectiveConfig, isCompacted, type TopicConfig } from './config.ts';
import { checkSequence, needsConfirmation, nextSeq, readStates, stateWrites, type ProducerBatch } from './idempotence.ts';

export type AppendInput = { records: RecordInput[] } | { batches: Buffer };

export interface AppendResult {
  partition: number;
  baseOffset: number;
  lastOffset: number;
}

export interface Segment {
  body: Buffer;
  recordCount: number;
  firstTimestamp: number;
  maxTimestamp: number;
  /** Set when the batches came from an idempotent producer. */
  producer?: ProducerBatch;
}

const BATCH_OVERHEAD = 61;

export async function appendToPartition(
  clients: StorageClients,
  topic: TopicRecord,
  partition: number,
  input: AppendInput,
  opts: CommitOptions & { now?: () => number; guard?: CommitGuard } = {},
): Promise<AppendResult> {
  const now = opts.now?.() ?? Date.now();
  const segment = 'records' in input ? segmentFromRecords(topic, input.records, now) : segmentFromBatches(topic, input.batches, now);
  const objectKey = newSegmentKey(topic.topicId, partition);
  // The topic may come from a cache: confirm it still exists under this id with one
  // consistent read while the upload runs, so a stale cache never appends to a deleted
  // or re-created topic. (Partition counts only grow, so a cached count is never too
  // high.) A deletion landing in the milliseconds between this read and the commit
  // loses that append together with the rest of the deleted topic, as in Kafka.
  const [, current] = await Promise.all([putSegment(clients, objectKey, segment.body), getTopic(clients, topic.name)]);
  if (current?.topicId !== topic.topicId) {
    throw new UnknownTopicOrPartitionError(`Topic '${topic.name}' was deleted${current ? ' and created again' : ''}.`, {
      topicChanged: true,
    });
  }
  const { baseOffset, lastOffset } = await commitSegment(
    clients,
    {
      topicName: topic.name,
      topicId: topic.topicId,
      partition,
      objectKey,
      byteLength: segment.body.length,
      recordCount: segment.recordCount,
      firstTimestamp: segment.firstTimestamp,
      maxTimestamp: segment.maxTimestamp,
      ...(segment.producer ? { producerCheck: producerCheck(clients, topic.topicId, partition, segment.producer, segment.recordCount, now) } : {}),
      ...(opts.guard ? { guard: opts.guard } : {}),
    },
    opts,
  );
  return { partition, baseOffset, lastOffset };
}

/**
 * `now` is fixed for the whole commit, so a resent transaction is byte-identical. The
 * producer's state is read after the head (lib/storage/producerStates.ts says why), and
 * the producer confirmed registered at most once per append, and only when that state
 * cannot vouch for it (needsConfirmation).
 */
function producerCheck(clients: StorageClients, topicId: string, partition: number, producer: ProducerBatch, count: number, now: number) {
  let confirmedAt: number | undefined;
  return async (head: PartitionHead) => {
    const [states = {}] = await readStates(clients, [{ topicId, partition, producerIds: [producer.producerId], legacyJson: head.producersJson }], now);
    if (confirmedAt === undefined && needsConfirmation(states, producer, now)) {
      await confirmProducer(clients, producer.producerId, producer.epoch, now);
      confirmedAt = now;
    }
    const verdict = checkSequence(states, producer, head.nextOffset, count, now, confirmedAt);
    return verdict.kind === 'duplicate'
      ? { duplicate: { baseOffset: verdict.baseOffset, lastOffset: verdict.lastOffset } }
      : { producerStates: stateWrites(states, verdict.states) };
  };
}

function storageCompression(topic: TopicRecord): Compression | undefined {
  const c = effectiveConfig(topic.config)['compression.type'];
  return c === 'gzip' ? 'gzip' : c === 'uncompressed' ? 'none' : undefined;
}

/**
 * Records become as few batches as `max.message.bytes` allows, laid end to end in one
 * object with offsets relative to the first. A record that cannot fit any batch alone is
 * RECORD_TOO_LARGE.
 */
export function segmentFromRecords(topic: TopicRecord, records: RecordInput[], now: number): Segment {
  if (records.length === 0) throw new InvalidRequestError('An append needs at least one record.');
  checkRecords(records);
  checkKeys(topic, records);
  const config = effectiveConfig(topic.config);
  const maxBytes = maxMessageBytes(config);
  const logAppend = config['message.timestamp.type'] === 'LogAppendTime';
  const compression = storageCompression(topic) ?? 'none';
  const stamped = records.map((r) => ({ ...r, timestamp: logAppend ? now : (r.timestamp ?? now) }));

  const batches: Buffer[] = [];
  const encode = (chunk: RecordInput[], baseOffset: number): void => {
    const batch = encodeBatch({
      records: chunk,
      baseOffset,
      compression,
      ...(logAppend ? { timestampType: 'LOG_APPEND_TIME' as const, logAppendTime: now } : {}),
    });
    if (batch.length <= maxBytes) {
      batches.push(batch);
    } else if (chunk.length === 1) {
      throw new RecordTooLargeError(
        `Record at index ${baseOffset} is ${batch.length} bytes as a batch; the topic's max.message.bytes is ${maxBytes}.`,
        { maxMessageBytes: maxBytes },
      );
    } else {
      const half = Math.ceil(chunk.length / 2);
      encode(chunk.slice(0, half), baseOffset);
      encode(chunk.slice(half), baseOffset + half);
    }
  };

  // Greedy chunks by an upper bound of each record's encoded size; encode() splits
  // further if compression overhead still pushes a chunk over the limit.
  let start = 0;
  let budget = 0;
  for (let i = 0; i < stamped.length; i++) {
    const size = recordSizeBound(stamped[i]!);
    if (i > start && budget + size > maxBytes - BATCH_OVERHEAD) {
      encode(stamped.slice(start, i), start);
      start = i;
      budget = 0;
    }
    budget += size;
  }
  encode(stamped.slice(start), start);

  let first = stamped[0]!.timestamp;
  let max = -1;
  for (const r of stamped) max = Math.max(max, r.timestamp);
  return { body: Buffer.concat(batches), recordCount: records.length, firstTimestamp: first, maxTimestamp: max };
}

/**
 * The topic's max.message.bytes, never above MAX_BATCH_BYTES: a topic configured before
 * that bound existed still stores only batches every reader can be sent.
 */
export function maxMessageBytes(config: TopicConfig): number {
  return Math.min(Number(config['max.message.bytes']), MAX_BATCH_BYTES);
}

/**
 * Records an append may take: at most MAX_RECORDS_PER_REQUEST, with at most
 * MAX_HEADERS_PER_REQUEST headers together, each within checkRecordLimits. Throws
 * before anything is written.
 */
export function checkRecords(records: readonly RecordParts[]): void {
  if (records.length > MAX_RECORDS_PER_REQUEST) {
    throw new MessageTooLargeError(`An append of ${records.length} records is over the limit of ${MAX_RECORDS_PER_REQUEST}.`, {
      limit: MAX_RECORDS_PER_REQUEST,
    });
  }
  let headers = 0;
  records.forEach((r, i) => {
    checkRecordLimits(r, i);
    headers += r.headers?.length ?? 0;
    if (headers > MAX_HEADERS_PER_REQUEST) {
      throw new MessageTooLargeError(`The records up to ${i} have more than ${MAX_HEADERS_PER_REQUEST} headers together.`, {
        record: i,
        limit: MAX_HEADERS_PER_REQUEST,
      });
    }
  });
}

/**
 * INVALID_RECORD for a record without a key in a compacted topic, as a Kafka broker
 * answers: key compaction keeps the latest record per key, and a record without one has
 * no place in that log (the cleaner would drop it).
 */
export function checkKeys(topic: TopicRecord, records: readonly { key: Buffer | Uint8Array | null }[], first = 0): void {
  if (!isCompacted(effectiveConfig(topic.config))) return;
  const i = records.findIndex((r) => r.key === null);
  if (i >= 0) {
    throw new InvalidRecordError(
      `Compacted topic '${topic.name}' cannot accept a record without a key (record ${first + i}). Nothing was written.`,
      { record: first + i },
    );
  }
}

/**
 * RECORD_TOO_LARGE unless each record alone fits the topic's max.message.bytes as the
 * log will store it. Cheap for records clearly below the limit; the few near or over it
 * are encoded exactly.
 */
export function checkRecordSizes(topic: TopicRecord, records: readonly RecordInput[]): void {
  const config = effectiveConfig(topic.config);
  const maxBytes = maxMessageBytes(config);
  const compression: Compression = config['compression.type'] === 'gzip' ? 'gzip' : 'none';
  records.forEach((r, i) => {
    const bound = recordSizeBound(r);
    const slack = compression === 'gzip' ? Math.ceil(bound / 1000) + 64 : 0;
    if (bound + BATCH_HEADER_SIZE + slack <= maxBytes) return;
    const size = encodeBatch({ records: [{ ...r, timestamp: r.timestamp ?? 0 }], compression }).length;
    if (size > maxBytes) {
      throw new RecordTooLargeError(
        `Record ${i} is ${size} bytes as a batch; the topic's max.message.bytes is ${maxBytes}. Nothing was written.`,
        { maxMessageBytes: maxBytes, record: i },
      );
    }
  });
}

/**
 * A producer's batches are checked whole (CRC, lengths, every record parses, offsets
 * consecutive) and stored as sent, but with base offsets made relative to the segment.
 * They are re-encoded only when the topic's compression.type asks for another codec.
 */
export function segmentFromBatches(topic: TopicRecord, body: Buffer, now: number, opts: { transactional?: boolean } = {}): Segment {
  const config = effectiveConfig(topic.config);
  const maxBytes = maxMessageBytes(config);
  const logAppend = config['message.timestamp.type'] === 'LogAppendTime';
  const wanted = storageCompression(topic);
  const decoded = decodeBatches(body);

  const parts: Buffer[] = [];
  let count = 0;
  let firstTimestamp = Number.NaN;
  let maxTimestamp = -1;
  let at = 0;
  decoded.forEach((batch, i) => {
    checkProducedBatch(batch, i, maxBytes, opts.transactional ?? false);
    batch.records.forEach((r, k) => checkRecordLimits(r, count + k));
    checkKeys(topic, batch.records, count);
    let bytes: Buffer = Buffer.from(body.subarray(at, at + batch.sizeInBytes));
    at += batch.sizeInBytes;
    if (wanted !== undefined && wanted !== batch.compression) bytes = reencode(batch, wanted);
    setBaseOffset(bytes, 0, count);
    if (logAppend) setLogAppendTime(bytes, 0, now);
    if (bytes.length > maxBytes) {
      throw new RecordTooLargeError(`Batch ${i} is ${bytes.length} bytes stored; max.message.bytes is ${maxBytes}.`);
    }
    parts.push(bytes);
    for (const r of batch.records) {
      const ts = logAppend ? now : r.timestamp;
      if (Number.isNaN(firstTimestamp)) firstTimestamp = ts;
      maxTimestamp = Math.max(maxTimestamp, ts);
    }
    count += batch.recordCount;
  });
  const producer = producerOf(decoded);
  return { body: Buffer.concat(parts), recordCount: count, firstTimestamp, maxTimestamp, ...(producer ? { producer } : {}) };
}

/**
 * The producer identity of a request's batches: all from one idempotent producer with
 * consecutive sequences, or all without a producer id.
 */
function producerOf(batches: DecodedBatch[]): ProducerBatch | undefined {
  const first = batches[0]!;
  if (first.producerId < 0n) {
    if (batches.some((b) => b.producerId >= 0n)) {
      throw new InvalidRequestError('Batches of one request must all come from the same producer.');
    }
    return undefined;
  }
  let expected = first.baseSequence;
  for (const [i, b] of batches.entries()) {
    if (b.producerId !== first.producerId || b.producerEpoch !== first.producerEpoch) {
      throw new InvalidRequestError('Batches of one request must all come from the same producer and epoch.');
    }
    if (b.baseSequence < 0 || b.baseSequence !== expected) {
      throw new OutOfOrderSequenceError(`Batch ${i} has sequence ${b.baseSequence}; expected ${expected}.`, {
        expectedSequence: expected,
      });
    }
    expected = nextSeq(b.baseSequence, b.recordCount);
  }
  return {
    producerId: first.producerId.toString(),
    epoch: first.producerEpoch,
    firstSeq: first.baseSequence,
    lastSeq: nextSeq(batches.at(-1)!.baseSequence, batches.at(-1)!.recordCount - 1),
  };
}

/**
 * Transactional batches (Kafka's attribute bit 4) are taken only into a transactional
 * producer's staged transaction (`transactional`), never appended on their own; control
 * batches (commit/abort markers) never: Sluice's log has none.
 */
function checkProducedBatch(batch: DecodedBatch, i: number, maxBytes: number, transactional: boolean): void {
  if (batch.isControl) throw new InvalidRequestError(`Batch ${i} is a control batch; the log holds no transaction markers.`);
  if (batch.isTransactional && !transactional) {
    throw new InvalidTxnStateError(`Batch ${i} is transactional; transactional batches are staged in their producer's transaction, never appended alone.`);
  }
  if (batch.recordCount < 1) throw new CorruptMessageError(`Batch ${i} holds no records.`);
  if (batch.lastOffsetDelta !== batch.recordCount - 1) {
    throw new CorruptMessageError(
      `Batch ${i} has lastOffsetDelta ${batch.lastOffsetDelta} for ${batch.recordCount} records.`,
    );
  }
  batch.records.forEach((r, k) => {
    if (r.offset - batch.baseOffset !== k) {
      throw new CorruptMessageError(`Batch ${i}: record ${k} has offset delta ${r.offset - batch.baseOffset}; deltas must be consecutive from 0.`);
    }
  });
  if (batch.sizeInBytes > maxBytes) {
    throw new RecordTooLargeError(
      `Batch ${i} is ${batch.sizeInBytes} bytes; the topic's max.message.bytes is ${maxBytes}.`,
      { maxMessageBytes: maxBytes },
    );
  }
}

function reencode(batch: DecodedBatch, compression: Compression): Buffer {
  return encodeBatch({
    records: batch.records.map((r) => ({ key: r.key, value: r.value, headers: r.headers, timestamp: r.timestamp })),
    compression,
    timestampType: batch.timestampType,
    ...(batch.timestampType === 'LOG_APPEND_TIME' ? { logAppendTime: batch.maxTimestamp } : {}),
    partitionLeaderEpoch: batch.partitionLeaderEpoch,
    producerId: batch.producerId,
    producerEpoch: batch.producerEpoch,
    baseSequence: batch.baseSequence,
    isTransactional: batch.isTransactional,
  });
}
