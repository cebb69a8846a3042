// Decoding is bounded while it runs: a gzip section is inflated only up to what the call
// may still decompress, and record and header counts are checked before anything is
// allocated for them. A batch of a few kilobytes that would expand to gigabytes of
// objects is refused with MESSAGE_TOO_LARGE or INVALID_RECORD.
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { InvalidRecordError, MessageTooLargeError } from '../../../lib/core/errors.ts';
import { MAX_DECOMPRESSED_BYTES_PER_REQUEST, MAX_HEADERS_PER_RECORD } from '../../../lib/core/limits.ts';
import { crc32c } from '../../../lib/records/crc32c.ts';
import { decodeBatches, encodeBatch, REQUEST_LIMITS, type DecodeLimits } from '../../../lib/records/index.ts';
import type { RecordInput } from '../../../lib/records/types.ts';
import { writeVarint } from '../../../lib/records/varint.ts';

/** A gzip batch around a records section given as raw bytes, header fields consistent. */
function gzipBatch(section: Buffer, recordCount: number): Buffer {
  const header = encodeBatch({ records: [{ key: null, value: null }], compression: 'gzip' }).subarray(0, 61);
  const out = Buffer.concat([header, gzipSync(section)]);
  out.writeInt32BE(out.length - 12, 8);
  out.writeInt32BE(recordCount - 1, 23);
  out.writeInt32BE(recordCount, 57);
  out.writeUInt32BE(crc32c(out, 21), 17);
  return out;
}

/** One record with no key or value and `headers` empty headers (2 bytes each). */
function headerBombSection(headers: number): Buffer {
  const head = Buffer.alloc(16);
  let p = 1; // attributes
  head[p++] = 0; // timestampDelta
  head[p++] = 0; // offsetDelta
  head[p++] = 1; // key null
  head[p++] = 1; // value null
  p = writeVarint(head, p, headers);
  const body = Buffer.concat([head.subarray(0, p), Buffer.alloc(headers * 2).fill(Buffer.from([0x00, 0x01]))]);
  const length = Buffer.alloc(5);
  return Buffer.concat([length.subarray(0, writeVarint(length, 0, body.length)), body]);
}

const small = (limits: Partial<DecodeLimits>): { limits: DecodeLimits } => ({ limits: { ...REQUEST_LIMITS, ...limits } });
const records = (n: number, headers = 0): RecordInput[] =>
  Array.from({ length: n }, () => ({
    key: null,
    value: Buffer.from('v'),
    headers: Array.from({ length: headers }, () => ({ key: 'h', value: null })),
  }));

function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    return err;
  }
  throw new Error('expected the call to throw');
}

describe('decoding within limits', () => {
  it('refuses the 58 KB gzip batch carrying 30 million headers as MESSAGE_TOO_LARGE', () => {
    const bomb = gzipBatch(headerBombSection(30_000_000), 1);
    expect(bomb.length).toBeLessThan(64 * 1024);

    const err = thrown(() => decodeBatches(bomb));

    expect(err).toBeInstanceOf(MessageTooLargeError);
    expect(err).toMatchObject({ code: 'MESSAGE_TOO_LARGE', status: 413, details: { maxDecompressedBytes: MAX_DECOMPRESSED_BYTES_PER_REQUEST } });
  });

  it('stops inflating at what the call may still decompress, across all its batches', () => {
    const section = encodeBatch({ records: [{ key: null, value: Buffer.alloc(590) }] }).subarray(61);
    const batch = gzipBatch(section, 1);
    const limits = small({ decompressedBytes: 1000 });

    expect(decodeBatches(batch, limits)).toHaveLength(1);
    expect(thrown(() => decodeBatches(Buffer.concat([batch, batch]), limits))).toMatchObject({
      code: 'MESSAGE_TOO_LARGE',
      details: { batchIndex: 1, maxDecompressedBytes: 1000 - section.length },
    });
  });

  it('refuses a record with more headers than a record may have before reading them', () => {
    const batch = gzipBatch(headerBombSection(MAX_HEADERS_PER_RECORD + 1), 1);

    const err = thrown(() => decodeBatches(batch));

    expect(err).toBeInstanceOf(InvalidRecordError);
    expect(err).toMatchObject({ code: 'INVALID_RECORD', status: 400, details: { record: 0, limit: MAX_HEADERS_PER_RECORD } });
  });

  it('counts headers over all records of the call', () => {
    const two = Buffer.concat([encodeBatch({ records: records(2, 3) }), encodeBatch({ records: records(2, 3) })]);

    expect(decodeBatches(two, small({ headers: 12 }))).toHaveLength(2);
    expect(thrown(() => decodeBatches(two, small({ headers: 11 })))).toMatchObject({
      code: 'MESSAGE_TOO_LARGE',
      details: { batchIndex: 1, limit: 11 },
    });
  });

  it('counts records over all batches of the call, before inflating the one that goes past', () => {
    const gzip = encodeBatch({ records: records(6), compression: 'gzip' });
    const two = Buffer.concat([encodeBatch({ records: records(5) }), gzip]);

    expect(decodeBatches(two, small({ records: 11 }))).toHaveLength(2);
    expect(thrown(() => decodeBatches(two, small({ records: 10, decompressedBytes: 0 })))).toMatchObject({
      code: 'MESSAGE_TOO_LARGE',
      details: { batchIndex: 1, limit: 10 },
    });
  });
});
