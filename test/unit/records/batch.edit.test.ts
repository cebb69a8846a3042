import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CorruptMessageError } from '../../../lib/core/errors.ts';
import { decodeBatches, encodeBatch, readBatchHeaders, setBaseOffset, setLogAppendTime } from '../../../lib/records/index.ts';
import { batchInput } from './arbitraries.ts';
import { kafkajsDecode } from './kafkajs.ts';

const three = () =>
  encodeBatch({
    records: [
      { key: Buffer.from('a'), value: Buffer.from('1'), timestamp: 1000 },
      { key: Buffer.from('b'), value: Buffer.from('2'), timestamp: 900 },
      { key: Buffer.from('c'), value: Buffer.from('3'), timestamp: 1100 },
    ],
  });

describe('setBaseOffset', () => {
  it('renumbers the records and leaves the CRC valid', () => {
    fc.assert(
      fc.property(batchInput, fc.integer({ min: 0, max: 2 ** 52 }), (input, baseOffset) => {
        const buf = encodeBatch(input);

        setBaseOffset(buf, 0, baseOffset);

        const [batch] = decodeBatches(buf); // verifies the CRC
        expect(batch!.baseOffset).toBe(baseOffset);
        expect(batch!.records.map((r) => r.offset)).toEqual(input.records.map((_, i) => baseOffset + i));
      }),
      { numRuns: 100 },
    );
  });

  it('edits only the batch at batchStart', () => {
    const first = three();
    const buf = Buffer.concat([first, three()]);

    setBaseOffset(buf, first.length, 3);

    expect(readBatchHeaders(buf).map((h) => h.baseOffset)).toEqual([0, 3]);
  });

  it('rejects a position with no room for a header, and a negative offset', () => {
    const buf = three();

    expect(() => setBaseOffset(buf, buf.length - 10, 1)).toThrow(RangeError);
    expect(() => setBaseOffset(buf, 0, -1)).toThrow(RangeError);
  });
});

describe('setLogAppendTime', () => {
  it('turns a CREATE_TIME batch into a valid LOG_APPEND_TIME batch', () => {
    fc.assert(
      fc.property(batchInput, fc.integer({ min: 0, max: 2 ** 50 }), (input, ts) => {
        const buf = encodeBatch(input);

        setLogAppendTime(buf, 0, ts);

        const [batch] = decodeBatches(buf); // verifies the CRC
        expect(batch).toMatchObject({
          timestampType: 'LOG_APPEND_TIME',
          firstTimestamp: ts,
          maxTimestamp: ts,
          compression: input.compression ?? 'none',
          isTransactional: input.isTransactional ?? false,
        });
        expect(batch!.records.every((r) => r.timestamp === ts)).toBe(true);
      }),
      { numRuns: 100 },
    );
  });

  it('produces a batch kafkajs reads as LOG_APPEND_TIME', async () => {
    const buf = three();

    setLogAppendTime(buf, 0, 1_700_000_000_000);

    const theirs = await kafkajsDecode(buf);
    expect(theirs.timestampType).toBe(1);
    expect(theirs.records.map((r) => r.timestamp)).toEqual(Array(3).fill('1700000000000'));
  });

  it('edits the second of two batches without disturbing the first', () => {
    const first = three();
    const buf = Buffer.concat([first, three()]);

    setLogAppendTime(buf, first.length, 5000);

    expect(readBatchHeaders(buf).map((h) => h.timestampType)).toEqual(['CREATE_TIME', 'LOG_APPEND_TIME']);
  });

  it('refuses to re-checksum a batch that is already corrupt', () => {
    const buf = three();
    buf[buf.length - 1]! ^= 0xff;

    expect(() => setLogAppendTime(buf, 0, 5000)).toThrow(CorruptMessageError);
  });
});
