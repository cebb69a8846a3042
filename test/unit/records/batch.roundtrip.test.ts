import fc from 'fast-check';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { InvalidRequestError, InvalidTimestampError } from '../../../lib/core/errors.ts';
import { BATCH_HEADER_SIZE, decodeBatches, encodeBatch, readBatchHeaders } from '../../../lib/records/index.ts';
import { batchInput, expectedBatch } from './arbitraries.ts';

describe('encodeBatch → decodeBatches', () => {
  it('returns every record and header field it was given', () => {
    fc.assert(
      fc.property(batchInput, (input) => {
        const [batch, ...rest] = decodeBatches(encodeBatch(input));

        expect(rest).toHaveLength(0);
        expect(batch).toMatchObject(expectedBatch(input));
      }),
      { numRuns: 300 },
    );
  });

  it('decodes several concatenated batches in order, each with its own fields', () => {
    fc.assert(
      fc.property(fc.array(batchInput, { minLength: 1, maxLength: 4 }), (inputs) => {
        const encoded = inputs.map((input) => encodeBatch(input));

        const batches = decodeBatches(Buffer.concat(encoded));

        expect(batches).toHaveLength(inputs.length);
        batches.forEach((batch, i) => {
          expect(batch).toMatchObject(expectedBatch(inputs[i]!));
          expect(batch.sizeInBytes).toBe(encoded[i]!.length);
        });
      }),
      { numRuns: 100 },
    );
  });

  it('reproduces the same bytes when the decoded batch is encoded again', () => {
    fc.assert(
      fc.property(batchInput, (input) => {
        const bytes = encodeBatch(input);
        const [b] = decodeBatches(bytes);

        const again = encodeBatch({
          records: b!.records.map((r) => ({ key: r.key, value: r.value, headers: r.headers, timestamp: r.timestamp })),
          baseOffset: b!.baseOffset,
          compression: b!.compression,
          timestampType: b!.timestampType,
          logAppendTime: b!.maxTimestamp,
          partitionLeaderEpoch: b!.partitionLeaderEpoch,
          producerId: b!.producerId,
          producerEpoch: b!.producerEpoch,
          baseSequence: b!.baseSequence,
          isTransactional: b!.isTransactional,
        });

        expect(again).toEqual(bytes);
      }),
      { numRuns: 200 },
    );
  });
});

describe('readBatchHeaders', () => {
  it('agrees with decodeBatches on every header field', () => {
    fc.assert(
      fc.property(fc.array(batchInput, { minLength: 1, maxLength: 3 }), (inputs) => {
        const buf = Buffer.concat(inputs.map((input) => encodeBatch(input)));

        const headers = readBatchHeaders(buf);

        expect(headers).toEqual(decodeBatches(buf).map(({ records: _records, ...header }) => header));
      }),
      { numRuns: 100 },
    );
  });
});

describe('encodeBatch', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('gives records without a timestamp one "now" shared by the whole batch', () => {
    vi.spyOn(Date, 'now').mockReturnValueOnce(1_700_000_000_123).mockReturnValue(1_800_000_000_000);

    const [batch] = decodeBatches(
      encodeBatch({ records: [{ key: null, value: null }, { key: null, value: null, timestamp: 5 }, { key: null, value: null }] }),
    );

    expect(batch!.records.map((r) => r.timestamp)).toEqual([1_700_000_000_123, 5, 1_700_000_000_123]);
  });

  it('takes baseTimestamp from the first record and maxTimestamp from the latest, like Kafka', () => {
    const [batch] = decodeBatches(
      encodeBatch({
        records: [
          { key: null, value: null, timestamp: 2000 },
          { key: null, value: null, timestamp: 1000 },
          { key: null, value: null, timestamp: 3000 },
        ],
      }),
    );

    expect(batch!.firstTimestamp).toBe(2000);
    expect(batch!.maxTimestamp).toBe(3000);
    expect(batch!.records.map((r) => r.timestamp)).toEqual([2000, 1000, 3000]);
  });

  it('fills Kafka\'s "no producer" defaults', () => {
    const [header] = readBatchHeaders(encodeBatch({ records: [{ key: null, value: Buffer.from('v'), timestamp: 1 }] }));

    expect(header).toMatchObject({
      baseOffset: 0,
      partitionLeaderEpoch: -1,
      producerId: -1n,
      producerEpoch: -1,
      baseSequence: -1,
      timestampType: 'CREATE_TIME',
      compression: 'none',
      isTransactional: false,
      lastOffsetDelta: 0,
      recordCount: 1,
    });
  });

  it('stamps LOG_APPEND_TIME batches with the append time for every record', () => {
    const [batch] = decodeBatches(
      encodeBatch({
        records: [
          { key: null, value: null, timestamp: 1 },
          { key: null, value: null, timestamp: 2 },
        ],
        timestampType: 'LOG_APPEND_TIME',
        logAppendTime: 1_700_000_000_000,
      }),
    );

    expect(batch).toMatchObject({ timestampType: 'LOG_APPEND_TIME', firstTimestamp: 1_700_000_000_000, maxTimestamp: 1_700_000_000_000 });
    expect(batch!.records.map((r) => r.timestamp)).toEqual([1_700_000_000_000, 1_700_000_000_000]);
  });

  it('returns uncompressed keys and values as views into the input, not copies', () => {
    const buf = encodeBatch({ records: [{ key: Buffer.from('k'), value: Buffer.from('value'), timestamp: 1 }] });
    const [batch] = decodeBatches(buf);
    const value = batch!.records[0]!.value!;

    expect(value.buffer).toBe(buf.buffer);
  });

  it('writes the records section right after the 61-byte header', () => {
    const buf = encodeBatch({ records: [{ key: null, value: null, timestamp: 1 }] });

    // length 6, attributes 0, timestampDelta 0, offsetDelta 0, key -1, value -1, 0 headers
    expect(buf.subarray(BATCH_HEADER_SIZE).toString('hex')).toBe('0c0000000101' + '00');
  });

  it('handles a batch bigger than its reusable scratch space, and small batches after it', () => {
    const many = Array.from({ length: 70_000 }, (_, i) => ({
      key: null,
      value: Buffer.from([i & 0xff]),
      headers: [{ key: 'i', value: null }],
      timestamp: 1000 + (i % 7),
    }));

    const [big] = decodeBatches(encodeBatch({ records: many }));
    const [small] = decodeBatches(encodeBatch({ records: [{ key: null, value: Buffer.from('x'), timestamp: 1 }] }));

    expect(big!.records).toHaveLength(70_000);
    expect(big!.records[69_999]).toEqual({ offset: 69_999, timestamp: 1000 + (69_999 % 7), key: null, value: Buffer.from([69_999 & 0xff]), headers: [{ key: 'i', value: null }] });
    expect(small!.records[0]!.value).toEqual(Buffer.from('x'));
  });

  it('refuses an empty batch', () => {
    expect(() => encodeBatch({ records: [] })).toThrow(InvalidRequestError);
  });

  it('refuses a negative or fractional timestamp', () => {
    expect(() => encodeBatch({ records: [{ key: null, value: null, timestamp: -5 }] })).toThrow(InvalidTimestampError);
    expect(() => encodeBatch({ records: [{ key: null, value: null, timestamp: 1.5 }] })).toThrow(InvalidTimestampError);
  });

  it('refuses a value that is not bytes', () => {
    const notBytes = 'text' as unknown as Buffer;

    expect(() => encodeBatch({ records: [{ key: null, value: notBytes, timestamp: 1 }] })).toThrow(/value must be a Buffer/);
  });
});
