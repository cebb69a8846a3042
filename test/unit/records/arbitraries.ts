// fast-check generators for the codec's inputs, shared by the property tests.

import fc from 'fast-check';
import type { BatchInput, DecodedBatch, RecordHeader, RecordInput } from '../../../lib/records/types.ts';

export const bytes = (maxLength = 48): fc.Arbitrary<Buffer> =>
  fc.uint8Array({ maxLength }).map((u) => Buffer.from(u));

export const nullableBytes = (maxLength = 48): fc.Arbitrary<Buffer | null> =>
  fc.option(bytes(maxLength), { nil: null, freq: 4 });

/** Header keys: ASCII, multi-byte graphemes (emoji, CJK, combining marks) and any code point. */
export const headerKey: fc.Arbitrary<string> = fc.oneof(
  fc.string({ maxLength: 12 }),
  fc.string({ unit: 'grapheme', maxLength: 6 }),
  fc.string({ unit: 'binary', maxLength: 6 }),
);

export const header: fc.Arbitrary<RecordHeader> = fc.record({ key: headerKey, value: nullableBytes(24) });

/** Epoch ms across the whole range a timestamp can take, biased toward realistic values. */
export const timestamp: fc.Arbitrary<number> = fc.oneof(
  fc.integer({ min: 1_600_000_000_000, max: 1_900_000_000_000 }),
  fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }),
);

export const record: fc.Arbitrary<RecordInput & { timestamp: number }> = fc.record({
  key: nullableBytes(),
  value: nullableBytes(),
  headers: fc.array(header, { maxLength: 4 }),
  timestamp,
});

export const batchInput: fc.Arbitrary<BatchInput> = fc.record(
  {
    records: fc.array(record, { minLength: 1, maxLength: 12 }),
    baseOffset: fc.oneof(fc.integer({ min: 0, max: 1_000_000 }), fc.integer({ min: 0, max: 2 ** 52 })),
    compression: fc.constantFrom('none' as const, 'gzip' as const),
    timestampType: fc.constantFrom('CREATE_TIME' as const, 'LOG_APPEND_TIME' as const),
    logAppendTime: timestamp,
    partitionLeaderEpoch: fc.integer({ min: -1, max: 2 ** 31 - 1 }),
    producerId: fc.bigInt({ min: -1n, max: 2n ** 63n - 1n }),
    producerEpoch: fc.integer({ min: -1, max: 2 ** 15 - 1 }),
    baseSequence: fc.integer({ min: -1, max: 2 ** 31 - 1 }),
    isTransactional: fc.boolean(),
  },
  { requiredKeys: ['records', 'logAppendTime'] },
);

/** What decodeBatches must report for a batch encoded from `input` (all timestamps given). */
export function expectedBatch(input: BatchInput): Omit<DecodedBatch, 'crc' | 'batchLength' | 'sizeInBytes' | 'attributes'> {
  const logAppend = input.timestampType === 'LOG_APPEND_TIME';
  const ts = input.records.map((r) => r.timestamp!);
  const first = logAppend ? input.logAppendTime! : ts[0]!;
  const max = logAppend ? input.logAppendTime! : Math.max(...ts);
  const baseOffset = input.baseOffset ?? 0;
  return {
    baseOffset,
    partitionLeaderEpoch: input.partitionLeaderEpoch ?? -1,
    magic: 2,
    compression: input.compression ?? 'none',
    timestampType: input.timestampType ?? 'CREATE_TIME',
    isTransactional: input.isTransactional ?? false,
    isControl: false,
    lastOffsetDelta: input.records.length - 1,
    firstTimestamp: first,
    maxTimestamp: max,
    producerId: input.producerId ?? -1n,
    producerEpoch: input.producerEpoch ?? -1,
    baseSequence: input.baseSequence ?? -1,
    recordCount: input.records.length,
    records: input.records.map((r, i) => ({
      offset: baseOffset + i,
      timestamp: logAppend ? max : r.timestamp!,
      key: r.key,
      value: r.value,
      headers: (r.headers ?? []).map((h) => ({ key: h.key, value: h.value })),
    })),
  };
}
