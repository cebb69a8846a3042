// What send() accepts and how it becomes the codec's RecordInput: bytes from Buffers,
// Uint8Arrays and UTF-8 strings, headers from an object or a list, the create time
// stamped when the record is sent, and the per-record limits the log applies, checked
// before the record joins a batch.
import { InvalidRequestError } from '../../core/errors.ts';
import { checkRecordLimits, type RecordHeader, type RecordInput } from '../../records/index.ts';
import type { Bytes } from '../types.ts';

export type HeadersInput = Record<string, Bytes | undefined> | Array<{ key: string; value: Bytes }>;

export interface ProducerRecord {
  topic: string;
  key?: Bytes;
  /** null is a tombstone. */
  value: Bytes;
  headers?: HeadersInput;
  /** Explicit partition; default: by key hash, or sticky for keyless records. */
  partition?: number;
  /** Create time (epoch ms or Date); default: now, when send() is called. */
  timestamp?: number | Date;
}

export interface RecordMetadata {
  topic: string;
  partition: number;
  offset: number;
}

/** Bytes and string (UTF-8) as a Buffer; null and undefined as null. */
export function toBuffer(b: Bytes | undefined, what: string): Buffer | null {
  if (b === null || b === undefined) return null;
  if (typeof b === 'string') return Buffer.from(b, 'utf8');
  if (Buffer.isBuffer(b)) return b;
  if (b instanceof Uint8Array) return Buffer.from(b.buffer, b.byteOffset, b.byteLength);
  throw new InvalidRequestError(`${what} must be a Buffer, Uint8Array, string or null.`);
}

export function toHeaders(h: HeadersInput | undefined): RecordHeader[] | undefined {
  if (h === undefined || h === null) return undefined;
  if (Array.isArray(h)) {
    return h.map((e, i) => {
      if (!e || typeof e.key !== 'string') throw new InvalidRequestError(`headers[${i}] must be {key: string, value}.`);
      return { key: e.key, value: toBuffer(e.value, `headers[${i}].value`) };
    });
  }
  if (typeof h !== 'object') throw new InvalidRequestError('headers must be an object or an array of {key, value}.');
  return Object.entries(h).map(([key, value]) => ({ key, value: toBuffer(value, `headers.${key}`) }));
}

/** A producer record as the codec's RecordInput (timestamp stamped now when absent). */
export function toRecordInput(rec: ProducerRecord, now = Date.now()): RecordInput {
  const record: RecordInput = { key: toBuffer(rec.key, 'key'), value: toBuffer(rec.value, 'value') };
  const headers = toHeaders(rec.headers);
  if (headers?.length) record.headers = headers;
  const ts = rec.timestamp instanceof Date ? rec.timestamp.getTime() : rec.timestamp;
  if (ts !== undefined && (!Number.isSafeInteger(ts) || ts < 0)) {
    throw new InvalidRequestError(`timestamp must be non-negative epoch milliseconds, got ${String(rec.timestamp)}.`);
  }
  record.timestamp = ts ?? now;
  return record;
}

/**
 * Checks what send() was given and converts it; throws the error to reject with. A record
 * the log would refuse (lib/records/limits.ts) is refused here, on its own, rather than by
 * the server with the batch it would join.
 */
export function checkRecord(rec: ProducerRecord): RecordInput {
  if (!rec || typeof rec !== 'object') throw new InvalidRequestError('send() needs a record object.');
  if (typeof rec.topic !== 'string' || rec.topic.length === 0) throw new InvalidRequestError('record.topic must be a non-empty string.');
  if (rec.value === undefined) throw new InvalidRequestError('record.value is required (null for a tombstone).');
  if (rec.partition !== undefined && (!Number.isSafeInteger(rec.partition) || rec.partition < 0)) {
    throw new InvalidRequestError(`record.partition must be a non-negative integer, got ${String(rec.partition)}.`);
  }
  const record = toRecordInput(rec);
  checkRecordLimits(record, 0);
  return record;
}
