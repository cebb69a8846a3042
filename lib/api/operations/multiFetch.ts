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
import type { SluiceError } from '../../core/errors.ts';
import { encodeFrames, type PartitionFrame } from '../../core/fetchFrames.ts';
import { MAX_RESPONSE_BYTES, RESPONSE_ENVELOPE_BYTES } from '../../core/limits.ts';
import { MULTI_FETCH_LIMITS, MULTI_FETCH_TYPE, type JsonRecord, type PartitionFailure } from '../../core/wire.ts';
import { batchesThatFit } from '../../log/fetch.ts';
import type { PartitionAnswer } from '../../log/index.ts';
import { parseMultiFetch } from '../../log/schema.ts';
import { accepts, type ApiRequest, type ApiResponse } from '../http.ts';
import type { OperationContext } from '../operation.ts';
import { parseJsonBody, requireJsonContentType } from '../validation.ts';
import { ANSWER_MARGIN_MS, READ_BUDGET, renderBase64, renderRecord, serializedSize, tooLargeForResponse, type FetchEncoding } from './fetch.ts';

/** The error of a failed partition as it stands in the answer. */
const errorBody = (err: SluiceError): PartitionFailure['error'] => err.toJSON().error;

export async function multiFetch(req: ApiRequest, ctx: OperationContext): Promise<ApiResponse> {
  requireJsonContentType(req);
  const body = parseMultiFetch(parseJsonBody(req));
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
  let size = RESPONSE_ENVELOPE_BYTES;
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
      let rec = renderRecord(r, encoding);
      let bytes = serializedSize(rec, r) + 1;
      if (size === RESPONSE_ENVELOPE_BYTES && size + bytes > MAX_RESPONSE_BYTES) {
        // The answer's first record goes out whatever form it takes, as in a single
        // partition's fetch (fetch.ts): its base64 form fits (recordResponseBound).
        rec = renderBase64(r);
        bytes = serializedSize(rec, r) + 1;
      }
      if (size + bytes > MAX_RESPONSE_BYTES) {
        if (size === RESPONSE_ENVELOPE_BYTES) return { ...head, error: errorBody(tooLargeForResponse(r.offset, bytes)) };
        nextOffset = r.offset;
        break;
      }
      records.push(rec);
      size += bytes;
    }
    size += RESPONSE_ENVELOPE_BYTES;
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
    const cut = batches.length > 0 ? batchesThatFit(batches, (bytes) => base64(size + bytes) <= MAX_RESPONSE_BYTES) : { bytes: 0 };
    if (cut.firstBatchBytes !== undefined && data === 0) {
      frame.error = errorBody(tooLargeForResponse(Math.max(asked[i]!, cut.firstBaseOffset ?? 0), cut.firstBatchBytes));
      return frame;
    }
    const end = cut.bytes;
    if (end < batches.length) frame.nextOffset = cut.nextOffset ?? asked[i]!;
    frame.batches = batches.subarray(0, end);
    size += end;
    data += end;
    return frame;
  });
  return encodeFrames(frames);
}
