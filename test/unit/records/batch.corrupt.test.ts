// Malformed input must fail loudly with the error class the API maps to the right Kafka
// code, and with a message that says which batch and what was wrong.

import { describe, expect, it } from 'vitest';
import { CorruptMessageError, UnsupportedCompressionError } from '../../../lib/core/errors.ts';
import { decodeBatches, encodeBatch, readBatchHeaders } from '../../../lib/records/index.ts';
import { crc32c } from '../../../lib/records/crc32c.ts';
import type { BatchInput } from '../../../lib/records/types.ts';

const input: BatchInput = {
  records: [
    { key: Buffer.from('k0'), value: Buffer.from('value-0'), headers: [{ key: 'h', value: Buffer.from('x') }], timestamp: 1000 },
    { key: null, value: Buffer.from('value-1'), timestamp: 1001 },
    { key: Buffer.from('k2'), value: null, timestamp: 1002 },
  ],
};

const batch = (extra: Partial<BatchInput> = {}) => encodeBatch({ ...input, ...extra });

/** Rewrites the CRC after a deliberate edit, so the check under test is the one that fires. */
function fixCrc(buf: Buffer, start = 0): Buffer {
  const end = start + 12 + buf.readInt32BE(start + 8);
  buf.writeUInt32BE(crc32c(buf, start + 21, end), start + 17);
  return buf;
}

function corruptError(fn: () => unknown): CorruptMessageError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(CorruptMessageError);
    expect((err as CorruptMessageError).code).toBe('CORRUPT_MESSAGE');
    return err as CorruptMessageError;
  }
  throw new Error('expected a CorruptMessageError, got none');
}

const both = [
  ['readBatchHeaders', (b: Buffer) => readBatchHeaders(b)],
  ['decodeBatches', (b: Buffer) => decodeBatches(b)],
] as const;

describe.each(both)('%s on a corrupt header', (_name, read) => {
  it('rejects an empty buffer', () => {
    expect(corruptError(() => read(Buffer.alloc(0))).message).toMatch(/empty/);
  });

  it('rejects a flipped byte as a CRC mismatch, naming both checksums', () => {
    const buf = batch();
    buf[buf.length - 3]! ^= 0x01;

    expect(corruptError(() => read(buf)).message).toMatch(/batch 0 at byte 0: CRC-32C mismatch: header says 0x[0-9a-f]{8}, contents give 0x[0-9a-f]{8}/);
  });

  it('rejects a batch cut short', () => {
    const buf = batch();

    expect(corruptError(() => read(buf.subarray(0, buf.length - 1))).message).toMatch(/truncated: batchLength \d+ needs/);
  });

  it('rejects fewer bytes than a header', () => {
    expect(corruptError(() => read(batch().subarray(0, 40))).message).toMatch(/40 bytes left but a batch header takes 61/);
  });

  it('rejects a trailing partial batch after a good one, naming the second batch', () => {
    const good = batch();
    const buf = Buffer.concat([good, good.subarray(0, 70)]);

    expect(corruptError(() => read(buf)).message).toMatch(new RegExp(`^batch 1 at byte ${good.length}: truncated`));
  });

  it('rejects a magic byte other than 2', () => {
    const buf = batch();
    buf.writeInt8(1, 16);

    expect(corruptError(() => read(buf)).message).toMatch(/magic byte is 1; only record batch v2/);
  });

  it('rejects a batchLength below the header minimum', () => {
    const buf = batch();
    buf.writeInt32BE(48, 8);

    expect(corruptError(() => read(buf)).message).toMatch(/batchLength 48 is below the 49-byte minimum/);
  });

  it('rejects a batchLength that claims more bytes than exist', () => {
    const buf = batch();
    buf.writeInt32BE(buf.length, 8);

    expect(corruptError(() => read(buf)).message).toMatch(/truncated/);
  });

  it('rejects a batchLength shorter than the batch (the CRC no longer matches)', () => {
    const buf = batch();
    buf.writeInt32BE(buf.readInt32BE(8) - 1, 8);

    expect(corruptError(() => read(buf)).message).toMatch(/CRC-32C mismatch/);
  });

  it('rejects a negative record count', () => {
    const buf = batch();
    buf.writeInt32BE(-1, 57);
    fixCrc(buf);

    expect(corruptError(() => read(buf)).message).toMatch(/negative record count -1/);
  });

  it.each([
    [2, 'snappy'],
    [3, 'lz4'],
    [4, 'zstd'],
  ])('rejects codec %d (%s) as unsupported compression', (codec, name) => {
    const buf = batch();
    buf.writeInt16BE(codec, 21);
    fixCrc(buf);

    const attempt = () => read(buf);

    expect(attempt).toThrow(UnsupportedCompressionError);
    expect(attempt).toThrow(new RegExp(`compression ${name}`));
  });

  it('rejects codec bits Kafka does not define as corrupt', () => {
    const buf = batch();
    buf.writeInt16BE(6, 21);
    fixCrc(buf);

    expect(corruptError(() => read(buf)).message).toMatch(/unknown compression codec 6/);
  });
});

describe('readBatchHeaders with verifyCrc: false', () => {
  it('accepts a batch whose contents no longer match its CRC', () => {
    const buf = batch();
    buf[buf.length - 3]! ^= 0x01;

    expect(readBatchHeaders(buf, { verifyCrc: false })).toHaveLength(1);
  });
});

describe('decodeBatches on a corrupt records section', () => {
  it('rejects a header that counts more records than the section holds', () => {
    const buf = batch();
    buf.writeInt32BE(4, 57);
    fixCrc(buf);

    expect(corruptError(() => decodeBatches(buf)).message).toMatch(
      /batch 0 at byte 0: record 3: header counts 4 records but the records section ends after 3/,
    );
  });

  it('rejects bytes left over after the counted records', () => {
    const buf = batch();
    buf.writeInt32BE(2, 57);
    fixCrc(buf);

    expect(corruptError(() => decodeBatches(buf)).message).toMatch(/bytes left over after the 2 records the header counts/);
  });

  it('rejects a record count the section could not possibly hold', () => {
    const buf = batch();
    buf.writeInt32BE(2 ** 30, 57);
    fixCrc(buf);

    expect(corruptError(() => decodeBatches(buf)).message).toMatch(/counts 1073741824 records but the records section has only/);
  });

  it('rejects a record whose length runs past the section', () => {
    const buf = batch();
    buf[61] = 0x7e; // record 0 length: zigzag 63, more than the section holds
    fixCrc(buf);

    expect(corruptError(() => decodeBatches(buf)).message).toMatch(/record 0: length 63 .* runs past the end/);
  });

  it('rejects a record whose fields end before its declared length', () => {
    const buf = encodeBatch({ records: [{ key: null, value: null, timestamp: 1 }, { key: null, value: null, timestamp: 1 }] });
    buf[61] = 0x0e; // record 0 claims 7 bytes; its fields take 6
    fixCrc(buf);

    expect(corruptError(() => decodeBatches(buf)).message).toMatch(/record 0: length says 7 bytes but its fields end 1 bytes earlier/);
  });

  it('rejects a key length that runs past its record', () => {
    const buf = encodeBatch({ records: [{ key: Buffer.from('ab'), value: null, timestamp: 1 }] });
    buf[65] = 0x14; // key length 10, but only 4 bytes of the record follow
    fixCrc(buf);

    expect(corruptError(() => decodeBatches(buf)).message).toMatch(/record 0: byte field at byte 66 needs 10 bytes but only 4 remain/);
  });

  it('rejects a gzip batch whose records section is not gzip', () => {
    const buf = batch();
    buf.writeInt16BE(1, 21);
    fixCrc(buf);

    expect(corruptError(() => decodeBatches(buf)).message).toMatch(/batch 0 at byte 0: records section is not valid gzip/);
  });

  it('keeps the failing record\'s position in the error details', () => {
    const buf = batch();
    buf.writeInt32BE(4, 57);
    fixCrc(buf);

    expect(corruptError(() => decodeBatches(buf)).details).toMatchObject({ batchIndex: 0, byteOffset: 0, record: 3 });
  });
});
