// POST /v1/topics/{topic}/records: JSON records or raw Kafka RecordBatch v2 blocks.
//
// A rejected request writes nothing, so everything that can be checked is checked before
// the first append: the body's shape and encodings, that every named partition exists,
// and that every record fits the topic's max.message.bytes on its own. Only then are the
// records grouped by partition and appended, one append per partition, in parallel.
import * as z from 'zod/mini';
import {
  InvalidRequestError,
  isSluiceError,
  RecordTooLargeError,
  UnknownTopicOrPartitionError,
  UnsupportedMediaTypeError,
} from '../../core/errors.ts';
import { JSON_TYPE, mediaType, RECORD_BATCH_TYPE, type ApiRequest, type ApiResponse } from '../http.ts';
import type { Operation, Operations, OperationContext } from '../operation.ts';
import { effectiveConfig } from '../../log/config.ts';
import { recordSizeBound } from '../../log/append.ts';
import type { Log } from '../../log/index.ts';
import { validateTopicName } from '../../log/topics.ts';
import { BATCH_HEADER_SIZE, defaultPartition, encodeBatch } from '../../records/index.ts';
import type { Compression, RecordHeader, RecordInput } from '../../records/types.ts';
import type { TopicRecord } from '../../storage/metadata.ts';
import { validate } from '../schema.ts';
import { parseInteger, parseJsonBody, queryParams, topicParam } from '../validation.ts';

export type ProduceEncoding = 'json' | 'string' | 'base64';

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

export interface PreparedRecord {
  record: RecordInput;
  /** Explicit partition, if the request named one. */
  partition?: number;
}

/** Parse and convert the JSON body; no I/O. */
export function prepareJsonRecords(body: unknown): PreparedRecord[] {
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

/**
 * The topic for an append, from the log's catalog (cached; appends re-check the topic id
 * at commit). A partition beyond the cached count is confirmed against the table before
 * it is reported unknown, as partitions may just have been added.
 */
async function topicFor(log: Log, name: string, highestPartition: number): Promise<TopicRecord> {
  let topic = await log.topics.require(name);
  if (highestPartition >= topic.partitions) topic = await log.topics.require(name, { fresh: true });
  return topic;
}

/**
 * RECORD_TOO_LARGE unless each record alone fits the topic's max.message.bytes as the
 * log will store it. Cheap for records clearly below the limit; the few near or over it
 * are encoded exactly.
 */
export function checkRecordSizes(topic: TopicRecord, records: readonly RecordInput[]): void {
  const config = effectiveConfig(topic.config);
  const maxBytes = Number(config['max.message.bytes']);
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

interface Group {
  indices: number[];
  records: RecordInput[];
}

/** Explicit partition, else Kafka's key hash, else one random partition for the whole request. */
export function assignPartitions(prepared: readonly PreparedRecord[], partitions: number): number[] {
  let sticky: number | undefined;
  return prepared.map(({ record, partition }) => {
    if (partition !== undefined) return partition;
    if (record.key !== null) return defaultPartition(record.key, partitions);
    return (sticky ??= Math.floor(Math.random() * partitions));
  });
}

type OffsetEntry = { partition: number; offset: number } | { partition: number; error: { code: string; message: string } };

async function produceJson(req: ApiRequest, ctx: OperationContext, topicName: string): Promise<ApiResponse> {
  queryParams(req, []);
  const prepared = prepareJsonRecords(parseJsonBody(req));
  const highest = prepared.reduce((m, p) => Math.max(m, p.partition ?? -1), -1);

  const log = await ctx.log();
  const topic = await topicFor(log, topicName, highest);
  prepared.forEach((p, i) => {
    if (p.partition !== undefined && p.partition >= topic.partitions) {
      throw new UnknownTopicOrPartitionError(
        `records[${i}]: partition ${p.partition} of topic '${topicName}' does not exist (partitions: ${topic.partitions}). Nothing was written.`,
        { record: i },
      );
    }
  });
  checkRecordSizes(topic, prepared.map((p) => p.record));

  const targets = assignPartitions(prepared, topic.partitions);
  const groups = new Map<number, Group>();
  targets.forEach((p, i) => {
    let g = groups.get(p);
    if (!g) groups.set(p, (g = { indices: [], records: [] }));
    g.indices.push(i);
    g.records.push(prepared[i]!.record);
  });

  // With an Idempotency-Key, a retry of this request gets the first answer instead of
  // appending again (scoped by topic id, so a re-created topic starts afresh).
  const key = idempotencyKey(req);
  const append = () => appendGroups(ctx, log, topicName, groups, prepared.length);
  const body = key === undefined ? (await append()).response : await log.once(`topic#${topic.topicId}`, key, append);
  return { status: 200, body };
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

async function appendGroups(
  ctx: OperationContext,
  log: Log,
  topicName: string,
  groups: Map<number, Group>,
  count: number,
): Promise<{ response: { offsets: OffsetEntry[] }; wrote: boolean }> {
  const entries = [...groups.entries()];
  const settled = await Promise.allSettled(entries.map(([p, g]) => log.append(topicName, p, { records: g.records })));

  // Every partition failed: nothing was written, so the request as a whole failed and is
  // answered with the (first) error's own status: a dependency outage is a retriable 503
  // with Retry-After rather than a 200 full of per-record errors. When only some
  // partitions failed, the others are committed: 200 with per-record errors.
  if (settled.every((s) => s.status === 'rejected')) throw (settled[0] as PromiseRejectedResult).reason;

  const offsets: OffsetEntry[] = new Array(count);
  settled.forEach((s, k) => {
    const [partition, group] = entries[k]!;
    if (s.status === 'fulfilled') {
      group.indices.forEach((index, j) => (offsets[index] = { partition, offset: s.value.baseOffset + j }));
      return;
    }
    const err: unknown = s.reason;
    if (!isSluiceError(err)) ctx.logger.error('append failed', { partition, error: err as Error });
    const error = isSluiceError(err)
      ? { code: err.code, message: err.message, ...(err.retriable ? { retriable: true } : {}) }
      : { code: 'UNKNOWN_SERVER_ERROR', message: 'Internal server error; it has been logged.' };
    for (const index of group.indices) offsets[index] = { partition, error };
  });
  return { response: { offsets }, wrote: true };
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
