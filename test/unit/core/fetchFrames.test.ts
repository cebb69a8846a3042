// The binary frames of POST /v1/fetch: what is encoded decodes to the same frames, and a
// truncated or padded answer is refused as corrupt rather than misread.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CorruptMessageError } from '../../../lib/core/errors.ts';
import { decodeFrames, encodeFrames, type PartitionFrame } from '../../../lib/core/fetchFrames.ts';

const offset = fc.integer({ min: -1, max: Number.MAX_SAFE_INTEGER });
const frame: fc.Arbitrary<PartitionFrame> = fc.record(
  {
    topic: fc.string({ maxLength: 249 }),
    partition: fc.integer({ min: 0, max: 2 ** 31 - 1 }),
    nextOffset: offset,
    highWatermark: offset,
    logStartOffset: offset,
    error: fc.record({ code: fc.constantFrom('OFFSET_OUT_OF_RANGE', 'UNKNOWN_TOPIC_OR_PARTITION'), message: fc.string(), highWatermark: fc.nat() }),
    batches: fc.uint8Array({ maxLength: 64 }),
  },
  { requiredKeys: ['topic', 'partition', 'nextOffset', 'highWatermark', 'logStartOffset', 'batches'] },
);

describe('multi-partition fetch frames', () => {
  it('decode what was encoded', () => {
    fc.assert(
      fc.property(fc.array(frame, { maxLength: 8 }), (frames) => {
        const decoded = decodeFrames(encodeFrames(frames));
        expect(decoded.map((f) => ({ ...f, batches: Buffer.from(f.batches) }))).toEqual(frames.map((f) => ({ ...f, batches: Buffer.from(f.batches) })));
      }),
    );
  });

  it('refuse an answer cut short or followed by extra bytes', () => {
    fc.assert(
      fc.property(fc.array(frame, { minLength: 1, maxLength: 4 }), fc.nat(), (frames, cut) => {
        const body = encodeFrames(frames);
        expect(() => decodeFrames(body.subarray(0, cut % body.length))).toThrow(CorruptMessageError);
        expect(() => decodeFrames(Buffer.concat([body, Buffer.from([0])]))).toThrow(CorruptMessageError);
      }),
    );
  });
});
