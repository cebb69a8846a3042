// Keeping some records of a batch (key compaction's rewrite): the kept records decode
// exactly as before, at the same offsets and timestamps; the batch still spans the same
// offsets; a batch keeping nothing is an empty batch readers step over.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeBatches, encodeBatch, readBatchHeaders, retainRecords } from '../../../lib/records/index.ts';
import { batchInput } from './arbitraries.ts';

describe('retainRecords', () => {
  it('keeps exactly the chosen records, with their offsets, timestamps, keys, values and headers', () => {
    fc.assert(
      fc.property(batchInput, fc.array(fc.boolean(), { minLength: 12, maxLength: 12 }), (input, mask) => {
        const original = encodeBatch(input);
        const [before] = decodeBatches(original);

        const { batch, kept } = retainRecords(original, (i) => mask[i]!);

        const [after] = decodeBatches(batch);
        const wanted = before!.records.filter((_, i) => mask[i]);
        expect(kept).toBe(wanted.length);
        expect(after!.records).toEqual(wanted);
        expect(after!.recordCount).toBe(wanted.length);
        expect(after!.baseOffset).toBe(before!.baseOffset);
        expect(after!.lastOffsetDelta).toBe(before!.lastOffsetDelta);
        expect(after!.maxTimestamp).toBe(before!.maxTimestamp);
        expect(after!.firstTimestamp).toBe(before!.firstTimestamp);
        expect([after!.producerId, after!.producerEpoch, after!.baseSequence]).toEqual([before!.producerId, before!.producerEpoch, before!.baseSequence]);
        expect(after!.timestampType).toBe(before!.timestampType);
      }),
      { numRuns: 300 },
    );
  });

  it('returns the batch itself when every record is kept', () => {
    const original = encodeBatch({ records: [{ key: Buffer.from('k'), value: Buffer.from('v'), timestamp: 1 }] });
    expect(retainRecords(original, () => true).batch).toBe(original);
  });

  it('leaves an empty, uncompressed batch covering the same offsets when nothing is kept', () => {
    const original = encodeBatch({
      baseOffset: 40,
      compression: 'gzip',
      records: [1, 2, 3].map((n) => ({ key: Buffer.from(`k${n}`), value: Buffer.from('v'), timestamp: 1000 + n })),
    });

    const { batch, kept } = retainRecords(original, () => false);

    expect(kept).toBe(0);
    const [h] = readBatchHeaders(batch);
    expect(h).toMatchObject({ baseOffset: 40, lastOffsetDelta: 2, recordCount: 0, compression: 'none', maxTimestamp: 1003, sizeInBytes: 61 });
    expect(decodeBatches(batch)[0]!.records).toEqual([]);
  });

  it('refuses a corrupt batch rather than giving it a fresh checksum', () => {
    const original = encodeBatch({ records: [{ key: Buffer.from('k'), value: Buffer.from('value'), timestamp: 1 }] });
    original[original.length - 2] = original[original.length - 2]! ^ 0xff;
    expect(() => retainRecords(original, () => false)).toThrow(expect.objectContaining({ code: 'CORRUPT_MESSAGE' }));
  });
});
