// Decoding Kafka RecordBatch v2 blocks (layout.ts): every header field checked, the CRC
// verified, every record parsed. Input comes from clients, so decoding is bounded as it
// goes, never after the fact: a gzip section is inflated only up to what the request may
// still decompress, and a batch's record count and each record's header count are
// checked against what is left before anything is allocated for them. A tiny batch that
// would inflate to gigabytes or carry millions of headers stops at the limit with
// MESSAGE_TOO_LARGE (413) or INVALID_RECORD (400), having cost no more than the limit.
import {
  CorruptMessageError,
  InvalidRecordError,
  MessageTooLargeError,
  type ErrorDetails,
} from '../core/errors.ts';
import {
  MAX_DECOMPRESSED_BYTES_PER_REQUEST,
  MAX_HEADERS_PER_RECORD,
  MAX_HEADERS_PER_REQUEST,
  MAX_RECORDS_PER_REQUEST,
} from '../core/limits.ts';
import { compressionFromAttributes, decompress } from './compression.ts';
import { crc32c } from './crc32c.ts';
import {
  ATTRIBUTES,
  BASE_OFFSET,
  BASE_SEQUENCE,
  BASE_TIMESTAMP,
  BATCH_HEADER_SIZE,
  BATCH_LENGTH,
  BATCH_LOG_OVERHEAD,
  CONTROL_BIT,
  CRC,
  LAST_OFFSET_DELTA,
  MAGIC,
  MAGIC_V2,
  MAX_TIMESTAMP,
  MIN_BATCH_LENGTH,
  MIN_RECORD_SIZE,
  PARTITION_LEADER_EPOCH,
  PRODUCER_EPOCH,
  PRODUCER_ID,
  RECORDS_COUNT,
  TIMESTAMP_TYPE_BIT,
  TRANSACTIONAL_BIT,
} from './layout.ts';
import type { BatchHeader, DecodedBatch, DecodedRecord, RecordHeader } from './types.ts';
import { Reader } from './varint.ts';

/** What one decodeBatches call may cost, over all the batches it decodes together. */
export interface DecodeLimits {
  /** Bytes the gzip sections may inflate to, all together. */
  decompressedBytes: number;
  /** Records, all batches together. */
  records: number;
  /** Headers, all records together. */
  headers: number;
  /** Headers of any one record. */
  headersPerRecord: number;
}

/** The bounds of one produce request (lib/core/limits.ts): the default. */
export const REQUEST_LIMITS: Readonly<DecodeLimits> = {
  decompressedBytes: MAX_DECOMPRESSED_BYTES_PER_REQUEST,
  records: MAX_RECORDS_PER_REQUEST,
  headers: MAX_HEADERS_PER_REQUEST,
  headersPerRecord: MAX_HEADERS_PER_RECORD,
};

export interface DecodeOptions {
  /** Check each batch's CRC-32C (default true). */
  verifyCrc?: boolean;
  /** Bounds for this call, all batches together (default REQUEST_LIMITS). */
  limits?: Readonly<DecodeLimits>;
}

function corrupt(message: string, details?: ErrorDetails, cause?: unknown): never {
  throw new CorruptMessageError(message, details, cause);
}

function hex(n: number): string {
  return `0x${n.toString(16).padStart(8, '0')}`;
}

/** int64 header field as a number; a value beyond 2^53 cannot be a real offset or timestamp. */
function int64Field(buf: Buffer, at: number, where: string, field: string): number {
  const n = buf.readInt32BE(at) * 4294967296 + buf.readUInt32BE(at + 4);
  if (!Number.isSafeInteger(n)) corrupt(`${where}: ${field} is beyond 2^53`);
  return n;
}

/** Validates and decodes the header of the batch starting at `pos`. */
export function headerAt(buf: Buffer, pos: number, index: number, verifyCrc: boolean): BatchHeader {
  const where = `batch ${index} at byte ${pos}`;
  const details = { batchIndex: index, byteOffset: pos };
  const left = buf.length - pos;
  if (left < BATCH_HEADER_SIZE) {
    corrupt(`${where}: truncated: ${left} bytes left but a batch header takes ${BATCH_HEADER_SIZE}`, details);
  }
  const magic = buf.readInt8(pos + MAGIC);
  if (magic !== MAGIC_V2) {
    corrupt(`${where}: magic byte is ${magic}; only record batch v2 (magic 2) is supported`, details);
  }
  const batchLength = buf.readInt32BE(pos + BATCH_LENGTH);
  if (batchLength < MIN_BATCH_LENGTH) {
    corrupt(`${where}: batchLength ${batchLength} is below the ${MIN_BATCH_LENGTH}-byte minimum`, details);
  }
  if (batchLength > left - BATCH_LOG_OVERHEAD) {
    corrupt(
      `${where}: truncated: batchLength ${batchLength} needs ${batchLength + BATCH_LOG_OVERHEAD} bytes ` +
        `but only ${left} remain`,
      details,
    );
  }
  const end = pos + BATCH_LOG_OVERHEAD + batchLength;
  const crc = buf.readUInt32BE(pos + CRC);
  if (verifyCrc) {
    const actual = crc32c(buf, pos + ATTRIBUTES, end);
    if (actual !== crc) {
      corrupt(`${where}: CRC-32C mismatch: header says ${hex(crc)}, contents give ${hex(actual)}`, details);
    }
  }
  const recordCount = buf.readInt32BE(pos + RECORDS_COUNT);
  if (recordCount < 0) corrupt(`${where}: negative record count ${recordCount}`, details);
  const attributes = buf.readInt16BE(pos + ATTRIBUTES);
  const compression = compressionFromAttributes(attributes, where);
  return {
    baseOffset: int64Field(buf, pos + BASE_OFFSET, where, 'baseOffset'),
    batchLength,
    sizeInBytes: batchLength + BATCH_LOG_OVERHEAD,
    partitionLeaderEpoch: buf.readInt32BE(pos + PARTITION_LEADER_EPOCH),
    magic,
    crc,
    attributes,
    compression,
    timestampType: attributes & TIMESTAMP_TYPE_BIT ? 'LOG_APPEND_TIME' : 'CREATE_TIME',
    isTransactional: (attributes & TRANSACTIONAL_BIT) !== 0,
    isControl: (attributes & CONTROL_BIT) !== 0,
    lastOffsetDelta: buf.readInt32BE(pos + LAST_OFFSET_DELTA),
    firstTimestamp: int64Field(buf, pos + BASE_TIMESTAMP, where, 'baseTimestamp'),
    maxTimestamp: int64Field(buf, pos + MAX_TIMESTAMP, where, 'maxTimestamp'),
    producerId: buf.readBigInt64BE(pos + PRODUCER_ID),
    producerEpoch: buf.readInt16BE(pos + PRODUCER_EPOCH),
    baseSequence: buf.readInt32BE(pos + BASE_SEQUENCE),
    recordCount,
  };
}

function walk<T>(buf: Buffer, verifyCrc: boolean, each: (h: BatchHeader, pos: number, index: number) => T): T[] {
  if (buf.length === 0) corrupt('no record batch: the buffer is empty');
  const out: T[] = [];
  let pos = 0;
  for (let index = 0; pos < buf.length; index++) {
    const h = headerAt(buf, pos, index, verifyCrc);
    out.push(each(h, pos, index));
    pos += h.sizeInBytes;
  }
  return out;
}

/**
 * Validates and returns the headers of one or more concatenated batches without decoding
 * their records: sizes, magic, CRC (unless verifyCrc is false), record count, codec.
 * Throws CorruptMessageError (naming the batch and byte offset) or
 * UnsupportedCompressionError (snappy, lz4, zstd).
 */
export function readBatchHeaders(buf: Buffer, opts: DecodeOptions = {}): BatchHeader[] {
  return walk(buf, opts.verifyCrc ?? true, (h) => h);
}

/** What is left of a call's limits while it decodes, and the limits themselves. */
interface Budget {
  decompressedBytes: number;
  records: number;
  headers: number;
  readonly limits: Readonly<DecodeLimits>;
}

/**
 * Fully decodes one or more concatenated batches. Uncompressed keys and values are views
 * into `buf` (no copy): copy them if `buf` will be reused. Besides what readBatchHeaders
 * checks, the records section must hold exactly recordsCount well-formed records, and
 * the batches together must stay within `limits` (MESSAGE_TOO_LARGE, or INVALID_RECORD
 * for a record with too many headers).
 */
export function decodeBatches(buf: Buffer, opts: DecodeOptions = {}): DecodedBatch[] {
  const limits = opts.limits ?? REQUEST_LIMITS;
  const budget: Budget = { ...limits, limits };
  return walk(buf, opts.verifyCrc ?? true, (h, pos, index) => ({
    ...h,
    records: decodeRecords(buf, h, pos, index, budget),
  }));
}

/**
 * Decodes batches one at a time as the caller asks for them, each within `limits` on its
 * own: for stored data and fetch responses, where every batch was once checked as part
 * of one request but a response or compacted segment may hold the batches of many. A
 * reader that has what it needs stops without decoding the rest.
 */
export function* decodeEachBatch(buf: Buffer, opts: DecodeOptions = {}): Generator<DecodedBatch> {
  if (buf.length === 0) corrupt('no record batch: the buffer is empty');
  const limits = opts.limits ?? REQUEST_LIMITS;
  const verifyCrc = opts.verifyCrc ?? true;
  for (let pos = 0, index = 0; pos < buf.length; index++) {
    const h = headerAt(buf, pos, index, verifyCrc);
    yield { ...h, records: decodeRecords(buf, h, pos, index, { ...limits, limits }) };
    pos += h.sizeInBytes;
  }
}

function tooLarge(where: string, what: string, limit: number, details: ErrorDetails): never {
  throw new MessageTooLargeError(`${where}: ${what} take the request past ${limit}, the most one request may carry.`, {
    ...details,
    limit,
  });
}

interface Section {
  data: Buffer;
  start: number;
  end: number;
  where: string;
  details: ErrorDetails;
}

/**
 * The batch's records section as bytes (a view of `buf`, or the inflated gzip section),
 * once its record count is known to be possible and within what the call has left.
 */
function openSection(buf: Buffer, h: BatchHeader, pos: number, index: number, budget: Budget): Section {
  const where = `batch ${index} at byte ${pos}`;
  const details = { batchIndex: index, byteOffset: pos };
  const count = h.recordCount;
  let start = pos + BATCH_HEADER_SIZE;
  let end = pos + h.sizeInBytes;
  let data = buf;
  // An uncompressed section shows at once whether the count is possible; a compressed
  // one is inflated only once the count fits what the request has left.
  if (h.compression === 'none') checkCount(count, end - start, where, details);
  if (count > budget.records) tooLarge(where, `its ${count} records`, budget.limits.records, details);
  budget.records -= count;
  if (h.compression !== 'none') {
    data = decompress(h.compression, buf.subarray(start, end), budget.decompressedBytes, where, details);
    budget.decompressedBytes -= data.length;
    start = 0;
    end = data.length;
    checkCount(count, end, where, details);
  }
  return { data, start, end, where, details };
}

/** The smallest record takes MIN_RECORD_SIZE bytes: a section of `bytes` holds no more. */
function checkCount(count: number, bytes: number, where: string, details: ErrorDetails): void {
  if (count > bytes / MIN_RECORD_SIZE) {
    corrupt(`${where}: header counts ${count} records but the records section has only ${bytes} bytes`, details);
  }
}

/** INVALID_RECORD or MESSAGE_TOO_LARGE for a record whose headers broke a limit. */
function tooManyHeaders(budget: Budget, headerCount: number, record: number, s: Section): never {
  const perRecord = budget.limits.headersPerRecord;
  if (headerCount > perRecord) {
    throw new InvalidRecordError(
      `${s.where}: record ${record} has ${headerCount} headers; a record may have at most ${perRecord}.`,
      { ...s.details, record, limit: perRecord },
    );
  }
  tooLarge(s.where, `the headers of record ${record}`, budget.limits.headers, s.details);
}

function decodeRecords(buf: Buffer, h: BatchHeader, pos: number, index: number, budget: Budget): DecodedRecord[] {
  const section = openSection(buf, h, pos, index, budget);
  const { data, start, end, where, details } = section;
  const count = h.recordCount;
  const baseOffset = h.baseOffset;
  const firstTimestamp = h.firstTimestamp;
  const logAppend = h.timestampType === 'LOG_APPEND_TIME';
  const maxTimestamp = h.maxTimestamp;
  const perRecord = budget.limits.headersPerRecord;
  let headersLeft = budget.headers;
  const records: DecodedRecord[] = new Array(count);
  const r = new Reader(data, start, end);
  let i = 0;
  try {
    for (; i < count; i++) {
      if (r.pos >= end) corrupt(`header counts ${count} records but the records section ends after ${i}`);
      r.end = end;
      const length = r.varint();
      if (length < 0 || length > end - r.pos) {
        corrupt(`length ${length} at byte ${r.pos} runs past the end of the records section`);
      }
      const recordEnd = r.pos + length;
      r.end = recordEnd;
      r.int8(); // attributes: unused
      const timestampDelta = r.varlong();
      const offsetDelta = r.varint();
      const key = r.varBytes();
      const value = r.varBytes();
      const headerCount = r.varint();
      if (headerCount < 0) corrupt(`negative header count ${headerCount}`);
      const headers: RecordHeader[] = [];
      if (headerCount > 0) {
        // Charged before a single header is read: the count alone is what costs memory.
        headersLeft -= headerCount;
        if (headerCount > perRecord || headersLeft < 0) tooManyHeaders(budget, headerCount, i, section);
        for (let k = 0; k < headerCount; k++) {
          const hk = r.varString();
          headers.push({ key: hk, value: r.varBytes() });
        }
      }
      if (r.pos !== recordEnd) {
        corrupt(`length says ${length} bytes but its fields end ${recordEnd - r.pos} bytes earlier`);
      }
      records[i] = {
        offset: baseOffset + offsetDelta,
        timestamp: logAppend ? maxTimestamp : firstTimestamp + timestampDelta,
        key,
        value,
        headers,
      };
    }
  } catch (err) {
    if (err instanceof CorruptMessageError) {
      corrupt(`${where}: record ${i}: ${err.message}`, { ...details, record: i }, err);
    }
    throw err;
  }
  if (r.pos !== end) {
    corrupt(`${where}: ${end - r.pos} bytes left over after the ${count} records the header counts`, details);
  }
  budget.headers = headersLeft;
  return records;
}
