// POST /v1/fetch: one long poll over many partitions (lib/log/multifetch.ts), in JSON or
// as per-partition frames of raw RecordBatch v2 blocks (lib/core/fetchFrames.ts).
//
//   {"partitions":[{"topic":"orders","partition":0,"offset":42}, ...],   1..1000, distinct
//    "waitMs":5000, "maxRecords":500, "maxBytes":1048576, "encoding":"json"}
//   → 200 {"partitions":[
//        {"topic","partition","records":[...],"nextOffset","highWatermark","logStartOffset"},
//        {"topic","partition","error":{"code":"OFFSET_OUT_OF_RANGE","message",
//                                       "logStartOffset","highWatermark"}}, ...]}
//   one entry per requested partition, in request order. With
//   `Accept: application/vnd.sluice.partitions+recordbatch` the answer is the frames.
//
// maxRecords and maxBytes bound the whole answer and are shared among the partitions that
// have data; the answer is also cut to stay under Lambda's payload limit, at a record (or
// batch) boundary, each partition's nextOffset then pointing at what was left out.
import { InvalidRequestError, type SluiceError } from '../../core/errors.ts';
import * as z from 'zod/mini';
import { encodeFrames, type PartitionFrame } from '../../core/fetchFrames.ts';
import { MULTI_FETCH_LIMITS, MULTI_FETCH_TYPE, type PartitionFailure } from '../../core/wire.ts';
import type { PartitionAnswer } from '../../log/index.ts';
import { validateTopicName } from '../../log/topics.ts';
import { readBatchHeaders } from '../../records/index.ts';
import { accepts, MAX_RESPONSE_BYTES, type ApiRequest, type ApiResponse } from '../http.ts';
import type { OperationContext } from '../operation.ts';
import { validate } from '../schema.ts';
import { parseJsonBody, requireJsonContentType } from '../validation.ts';
import { ANSWER_MARGIN_MS, ENVELOPE_BYTES, READ_BUDGET, renderRecord, serializedSize, tooLargeForResponse, type FetchEncoding, type JsonRecord } from './fetch.ts';

const count = z.number().check(z.int(), z.minimum(0));
const between = (min: number, max: number) => z.number().check(z.int(), z.minimum(min), z.maximum(max));

const MultiFetchBody = z.strictObject({
  partitions: z
    .array(z.strictObject({ topic: z.string(), partition: count, offset: count }))
    .check(z.minLength(1), z.maxLength(MULTI_FETCH_LIMITS.partitions)),
  waitMs: z.optional(between(0, MULTI_FETCH_LIMITS.waitMs.max)),
  maxRecords: z.optional(between(1, MULTI_FETCH_LIMITS.maxRecords.max)),
  maxBytes: z.optional(between(1, MULTI_FETCH_LIMITS.maxBytes.max)),
  encoding: z.optional(z.enum(['json', 'string', 'base64'])),
});

type Body = z.output<typeof MultiFetchBody>;

function parse(req: ApiRequest): Body {
  requireJsonContentType(req);
  const body = validate(MultiFetchBody, parseJsonBody(req));
  const seen = new Set<string>();
  body.partitions.forEach((p, i) => {
    validateTopicName(p.topic);
    const key = `${p.topic}\u0000${p.partition}`;
    if (seen.has(key)) {
      throw new InvalidRequestError(`'partitions[${i}]': partition ${p.partition} of '${p.topic}' is listed twice.`, { fields: [`partitions[${i}]`] });
    }
    seen.add(key);
  });
  return body;
}

/** The error of a failed partition as it stands in the answer. */
const errorBody = (err: SluiceError): PartitionFailure['error'] => err.toJSON().error;

export async function multiFetch(req: ApiRequest, ctx: OperationContext): Promise<ApiResponse> {
  const body = parse(req);
  let waitMs = body.waitMs ?? MULTI_FETCH_LIMITS.waitMs.default;
  const remaining = ctx.remainingMs();
  if (remaining !== undefined) waitMs = Math.max(0, Math.min(waitMs, remaining - ANSWER_MARGIN_MS));
  const raw = accepts(req.headers.accept, MULTI_FETCH_TYPE);
  const log = await ctx.log();
  const answers = await log.multiFetch(body.partitions, {
    maxRecords: body.maxRecords ?? MULTI_FETCH_LIMITS.maxRecords.default,
    maxBytes: Math.min(body.maxBytes ?? MULTI_FETCH_LIMITS.maxBytes.default, READ_BUDGET),
    waitMs,
    form: raw ? 'batches' : 'records',
  });
  if (raw) return { status: 200, headers: { 'Content-Type': MULTI_FETCH_TYPE }, body: framesWithin(answers, body.partitions.map((p) => p.offset)) };
  return { status: 200, body: { partitions: jsonWithin(answers, body.encoding ?? 'json') } };
}

/** JSON entries, records cut where the answer would pass the payload limit. */
function jsonWithin(answers: readonly PartitionAnswer[], encoding: FetchEncoding): unknown[] {
  let size = ENVELOPE_BYTES;
  return answers.map((a) => {
    const head = { topic: a.topic, partition: a.partition };
    if (a.error) {
      const entry = { ...head, error: errorBody(a.error) };
      size += Buffer.byteLength(JSON.stringify(entry));
      return entry;
    }
    const records: JsonRecord[] = [];
    let nextOffset = a.nextOffset;
    for (const r of a.records ?? []) {
      const rec = renderRecord(r, encoding);
      const bytes = serializedSize(rec, r) + 1;
      if (size + bytes > MAX_RESPONSE_BYTES) {
        if (size === ENVELOPE_BYTES) return { ...head, error: errorBody(tooLargeForResponse(r.offset, bytes)) };
        nextOffset = r.offset;
        break;
      }
      records.push(rec);
      size += bytes;
    }
    size += ENVELOPE_BYTES;
    return { ...head, records, nextOffset, highWatermark: a.highWatermark, logStartOffset: a.logStartOffset };
  });
}

/** Room a frame takes besides its topic, error and batches (fetchFrames.ts). */
const FRAME_BYTES = 38;

/**
 * Frames, batches cut at a batch boundary where the base64 answer would pass the payload
 * limit; a partition cut short continues after its last batch sent (or at `asked`).
 */
function framesWithin(answers: readonly PartitionAnswer[], asked: readonly number[]): Buffer {
  const base64 = (n: number) => Math.ceil(n / 3) * 4;
  let size = 4;
  let data = 0;
  const frames = answers.map((a, i): PartitionFrame => {
    const frame: PartitionFrame = {
      topic: a.topic,
      partition: a.partition,
      nextOffset: a.nextOffset,
      highWatermark: a.highWatermark,
      logStartOffset: a.logStartOffset,
      batches: new Uint8Array(0),
    };
    size += FRAME_BYTES + Buffer.byteLength(a.topic);
    if (a.error) {
      frame.error = errorBody(a.error);
      size += Buffer.byteLength(JSON.stringify(frame.error));
      return frame;
    }
    const batches = a.batches ?? Buffer.alloc(0);
    let end = 0;
    let next = asked[i]!;
    for (const h of batches.length > 0 ? readBatchHeaders(batches, { verifyCrc: false }) : []) {
      if (base64(size + end + h.sizeInBytes) > MAX_RESPONSE_BYTES) {
        if (data + end === 0) frame.error = errorBody(tooLargeForResponse(Math.max(asked[i]!, h.baseOffset), h.sizeInBytes));
        break;
      }
      end += h.sizeInBytes;
      next = h.baseOffset + h.lastOffsetDelta + 1;
    }
    if (frame.error) return frame;
    if (end < batches.length) frame.nextOffset = next;
    frame.batches = batches.subarray(0, end);
    size += end;
    data += end;
    return frame;
  });
  return encodeFrames(frames);
}
