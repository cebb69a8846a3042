// POST /v1/topics/{topic}/records: JSON records or raw Kafka RecordBatch v2 blocks.
//
// A rejected request writes nothing, so everything that can be checked is checked before
// the first append: the body's size, record count and shape, and its encodings, here;
// that every named partition exists and every record fits the topic, in the log
// (Log.produce), which then appends one group per partition, in parallel.
import * as z from 'zod/mini';
import {
  InvalidRecordError,
  InvalidRequestError,
  isSluiceError,
  MessageTooLargeError,
  UnsupportedMediaTypeError,
} from '../../core/errors.ts';
import { MAX_HEADERS_PER_RECORD, MAX_HEADERS_PER_REQUEST, MAX_JSON_RECORDS_PER_REQUEST } from '../../core/limits.ts';
import type { RecordEncoding } from '../../core/wire.ts';
import { JSON_TYPE, mediaType, RECORD_BATCH_TYPE, type ApiRequest, type ApiResponse } from '../http.ts';
import type { Operation, Operations, OperationContext } from '../operation.ts';
import type { PreparedRecord, RecordHeader, RecordInput } from '../../log/index.ts';
import { validateTopicName } from '../../log/topics.ts';
import { validate } from '../schema.ts';
import { countTopLevelArray } from '../json-scan.ts';
import { parseInteger, parseJsonBody, queryParams, topicParam } from '../validation.ts';

export type ProduceEncoding = RecordEncoding;

const optionalInt = z.optional(z.nullable(z.number().check(z.int(), z.minimum(0))));

const ProduceRecord = z.strictObject({
  key: z.optional(z.unknown()),
  value: z.optional(z.unknown()),
  headers: z.optional(z.nullable(z.record(z.string(), z.nullable(z.string())))),
  timestamp: optionalInt,
  partition: optionalInt,
});

const ProduceBody = z.strictObject({
  encoding: z.optional(z.enum(['json', 'string', 'base64'])),
  records: z.array(ProduceRecord).check(z.minLength(1, 'needs at least one record')),
});

/** Standard base64 with padding, nothing else (no whitespace, no URL alphabet). */
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** Canonical standard base64 only: padded, no whitespace, no stray bits in the last character. */
export function decodeBase64Strict(s: string, field: string): Buffer {
  const bytes = BASE64.test(s) ? Buffer.from(s, 'base64') : undefined;
  if (!bytes || bytes.toString('base64') !== s) {
    throw new InvalidRequestError(`'${field}' is not valid base64.`, { fields: [field] });
  }
  return bytes;
}

function jsonText(v: unknown, field: string): Buffer {
  let text: string | undefined;
  try {
    text = JSON.stringify(v);
  } catch {
    throw new InvalidRequestError(`'${field}' cannot be stored as JSON (nested too deeply).`, { fields: [field] });
  }
  return Buffer.from(text ?? 'null', 'utf8');
}

/** Key or value bytes under the request's encoding; null and absent stay null. */
export function toBytes(v: unknown, encoding: ProduceEncoding, field: string, isKey: boolean): Buffer | null {
  if (v === null || v === undefined) return null;
  switch (encoding) {
    case 'json':
      // Kafka users key by plain strings: a string key is its UTF-8 bytes, not JSON-quoted.
      if (isKey && typeof v === 'string') return Buffer.from(v, 'utf8');
      return jsonText(v, field);
    case 'string':
      if (typeof v !== 'string') {
        throw new InvalidRequestError(`'${field}' must be a string or null with encoding 'string'.`, { fields: [field] });
      }
      return Buffer.from(v, 'utf8');
    case 'base64':
      if (typeof v !== 'string') {
        throw new InvalidRequestError(`'${field}' must be a base64 string or null with encoding 'base64'.`, { fields: [field] });
      }
      return decodeBase64Strict(v, field);
  }
}

/**
 * Headers from the request's own object, not the schema's output: a record schema drops
 * a key like "__proto__" silently, and a header must never vanish. Values are re-checked.
 */
function toHeaders(h: unknown, encoding: ProduceEncoding, at: string): RecordHeader[] | undefined {
  if (h === null || h === undefined || typeof h !== 'object') return undefined;
  const out: RecordHeader[] = [];
  for (const [key, value] of Object.entries(h)) {
    const field = `${at}.headers.${key}`;
    if (value !== null && typeof value !== 'string') {
      throw new InvalidRequestError(`'${field}' must be a string or null.`, { fields: [field] });
    }
    out.push({
      key,
      value: value === null ? null : encoding === 'base64' ? decodeBase64Strict(value, field) : Buffer.from(value, 'utf8'),
    });
  }
  return out;
}

/**
 * MESSAGE_TOO_LARGE, before the body is parsed, when it holds more records than a JSON
 * request may: counting is one pass over the bytes; parsing and converting them is not.
 */
export function checkJsonRecordCount(body: Buffer): void {
  const count = countTopLevelArray(body, 'records', MAX_JSON_RECORDS_PER_REQUEST);
  if (count > MAX_JSON_RECORDS_PER_REQUEST) {
    throw new MessageTooLargeError(
      `A JSON produce request may carry at most ${MAX_JSON_RECORDS_PER_REQUEST} records; this one has more. Nothing was written.`,
      { limit: MAX_JSON_RECORDS_PER_REQUEST },
    );
  }
}

/** Keys of a plain object, counted up to `stopAt` without allocating them. */
function keyCount(o: object, stopAt: number): number {
  let n = 0;
  for (const _ in o) if (++n >= stopAt) break;
  return n;
}

/**
 * INVALID_RECORD / MESSAGE_TOO_LARGE for too many headers, checked on the parsed body
 * before it is validated or converted: both cost per header.
 */
function checkJsonHeaderCounts(body: unknown): void {
  const records = (body as { records?: unknown } | null)?.records;
  if (!Array.isArray(records)) return;
  let total = 0;
  records.forEach((r: unknown, i) => {
    const h = (r as { headers?: unknown } | null)?.headers;
    if (h === null || typeof h !== 'object') return;
    const count = keyCount(h, MAX_HEADERS_PER_RECORD + 1);
    if (count > MAX_HEADERS_PER_RECORD) {
      throw new InvalidRecordError(`'records[${i}].headers' has more than ${MAX_HEADERS_PER_RECORD} headers, the most a record may have.`, {
        fields: [`records[${i}].headers`],
        limit: MAX_HEADERS_PER_RECORD,
      });
    }
    total += count;
    if (total > MAX_HEADERS_PER_REQUEST) {
      throw new MessageTooLargeError(`The records up to records[${i}] have more than ${MAX_HEADERS_PER_REQUEST} headers together.`, {
        limit: MAX_HEADERS_PER_REQUEST,
      });
    }
  });
}

/** Parse and convert the JSON body; no I/O. */
export function prepareJsonRecords(body: unknown): PreparedRecord[] {
  checkJsonHeaderCounts(body);
  const parsed = validate(ProduceBody, body);
  const rawRecords = (body as { records: { headers?: unknown }[] }).records;
  const encoding = parsed.encoding ?? 'json';
  return parsed.records.map((r, i) => {
    const at = `records[${i}]`;
    const record: RecordInput = {
      key: toBytes(r.key, encoding, `${at}.key`, true),
      value: toBytes(r.value, encoding, `${at}.value`, false),
    };
    const headers = toHeaders(rawRecords[i]!.headers, encoding, at);
    if (headers) record.headers = headers;
    if (r.timestamp !== null && r.timestamp !== undefined) record.timestamp = r.timestamp;
    return r.partition !== null && r.partition !== undefined ? { record, partition: r.partition } : { record };
  });
}

type OffsetEntry = { partition: number; offset: number } | { partition: number; error: { code: string; message: string } };

async function produceJson(req: ApiRequest, ctx: OperationContext, topicName: string): Promise<ApiResponse> {
  queryParams(req, []);
  const key = idempotencyKey(req);
  checkJsonRecordCount(req.body);
  const prepared = prepareJsonRecords(parseJsonBody(req));
  const log = await ctx.log();
  // With an Idempotency-Key, a retry of this request gets the first answer instead of
  // appending again (scoped by topic id, so a re-created topic starts afresh).
  const produced = await log.produce(topicName, prepared, key === undefined ? {} : { idempotencyKey: key });
  // When only some partitions failed, the others are committed: 200 with per-record
  // errors. (When all failed and nothing is stored, log.produce threw the first error,
  // answered with its own status: a dependency outage is a retriable 503.)
  const offsets: OffsetEntry[] = produced.map((r) => {
    if (!('error' in r)) return r;
    const err = r.error;
    if (!isSluiceError(err)) ctx.logger.error('append failed', { partition: r.partition, error: err as Error });
    const error = isSluiceError(err)
      ? { code: err.code, message: err.message, ...(err.retriable ? { retriable: true } : {}) }
      : { code: 'UNKNOWN_SERVER_ERROR', message: 'Internal server error; it has been logged.' };
    return { partition: r.partition, error };
  });
  return { status: 200, body: { offsets } };
}

const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,255}$/;

function idempotencyKey(req: ApiRequest): string | undefined {
  const key = req.headers['idempotency-key'];
  if (key === undefined) return undefined;
  if (!IDEMPOTENCY_KEY.test(key)) {
    throw new InvalidRequestError('Idempotency-Key must be 1 to 255 visible ASCII characters.', { fields: ['Idempotency-Key'] });
  }
  return key;
}

async function produceBatches(req: ApiRequest, ctx: OperationContext, topicName: string): Promise<ApiResponse> {
  const q = queryParams(req, ['partition']);
  if (q.partition === undefined) {
    throw new InvalidRequestError(`Binary produce needs the query parameter 'partition'.`, { fields: ['partition'] });
  }
  const partition = parseInteger("'partition'", q.partition, { max: 2_147_483_647 });
  if (req.body.length === 0) {
    throw new InvalidRequestError('Binary produce needs a body of one or more RecordBatch v2 blocks.');
  }
  const log = await ctx.log();
  const result = await log.append(topicName, partition, { batches: req.body });
  return { status: 200, body: { partition: result.partition, baseOffset: result.baseOffset, lastOffset: result.lastOffset } };
}

const produce: Operation = async (req, ctx) => {
  const topicName = validateTopicName(topicParam(req));
  const type = mediaType(req.headers['content-type']);
  if (type === undefined || type === JSON_TYPE) return produceJson(req, ctx, topicName);
  if (type === RECORD_BATCH_TYPE) return produceBatches(req, ctx, topicName);
  throw new UnsupportedMediaTypeError(
    `Content-Type '${type}' is not supported for produce; send ${JSON_TYPE} or ${RECORD_BATCH_TYPE}.`,
    { supported: [JSON_TYPE, RECORD_BATCH_TYPE] },
  );
};

/** POST /v1/producers: an id and epoch for an idempotent producer (binary batches). */
const initProducer: Operation = async (req, ctx) => {
  queryParams(req, []);
  if (req.body.length > 0) validate(z.strictObject({}), parseJsonBody(req));
  const log = await ctx.log();
  return { status: 200, body: await log.initProducer() };
};

export const produceOperations: Operations = { produce, initProducer };
