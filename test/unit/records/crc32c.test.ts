import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { crc32c } from '../../../lib/records/crc32c.ts';
import { kafkajsCrc32c } from './kafkajs.ts';

/** The textbook bit-at-a-time CRC-32C: slow, obviously right, the reference for the fast one. */
function naiveCrc32c(bytes: Uint8Array): number {
  let crc = 0xffffffff;
  for (const b of bytes) {
    crc ^= b;
    for (let k = 0; k < 8; k++) crc = crc & 1 ? (crc >>> 1) ^ 0x82f63b78 : crc >>> 1;
  }
  return (crc ^ 0xffffffff) >>> 0;
}

const range = (from: number, to: number) => Buffer.from(Array.from({ length: to - from }, (_, i) => from + i));

describe('crc32c', () => {
  it.each([
    ['"123456789"', Buffer.from('123456789'), 0xe3069283],
    ['the empty input', Buffer.alloc(0), 0],
    ['32 zero bytes (RFC 3720)', Buffer.alloc(32, 0), 0x8a9136aa],
    ['32 0xFF bytes (RFC 3720)', Buffer.alloc(32, 0xff), 0x62a8ab43],
    ['bytes 0..31 ascending (RFC 3720)', range(0, 32), 0x46dd794e],
    ['bytes 31..0 descending (RFC 3720)', range(0, 32).reverse(), 0x113fdb5c],
  ])('matches the known value for %s', (_name, input, expected) => {
    expect(crc32c(input)).toBe(expected);
  });

  it('returns an unsigned 32-bit number', () => {
    const value = crc32c(Buffer.from('123456789')); // 0xE3069283: high bit set

    expect(value).toBeGreaterThan(2 ** 31);
    expect(Number.isInteger(value)).toBe(true);
  });

  it('equals the bitwise reference on random inputs of any length and alignment', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 600 }), fc.nat(7), (bytes, shift) => {
        // Copy to an odd position in a larger buffer so the word-reading path sees every alignment.
        const backing = Buffer.alloc(bytes.length + shift);
        backing.set(bytes, shift);
        const view = backing.subarray(shift);

        expect(crc32c(view)).toBe(naiveCrc32c(bytes));
      }),
      { numRuns: 500 },
    );
  });

  it('over [start, end) equals the checksum of that slice', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), fc.nat(), fc.nat(), (bytes, a, b) => {
        const start = bytes.length === 0 ? 0 : a % (bytes.length + 1);
        const end = start + (bytes.length - start === 0 ? 0 : b % (bytes.length - start + 1));

        expect(crc32c(bytes, start, end)).toBe(naiveCrc32c(bytes.subarray(start, end)));
      }),
    );
  });

  it('equals kafkajs\'s crc32C', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        expect(crc32c(bytes)).toBe(kafkajsCrc32c(Buffer.from(bytes)));
      }),
    );
  });

  it('rejects a range outside the buffer', () => {
    const buf = Buffer.alloc(8);

    expect(() => crc32c(buf, 0, 9)).toThrow(RangeError);
    expect(() => crc32c(buf, -1)).toThrow(RangeError);
    expect(() => crc32c(buf, 5, 4)).toThrow(RangeError);
  });
});
