// The binary answer of POST /v1/fetch (MULTI_FETCH_TYPE): one frame per requested
// partition, in request order, each carrying where that partition stands and its raw
// RecordBatch v2 blocks, so a consumer reads its whole assignment from one answer and
// decodes the batches exactly as it does those of a single-partition binary fetch.
// Shared by the server (encode) and the SDK (decode); Node's Buffer only.
//
// Big-endian throughout, like Kafka's wire format:
//
//   answer        := frameCount:int32  frame[frameCount]
//   frame         := topicLength:int16  topic:utf8[topicLength]
//                    partition:int32
//                    nextOffset:int64          where to continue (the asked offset when
//                                              there is no data or an error)
//                    highWatermark:int64       -1 when unknown (the partition failed)
//                    logStartOffset:int64      -1 when unknown
//                    errorLength:int32  error:utf8[errorLength]
//                                              0: none; else the JSON object
//                                              {"code","message",...details} of the error
//                                              body (OFFSET_OUT_OF_RANGE carries the bounds)
//                    batchesLength:int32  batches:bytes[batchesLength]
//                                              whole RecordBatch v2 blocks with absolute
//                                              base offsets (the first may start before the
//                                              asked offset, as from a Kafka broker)
import { CorruptMessageError } from './errors.ts';

export interface PartitionFrame {
  topic: string;
  partition: number;
  nextOffset: number;
  highWatermark: number;
  logStartOffset: number;
  error?: { code: string; message: string } & Record<string, unknown>;
  batches: Uint8Array;
}

/** Bytes of a frame besides its topic, error and batches. */
const FIXED_BYTES = 2 + 4 + 8 * 3 + 4 + 4;

export function encodeFrames(frames: readonly PartitionFrame[]): Buffer {
  const parts = frames.map((f) => ({
    f,
    topic: Buffer.from(f.topic, 'utf8'),
    error: f.error ? Buffer.from(JSON.stringify(f.error), 'utf8') : Buffer.alloc(0),
  }));
  const size = 4 + parts.reduce((n, p) => n + FIXED_BYTES + p.topic.length + p.error.length + p.f.batches.length, 0);
  const out = Buffer.allocUnsafe(size);
  let at = out.writeInt32BE(frames.length, 0);
  for (const { f, topic, error } of parts) {
    at = out.writeInt16BE(topic.length, at);
    at += topic.copy(out, at);
    at = out.writeInt32BE(f.partition, at);
    at = out.writeBigInt64BE(BigInt(f.nextOffset), at);
    at = out.writeBigInt64BE(BigInt(f.highWatermark), at);
    at = out.writeBigInt64BE(BigInt(f.logStartOffset), at);
    at = out.writeInt32BE(error.length, at);
    at += error.copy(out, at);
    at = out.writeInt32BE(f.batches.length, at);
    out.set(f.batches, at);
    at += f.batches.length;
  }
  return out;
}

export function decodeFrames(body: Uint8Array): PartitionFrame[] {
  const buf = Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  const corrupt = (why: string) => new CorruptMessageError(`Malformed multi-partition fetch answer: ${why}.`);
  const need = (at: number, n: number) => {
    if (at + n > buf.length) throw corrupt(`${n} bytes needed at byte ${at} of ${buf.length}`);
  };
  need(0, 4);
  const count = buf.readInt32BE(0);
  if (count < 0) throw corrupt(`negative frame count ${count}`);
  const frames: PartitionFrame[] = [];
  let at = 4;
  for (let i = 0; i < count; i++) {
    need(at, 2);
    const topicLength = buf.readInt16BE(at);
    need(at + 2, Math.max(0, topicLength) + FIXED_BYTES - 2);
    if (topicLength < 0) throw corrupt(`negative topic length in frame ${i}`);
    const topic = buf.toString('utf8', at + 2, at + 2 + topicLength);
    at += 2 + topicLength;
    const partition = buf.readInt32BE(at);
    const nextOffset = Number(buf.readBigInt64BE(at + 4));
    const highWatermark = Number(buf.readBigInt64BE(at + 12));
    const logStartOffset = Number(buf.readBigInt64BE(at + 20));
    const errorLength = buf.readInt32BE(at + 28);
    at += 32;
    if (errorLength < 0) throw corrupt(`negative error length in frame ${i}`);
    need(at, errorLength + 4);
    const error = errorLength > 0 ? parseError(buf.toString('utf8', at, at + errorLength), corrupt) : undefined;
    at += errorLength;
    const batchesLength = buf.readInt32BE(at);
    at += 4;
    if (batchesLength < 0) throw corrupt(`negative batches length in frame ${i}`);
    need(at, batchesLength);
    const batches = buf.subarray(at, at + batchesLength);
    at += batchesLength;
    frames.push({ topic, partition, nextOffset, highWatermark, logStartOffset, ...(error ? { error } : {}), batches });
  }
  if (at !== buf.length) throw corrupt(`${buf.length - at} bytes after the last frame`);
  return frames;
}

function parseError(text: string, corrupt: (why: string) => Error): PartitionFrame['error'] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw corrupt('an error that is not JSON');
  }
  const e = parsed as { code?: unknown; message?: unknown };
  if (!e || typeof e !== 'object' || typeof e.code !== 'string' || typeof e.message !== 'string') throw corrupt('an error without code and message');
  return parsed as PartitionFrame['error'];
}
