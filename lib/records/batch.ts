// Kafka RecordBatch v2 (magic 2), byte-compatible with Apache Kafka's DefaultRecordBatch
// (layout.ts): encoding, and the in-place header edits the log makes when it appends.
// Sluice stores and serves batches exactly as clients produce them, so this codec is on the
// hot path of every produce (validate, stamp offsets) and every fetch that decodes
// (decode.ts).

import { InvalidRequestError, InvalidTimestampError } from '../core/errors.ts';
import { compress, compressionId } from './compression.ts';
import { crc32c } from './crc32c.ts';
import { headerAt } from './decode.ts';
import {
  ATTRIBUTES,
  BASE_OFFSET,
  BASE_SEQUENCE,
  BASE_TIMESTAMP,
  BATCH_HEADER_SIZE,
  BATCH_LENGTH,
  BATCH_LOG_OVERHEAD,
  CRC,
  LAST_OFFSET_DELTA,
  MAGIC,
  MAGIC_V2,
  MAX_TIMESTAMP,
  PARTITION_LEADER_EPOCH,
  PRODUCER_EPOCH,
  PRODUCER_ID,
  RECORDS_COUNT,
  TIMESTAMP_TYPE_BIT,
  TRANSACTIONAL_BIT,
} from './layout.ts';
import type { BatchInput } from './types.ts';
import { sizeOfVarint, sizeOfVarlong, writeInt64, writeVarint, writeVarlong } from './varint.ts';

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
