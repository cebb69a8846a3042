// Kafka RecordBatch v2 (magic 2), byte-compatible with Apache Kafka's DefaultRecordBatch.
// Sluice stores and serves batches exactly as clients produce them, so this codec is on the
// hot path of every produce (validate, stamp offsets) and every fetch that decodes.

import {
  CorruptMessageError,
  InvalidRequestError,
  InvalidTimestampError,
  type ErrorDetails,
} from '../core/errors.ts';
import { compress, compressionFromAttributes, compressionId, decompress } from './compression.ts';
import { crc32c } from './crc32c.ts';
import type { BatchHeader, BatchInput, DecodedBatch, DecodedRecord, RecordHeader } from './types.ts';
import {
  Reader,
  sizeOfVarint,
  sizeOfVarlong,
  writeInt64,
  writeVarint,
  writeVarlong,
} from './varint.ts';

/*
 * Batch header, big-endian, byte offsets from the start of the batch:
 *
 *   baseOffset           int64  @0    \  Outside the CRC, so the broker can assign offsets
 *   batchLength          int32  @8     > and leader epochs in place without recomputing it.
 *   partitionLeaderEpoch int32  @12   /
 *   magic                int8   @16   Same position as in v0/v1 message sets: readers
 *                                     dispatch on it before knowing the layout.
 *   crc                  uint32 @17   CRC-32C of everything from @21 to the end of the batch.
 *   attributes           int16  @21   bits 0-2 codec, 3 LOG_APPEND_TIME, 4 transactional,
 *                                     5 control.
 *   lastOffsetDelta      int32  @23   Not recordsCount - 1 after compaction removes records,
 *                                     which is why both are stored.
 *   baseTimestamp        int64  @27   Records store deltas from it (small varlongs).
 *   maxTimestamp         int64  @35   Lets time indexes skip batches without decoding them.
 *   producerId           int64  @43   \
 *   producerEpoch        int16  @51    > Idempotence / transactions; -1 when unused.
 *   baseSequence         int32  @53   /
 *   recordsCount         int32  @57
 *   records                     @61   gzip: the compressed concatenation of all records.
 *
 * batchLength counts from @12, so a whole batch is batchLength + 12 bytes and the smallest
 * possible batchLength (no records) is 61 - 12 = 49.
 */
const BASE_OFFSET = 0;
const BATCH_LENGTH = 8;
const PARTITION_LEADER_EPOCH = 12;
const MAGIC = 16;
const CRC = 17;
const ATTRIBUTES = 21;
const LAST_OFFSET_DELTA = 23;
const BASE_TIMESTAMP = 27;
const MAX_TIMESTAMP = 35;
const PRODUCER_ID = 43;
const PRODUCER_EPOCH = 51;
const BASE_SEQUENCE = 53;
const RECORDS_COUNT = 57;

/** Fixed header size; records start here. */
export const BATCH_HEADER_SIZE = 61;
/** Bytes before batchLength's count starts (baseOffset + batchLength). */
export const BATCH_LOG_OVERHEAD = 12;
const MIN_BATCH_LENGTH = BATCH_HEADER_SIZE - BATCH_LOG_OVERHEAD;
const MAGIC_V2 = 2;

const TIMESTAMP_TYPE_BIT = 0x08;
const TRANSACTIONAL_BIT = 0x10;
const CONTROL_BIT = 0x20;

/*
 * Record, inside the records section (all varints zigzag-encoded):
 *
 *   length          varint   bytes of the record after this field
 *   attributes      int8     unused by Kafka so far; written 0, ignored on read
 *   timestampDelta  varlong  record timestamp - baseTimestamp
 *   offsetDelta     varint   record offset - baseOffset
 *   keyLength       varint   -1 for a null key
 *   key             bytes
 *   valueLength     varint   -1 for a null value (a tombstone)
 *   value           bytes
 *   headerCount     varint
 *   headers, each:  keyLength varint, key UTF-8, valueLength varint (-1 = null), value
 *
 * The smallest record is 7 bytes (every field one byte), which bounds how many records a
 * section of n bytes can really hold before trusting a header's count.
 */
const MIN_RECORD_SIZE = 7;

export interface DecodeOptions {
  /** Check each batch's CRC-32C (default true). */
  verifyCrc?: boolean;
  /** Cap on one batch's decompressed records section (default 64 MiB). */
  maxUncompressedBytes?: number;
}

// ---------------------------------------------------------------------------------------
// Encoding

// Per-record sizes and deltas from the sizing pass, and header key byte lengths, reused
// across calls so a batch allocates only its output. encodeBatch is synchronous, so one set
// suffices. They grow to fit the largest batch seen, up to SCRATCH_LIMIT entries (under a
// megabyte); a rarer, bigger batch gets arrays of its own rather than pinning memory.
const SCRATCH_LIMIT = 1 << 16;
let bodySizes = new Int32Array(1024);
let timestampDeltas = new Float64Array(1024);
let headerKeyLengths = new Int32Array(1024);

function scratchFor(records: number): [Int32Array, Float64Array] {
  if (records <= bodySizes.length) return [bodySizes, timestampDeltas];
  const sizes = new Int32Array(Math.max(records, bodySizes.length * 2));
  const deltas = new Float64Array(sizes.length);
  if (sizes.length <= SCRATCH_LIMIT) {
    bodySizes = sizes;
    timestampDeltas = deltas;
  }
  return [sizes, deltas];
}

function checkTimestamp(ts: number, what: string): number {
  if (!Number.isSafeInteger(ts) || ts < 0) {
    throw new InvalidTimestampError(`${what} ${ts} must be a non-negative integer of epoch milliseconds`);
  }
  return ts;
}

function checkInt(n: number, min: number, max: number, what: string): number {
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new InvalidRequestError(`${what} ${n} must be an integer in [${min}, ${max}]`);
  }
  return n;
}

function checkBytes(b: unknown, what: string): Uint8Array | null {
  if (b == null) return null;
  if (!(b instanceof Uint8Array)) throw new InvalidRequestError(`${what} must be a Buffer or null`);
  return b;
}

function put(dst: Buffer, src: Uint8Array, pos: number): number {
  dst.set(src, pos);
  return pos + src.length;
}

/**
 * Encodes one RecordBatch v2. Records get offsetDelta = their index; timestamps default
 * to Date.now() (read once per batch). With CREATE_TIME, baseTimestamp is the first
 * record's timestamp and maxTimestamp the largest, as Kafka's MemoryRecordsBuilder does.
 */
export function encodeBatch(input: BatchInput): Buffer {
  const records = input.records;
  const count = records.length;
  if (count === 0) throw new InvalidRequestError('a record batch needs at least one record');
  const compression = input.compression ?? 'none';
  if (compression !== 'none' && compression !== 'gzip') {
    throw new InvalidRequestError(`compression ${String(compression)} is not supported; use none or gzip`);
  }
  const logAppend = (input.timestampType ?? 'CREATE_TIME') === 'LOG_APPEND_TIME';
  const baseOffset = checkInt(input.baseOffset ?? 0, 0, Number.MAX_SAFE_INTEGER, 'baseOffset');
  const leaderEpoch = checkInt(input.partitionLeaderEpoch ?? -1, -(2 ** 31), 2 ** 31 - 1, 'partitionLeaderEpoch');
  const producerId = input.producerId ?? -1n;
  if (typeof producerId !== 'bigint' || producerId < -(2n ** 63n) || producerId >= 2n ** 63n) {
    throw new InvalidRequestError(`producerId ${String(producerId)} must be an int64 bigint`);
  }
  const producerEpoch = checkInt(input.producerEpoch ?? -1, -(2 ** 15), 2 ** 15 - 1, 'producerEpoch');
  const baseSequence = checkInt(input.baseSequence ?? -1, -(2 ** 31), 2 ** 31 - 1, 'baseSequence');

  const [sizes, deltas] = scratchFor(count);

  // Timestamps first: every delta is relative to record 0's.
  let now = -1;
  let firstTimestamp: number;
  let maxTimestamp: number;
  if (logAppend) {
    // Readers report the batch's maxTimestamp for every record of a LOG_APPEND_TIME batch,
    // so per-record deltas carry nothing; zero keeps them one byte each.
    const t = input.logAppendTime === undefined ? Date.now() : checkTimestamp(input.logAppendTime, 'logAppendTime');
    firstTimestamp = maxTimestamp = t;
    deltas.fill(0, 0, count);
  } else {
    for (let i = 0; i < count; i++) {
      const ts = records[i]!.timestamp;
      let t: number;
      if (ts === undefined) {
        if (now < 0) now = Date.now();
        t = now;
      } else {
        t = checkTimestamp(ts, `record ${i} timestamp`);
      }
      deltas[i] = t;
    }
    firstTimestamp = deltas[0]!;
    maxTimestamp = firstTimestamp;
    for (let i = 0; i < count; i++) {
      const t = deltas[i]!;
      if (t > maxTimestamp) maxTimestamp = t;
      deltas[i] = t - firstTimestamp;
    }
  }

  // Sizing pass: the record length prefix is a varint of the body size, so sizes must be
  // known before writing; knowing them all lets us allocate the output exactly once.
  let recordsSize = 0;
  let headerIndex = 0;
  let keyLengths = headerKeyLengths;
  for (let i = 0; i < count; i++) {
    const r = records[i]!;
    const key = checkBytes(r.key, `record ${i} key`);
    const value = checkBytes(r.value, `record ${i} value`);
    let body = 1 + sizeOfVarlong(deltas[i]!) + sizeOfVarint(i);
    body += key === null ? 1 : sizeOfVarint(key.length) + key.length;
    body += value === null ? 1 : sizeOfVarint(value.length) + value.length;
    const headers = r.headers;
    const headerCount = headers === undefined ? 0 : headers.length;
    body += sizeOfVarint(headerCount);
    if (headerCount > 0) {
      if (headerIndex + headerCount > keyLengths.length) {
        const next = new Int32Array(Math.max(headerIndex + headerCount, keyLengths.length * 2));
        next.set(keyLengths.subarray(0, headerIndex));
        keyLengths = next;
        if (next.length <= SCRATCH_LIMIT) headerKeyLengths = next;
      }
      for (let h = 0; h < headerCount; h++) {
        const header = headers![h]!;
        if (typeof header.key !== 'string') {
          throw new InvalidRequestError(`record ${i} header ${h} key must be a string`);
        }
        const kl = Buffer.byteLength(header.key, 'utf8');
        keyLengths[headerIndex++] = kl;
        const hv = checkBytes(header.value, `record ${i} header ${h} value`);
        body += sizeOfVarint(kl) + kl + (hv === null ? 1 : sizeOfVarint(hv.length) + hv.length);
      }
    }
    sizes[i] = body;
    recordsSize += sizeOfVarint(body) + body;
  }

  // Uncompressed: records go straight after the header in the final buffer. Gzip: write
  // them to their own buffer, compress, then place the result after the header.
  const recordsAt = compression === 'none' ? BATCH_HEADER_SIZE : 0;
  const rec = Buffer.allocUnsafe(recordsAt + recordsSize);
  let p = recordsAt;
  headerIndex = 0;
  for (let i = 0; i < count; i++) {
    const r = records[i]!;
    p = writeVarint(rec, p, sizes[i]!);
    rec[p++] = 0;
    p = writeVarlong(rec, p, deltas[i]!);
    p = writeVarint(rec, p, i);
    const key = r.key;
    if (key == null) rec[p++] = 1; // zigzag(-1)
    else p = put(rec, key, writeVarint(rec, p, key.length));
    const value = r.value;
    if (value == null) rec[p++] = 1;
    else p = put(rec, value, writeVarint(rec, p, value.length));
    const headers = r.headers;
    const headerCount = headers === undefined ? 0 : headers.length;
    p = writeVarint(rec, p, headerCount);
    for (let h = 0; h < headerCount; h++) {
      const header = headers![h]!;
      const hk = header.key;
      const kl = keyLengths[headerIndex++]!;
      p = writeVarint(rec, p, kl);
      if (kl === hk.length) {
        // Byte length equals char length only for pure ASCII: copy char codes directly.
        for (let c = 0; c < kl; c++) rec[p + c] = hk.charCodeAt(c);
        p += kl;
      } else {
        p += rec.write(hk, p, kl, 'utf8');
      }
      const hv = header.value;
      if (hv == null) rec[p++] = 1;
      else p = put(rec, hv, writeVarint(rec, p, hv.length));
    }
  }
  if (p !== recordsAt + recordsSize) {
    // allocUnsafe memory is uninitialised: never hand out a buffer we did not fully write.
    throw new Error(`encodeBatch: wrote ${p - recordsAt} record bytes, sized ${recordsSize}`);
  }

  let out: Buffer;
  if (compression === 'none') {
    out = rec;
  } else {
    const packed = compress(compression, rec);
    out = Buffer.allocUnsafe(BATCH_HEADER_SIZE + packed.length);
    packed.copy(out, BATCH_HEADER_SIZE);
  }

  writeInt64(out, BASE_OFFSET, baseOffset);
  out.writeInt32BE(out.length - BATCH_LOG_OVERHEAD, BATCH_LENGTH);
  out.writeInt32BE(leaderEpoch, PARTITION_LEADER_EPOCH);
  out.writeInt8(MAGIC_V2, MAGIC);
  const attributes =
    compressionId(compression) | (logAppend ? TIMESTAMP_TYPE_BIT : 0) | (input.isTransactional ? TRANSACTIONAL_BIT : 0);
  out.writeInt16BE(attributes, ATTRIBUTES);
  out.writeInt32BE(count - 1, LAST_OFFSET_DELTA);
  writeInt64(out, BASE_TIMESTAMP, firstTimestamp);
  writeInt64(out, MAX_TIMESTAMP, maxTimestamp);
  out.writeBigInt64BE(producerId, PRODUCER_ID);
  out.writeInt16BE(producerEpoch, PRODUCER_EPOCH);
  out.writeInt32BE(baseSequence, BASE_SEQUENCE);
  out.writeInt32BE(count, RECORDS_COUNT);
  out.writeUInt32BE(crc32c(out, ATTRIBUTES), CRC);
  return out;
}

// ---------------------------------------------------------------------------------------
// Decoding

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
function headerAt(buf: Buffer, pos: number, index: number, verifyCrc: boolean): BatchHeader {
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

/**
 * Fully decodes one or more concatenated batches. Uncompressed keys and values are views
 * into `buf` (no copy): copy them if `buf` will be reused. Besides what readBatchHeaders
 * checks, the records section must hold exactly recordsCount well-formed records.
 */
export function decodeBatches(buf: Buffer, opts: DecodeOptions = {}): DecodedBatch[] {
  const maxBytes = opts.maxUncompressedBytes;
  return walk(buf, opts.verifyCrc ?? true, (h, pos, index) => ({
    ...h,
    records: decodeRecords(buf, h, pos, index, maxBytes),
  }));
}

function decodeRecords(
  buf: Buffer,
  h: BatchHeader,
  pos: number,
  index: number,
  maxBytes: number | undefined,
): DecodedRecord[] {
  const where = `batch ${index} at byte ${pos}`;
  const details = { batchIndex: index, byteOffset: pos };
  let data = buf;
  let start = pos + BATCH_HEADER_SIZE;
  let end = pos + h.sizeInBytes;
  if (h.compression !== 'none') {
    data = decompress(h.compression, buf.subarray(start, end), maxBytes, where);
    start = 0;
    end = data.length;
  }
  const count = h.recordCount;
  if (count > (end - start) / MIN_RECORD_SIZE) {
    corrupt(`${where}: header counts ${count} records but the records section has only ${end - start} bytes`, details);
  }
  const baseOffset = h.baseOffset;
  const firstTimestamp = h.firstTimestamp;
  const logAppend = h.timestampType === 'LOG_APPEND_TIME';
  const maxTimestamp = h.maxTimestamp;
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
      for (let k = 0; k < headerCount; k++) {
        const hk = r.varString();
        headers.push({ key: hk, value: r.varBytes() });
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
  return records;
}

// ---------------------------------------------------------------------------------------
// In-place edits

function checkHeaderRange(buf: Buffer, batchStart: number): void {
  if (!Number.isInteger(batchStart) || batchStart < 0 || batchStart + BATCH_HEADER_SIZE > buf.length) {
    throw new RangeError(`no batch header at byte ${batchStart} of a ${buf.length}-byte buffer`);
  }
}

/**
 * Overwrites the batch's baseOffset. The CRC does not cover it, which is what lets the
 * log assign offsets at append time without re-checksumming the batch.
 */
export function setBaseOffset(buf: Buffer, batchStart: number, baseOffset: number): void {
  checkHeaderRange(buf, batchStart);
  if (!Number.isSafeInteger(baseOffset) || baseOffset < 0) {
    throw new RangeError(`baseOffset ${baseOffset} must be a non-negative safe integer`);
  }
  writeInt64(buf, batchStart + BASE_OFFSET, baseOffset);
}

/**
 * Marks the batch LOG_APPEND_TIME with `ts` as both its base and max timestamp, as a
 * topic with message.timestamp.type=LogAppendTime requires, and rewrites the CRC. The
 * existing CRC is checked first (unless verifyCrc is false) so a corrupt batch is never
 * given a fresh, valid checksum.
 */
export function setLogAppendTime(
  buf: Buffer,
  batchStart: number,
  ts: number,
  opts: { verifyCrc?: boolean } = {},
): void {
  checkHeaderRange(buf, batchStart);
  checkTimestamp(ts, 'logAppendTime');
  const h = headerAt(buf, batchStart, 0, opts.verifyCrc ?? true);
  buf.writeInt16BE(h.attributes | TIMESTAMP_TYPE_BIT, batchStart + ATTRIBUTES);
  writeInt64(buf, batchStart + BASE_TIMESTAMP, ts);
  writeInt64(buf, batchStart + MAX_TIMESTAMP, ts);
  buf.writeUInt32BE(crc32c(buf, batchStart + ATTRIBUTES, batchStart + h.sizeInBytes), batchStart + CRC);
}
