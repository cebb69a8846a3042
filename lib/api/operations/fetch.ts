// GET /v1/topics/{topic}/partitions/{p}/records and .../offsets: reads, as JSON or as raw
// RecordBatch v2 blocks. Responses stay under Lambda's 6 MB payload limit: the log is
// asked for at most READ_BUDGET bytes and the rendered answer is cut at a record (or
// batch) boundary when it would still grow past MAX_RESPONSE_BYTES; `nextOffset` then
// points at the first record left out.
import { MessageTooLargeError, InvalidRequestError } from '../../core/errors.ts';
import { FETCH_HEADERS, FETCH_LIMITS, RECORD_BATCH_TYPE } from '../../core/wire.ts';
import { accepts, MAX_RESPONSE_BYTES, isUtf8, type ApiResponse } from '../http.ts';
import type { Operation, Operations } from '../operation.ts';
import type { FetchedRecord } from '../../log/index.ts';
import { validateTopicName } from '../../log/topics.ts';
import { readBatchHeaders } from '../../records/index.ts';
import { parseInteger, partitionParam, queryParams, topicParam, truncate } from '../validation.ts';
import { multiFetch } from './multiFetch.ts';

/** Most bytes read from the log for one response; base64 of this stays below 6 MB. */
export const READ_BUDGET = 4_194_304;
/** Time kept back from a long poll for answering before Lambda's timeout. */
export const ANSWER_MARGIN_MS = 2_000;
/** Room for the envelope around the records array. */
export const ENVELOPE_BYTES = 512;

export type FetchEncoding = 'json' | 'string' | 'base64';

const utf8Lenient = new TextDecoder('utf-8');

/**
 * Key or value bytes for a JSON response. `json`: parsed when the bytes are JSON, else
 * the string when they are UTF-8, else base64 (`encoded` says so). `string` and `base64`
 * force one form.
 */
export function renderBytes(bytes: Uint8Array | null, encoding: FetchEncoding): { value: unknown; base64?: true } {
  if (bytes === null) return { value: null };
  if (encoding === 'base64') return { value: Buffer.from(bytes).toString('base64') };
  if (encoding === 'string') return { value: utf8Lenient.decode(bytes) };
  // Binary values are common: test for UTF-8 rather than throw and catch per field.
  if (!isUtf8(bytes)) return { value: Buffer.from(bytes).toString('base64'), base64: true };
  const text = utf8Lenient.decode(bytes);
  try {
    const parsed: unknown = JSON.parse(text);
    // 1e400 parses as Infinity, which JSON cannot carry back: keep such text as it is.
    if (typeof parsed === 'number' && !Number.isFinite(parsed)) return { value: text };
    return { value: parsed };
  } catch {
    return { value: text };
  }
}

export interface JsonRecord {
  offset: number;
  timestamp: number;
  key: unknown;
  value: unknown;
  headers: Record<string, string | null>;
  keyEncoding?: 'base64';
  valueEncoding?: 'base64';
  headerEncoding?: 'base64';
}

/**
 * One record for a JSON response. Header values were produced as strings, so they come
 * back as strings (not JSON-parsed) under `json` and `string`; when one is not UTF-8
 * under `json`, all of that record's header values are base64 and `headerEncoding` says
 * so. A header name repeated in the record keeps its last value.
 */
export function renderRecord(r: FetchedRecord, encoding: FetchEncoding): JsonRecord {
  const key = renderBytes(r.key, encoding);
  const value = renderBytes(r.value, encoding);
  const headerBase64 =
    encoding === 'base64' || (encoding === 'json' && r.headers.some((h) => h.value !== null && !isUtf8(h.value)));
  const headers: Record<string, string | null> = Object.create(null) as Record<string, string | null>;
  for (const h of r.headers) {
    headers[h.key] =
      h.value === null ? null : headerBase64 ? Buffer.from(h.value).toString('base64') : utf8Lenient.decode(h.value);
  }
  return {
    offset: r.offset,
    timestamp: r.timestamp,
    key: key.value,
    value: value.value,
    headers: { ...headers },
    ...(key.base64 ? { keyEncoding: 'base64' as const } : {}),
    ...(value.base64 ? { valueEncoding: 'base64' as const } : {}),
    ...(headerBase64 && encoding === 'json' ? { headerEncoding: 'base64' as const } : {}),
  };
}

/** Serialized size; a value too deeply nested to serialize is sent as its text instead. */
export function serializedSize(rec: JsonRecord, raw: FetchedRecord): number {
  try {
    return Buffer.byteLength(JSON.stringify(rec));
  } catch {
    rec.value = raw.value === null ? null : utf8Lenient.decode(raw.value);
    rec.key = raw.key === null ? null : utf8Lenient.decode(raw.key);
    return Buffer.byteLength(JSON.stringify(rec));
  }
}

export function tooLargeForResponse(offset: number, bytes: number): MessageTooLargeError {
  return new MessageTooLargeError(
    `The data at offset ${offset} takes ${bytes} bytes in a response; the response limit is ${MAX_RESPONSE_BYTES}.`,
    { offset, maxResponseBytes: MAX_RESPONSE_BYTES },
  );
}

const fetch: Operation = async (req, ctx) => {
  const topic = validateTopicName(topicParam(req));
  const partition = partitionParam(req);
  const q = queryParams(req, ['offset', 'maxRecords', 'maxBytes', 'waitMs', 'encoding']);
  if (q.offset === undefined) throw new InvalidRequestError(`The query parameter 'offset' is required.`, { fields: ['offset'] });
  const offset = parseInteger("'offset'", q.offset);
  const maxRecords = q.maxRecords === undefined ? FETCH_LIMITS.maxRecords.default : parseInteger("'maxRecords'", q.maxRecords, { min: 1, max: FETCH_LIMITS.maxRecords.max });
  const maxBytes = q.maxBytes === undefined ? FETCH_LIMITS.maxBytes.default : parseInteger("'maxBytes'", q.maxBytes, { min: 1, max: FETCH_LIMITS.maxBytes.max });
  let waitMs = q.waitMs === undefined ? FETCH_LIMITS.waitMs.default : parseInteger("'waitMs'", q.waitMs, { max: FETCH_LIMITS.waitMs.max });
  const encoding = q.encoding ?? 'json';
  if (encoding !== 'json' && encoding !== 'string' && encoding !== 'base64') {
    throw new InvalidRequestError(`'encoding' must be json, string or base64; got '${truncate(encoding)}'.`, { fields: ['encoding'] });
  }
  const remaining = ctx.remainingMs();
  if (remaining !== undefined) waitMs = Math.max(0, Math.min(waitMs, remaining - ANSWER_MARGIN_MS));
  const opts = { offset, maxRecords, maxBytes: Math.min(maxBytes, READ_BUDGET), waitMs };
  const log = await ctx.log();

  if (accepts(req.headers.accept, RECORD_BATCH_TYPE)) {
    const result = await log.fetchBatches(topic, partition, opts);
    let body = result.batches;
    let nextOffset = result.nextOffset;
    if (Math.ceil(body.length / 3) * 4 > MAX_RESPONSE_BYTES) {
      // Cut at the last batch boundary that fits; batches here carry absolute offsets.
      let end = 0;
      let next = offset;
      for (const h of readBatchHeaders(body, { verifyCrc: false })) {
        if (end > 0 && Math.ceil((end + h.sizeInBytes) / 3) * 4 > MAX_RESPONSE_BYTES) break;
        if (end === 0 && Math.ceil(h.sizeInBytes / 3) * 4 > MAX_RESPONSE_BYTES) throw tooLargeForResponse(offset, h.sizeInBytes);
        end += h.sizeInBytes;
        next = h.baseOffset + h.lastOffsetDelta + 1;
      }
      body = body.subarray(0, end);
      nextOffset = next;
    }
    return {
      status: 200,
      headers: {
        'Content-Type': RECORD_BATCH_TYPE,
        [FETCH_HEADERS.nextOffset]: String(nextOffset),
        [FETCH_HEADERS.highWatermark]: String(result.highWatermark),
        [FETCH_HEADERS.logStartOffset]: String(result.logStartOffset),
      },
      body,
    } satisfies ApiResponse;
  }

  const result = await log.fetch(topic, partition, opts);
  const records: JsonRecord[] = [];
  let size = ENVELOPE_BYTES;
  let nextOffset = result.nextOffset;
  for (const raw of result.records) {
    const rec = renderRecord(raw, encoding);
    const bytes = serializedSize(rec, raw) + 1;
    if (size + bytes > MAX_RESPONSE_BYTES) {
      if (records.length === 0) throw tooLargeForResponse(raw.offset, bytes);
      nextOffset = raw.offset;
      break;
    }
    records.push(rec);
    size += bytes;
  }
  return {
    status: 200,
    body: { records, nextOffset, highWatermark: result.highWatermark, logStartOffset: result.logStartOffset },
  };
};

const listOffsets: Operation = async (req, ctx) => {
  const topic = validateTopicName(topicParam(req));
  const partition = partitionParam(req);
  const q = queryParams(req, ['at']);
  if (q.at === undefined) {
    throw new InvalidRequestError(`The query parameter 'at' is required: earliest, latest or a timestamp in epoch ms.`, {
      fields: ['at'],
    });
  }
  const at = q.at === 'earliest' || q.at === 'latest' ? q.at : parseInteger("'at'", q.at);
  const log = await ctx.log();
  return { status: 200, body: { offset: await log.listOffsets(topic, partition, at) } };
};

export const fetchOperations: Operations = { fetch, listOffsets, multiFetch };
