// GET /v1/topics/{topic}/partitions/{p}/records and .../offsets: reads, as JSON or as raw
// RecordBatch v2 blocks. Responses stay under Lambda's 6 MB payload limit: the log is
// asked for at most READ_BUDGET bytes and the rendered answer is cut at a record (or
// batch) boundary when it would still grow past MAX_RESPONSE_BYTES; `nextOffset` then
// points at the first record left out.
import { MessageTooLargeError, InvalidRequestError } from '../../core/errors.ts';
import { MAX_RESPONSE_BYTES, RESPONSE_ENVELOPE_BYTES } from '../../core/limits.ts';
import { FETCH_HEADERS, FETCH_LIMITS, RECORD_BATCH_TYPE, type JsonRecord, type RecordEncoding } from '../../core/wire.ts';
import { accepts, isUtf8, type ApiResponse } from '../http.ts';
import type { Operation, Operations } from '../operation.ts';
import { batchesThatFit } from '../../log/fetch.ts';
import type { FetchedRecord } from '../../log/index.ts';
import { validateTopicName } from '../../log/schema.ts';
import { parseInteger, partitionParam, queryParams, topicParam, truncate } from '../validation.ts';

/** Most bytes read from the log for one response; base64 of this stays below 6 MB. */
const READ_BUDGET = 4_194_304;
/** Time kept back from a long poll for answering before Lambda's timeout. */
const ANSWER_MARGIN_MS = 2_000;

export type FetchEncoding = RecordEncoding;

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

export type { JsonRecord } from '../../core/wire.ts';

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

/** A record with its key, value and header values in base64, each flagged as such. */
export function renderBase64(r: FetchedRecord): JsonRecord {
  return {
    ...renderRecord(r, 'base64'),
    ...(r.key !== null ? { keyEncoding: 'base64' as const } : {}),
    ...(r.value !== null ? { valueEncoding: 'base64' as const } : {}),
    ...(r.headers.length > 0 ? { headerEncoding: 'base64' as const } : {}),
  };
}

/** Serialized size; a value too deeply nested to serialize is sent as its text instead. */
function serializedSize(rec: JsonRecord, raw: FetchedRecord): number {
  try {
    return Buffer.byteLength(JSON.stringify(rec));
  } catch {
    rec.value = raw.value === null ? null : utf8Lenient.decode(raw.value);
    rec.key = raw.key === null ? null : utf8Lenient.decode(raw.key);
    return Buffer.byteLength(JSON.stringify(rec));
  }
}

function tooLargeForResponse(offset: number, bytes: number): MessageTooLargeError {
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
    // Lambda answers binary bodies in base64: cut at the last batch boundary that fits.
    const fits = (bytes: number) => Math.ceil(bytes / 3) * 4 <= MAX_RESPONSE_BYTES;
    if (!fits(body.length)) {
      const cut = batchesThatFit(body, fits);
      if (cut.bytes === 0) throw tooLargeForResponse(offset, cut.firstBatchBytes!);
      body = body.subarray(0, cut.bytes);
      nextOffset = cut.nextOffset ?? offset;
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
  let size = RESPONSE_ENVELOPE_BYTES;
  let nextOffset = result.nextOffset;
  for (const raw of result.records) {
    let rec = renderRecord(raw, encoding);
    let bytes = serializedSize(rec, raw) + 1;
    if (records.length === 0 && size + bytes > MAX_RESPONSE_BYTES) {
      // The first record goes out whatever form it takes, so a reader always gets past
      // it: base64 takes 4/3 of its bytes, and produce refuses a record whose base64
      // form could not fit (recordResponseBound).
      rec = renderBase64(raw);
      bytes = serializedSize(rec, raw) + 1;
    }
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

export const fetchOperations: Operations = { fetch, listOffsets };
