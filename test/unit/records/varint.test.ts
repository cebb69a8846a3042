import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CorruptMessageError } from '../../../lib/core/errors.ts';
import { Reader, Writer, sizeOfVarint, sizeOfVarlong } from '../../../lib/records/varint.ts';
import { kafkajsVarint, kafkajsVarlong } from './kafkajs.ts';

const hex = (s: string) => Buffer.from(s, 'hex');
const INT32_MIN = -(2 ** 31);
const INT32_MAX = 2 ** 31 - 1;

describe('varint (zigzag int32)', () => {
  it.each([
    [0, '00'],
    [-1, '01'],
    [1, '02'],
    [-64, '7f'],
    [63, '7e'],
    [64, '8001'],
    [-65, '8101'],
    [300, 'd804'],
    [INT32_MAX, 'feffffff0f'],
    [INT32_MIN, 'ffffffff0f'],
  ])('encodes %d as %s', (n, encoded) => {
    const bytes = new Writer().varint(n).finish();

    expect(bytes.toString('hex')).toBe(encoded);
    expect(sizeOfVarint(n)).toBe(bytes.length);
    expect(new Reader(bytes).varint()).toBe(n);
  });

  it('round-trips every int32 and matches kafkajs byte for byte', () => {
    fc.assert(
      fc.property(fc.integer({ min: INT32_MIN, max: INT32_MAX }), (n) => {
        const bytes = new Writer().varint(n).finish();

        expect(bytes).toEqual(kafkajsVarint(n));
        expect(sizeOfVarint(n)).toBe(bytes.length);
        const reader = new Reader(bytes);
        expect(reader.varint()).toBe(n);
        expect(reader.remaining).toBe(0);
      }),
    );
  });

  it('refuses to write a value outside int32', () => {
    expect(() => new Writer().varint(2 ** 31)).toThrow(RangeError);
    expect(() => new Writer().varint(1.5)).toThrow(RangeError);
  });

  it('reports a varint that runs past the end as corrupt', () => {
    expect(() => new Reader(hex('8080')).varint()).toThrow(CorruptMessageError);
  });

  it('reports a varint longer than 5 bytes as corrupt', () => {
    expect(() => new Reader(hex('808080808001')).varint()).toThrow(/longer than 5 bytes/);
  });
});

describe('varlong (zigzag int64 within the safe-integer range)', () => {
  it.each([
    [0, '00'],
    [-1, '01'],
    [1, '02'],
    [INT32_MAX, 'feffffff0f'],
    [INT32_MIN, 'ffffffff0f'],
    [2 ** 31, '8080808010'],
    [-(2 ** 31) - 1, '8180808010'],
    [2 ** 32, '808080802'.padEnd(10, '0')],
    [Number.MAX_SAFE_INTEGER, 'feffffffffffff1f'],
    [Number.MIN_SAFE_INTEGER, 'fdffffffffffff1f'],
    [1_700_000_000_000, '80a0abfef962'],
  ])('encodes %d as %s', (n, encoded) => {
    const bytes = new Writer().varlong(n).finish();

    expect(bytes.toString('hex')).toBe(encoded);
    expect(sizeOfVarlong(n)).toBe(bytes.length);
    expect(new Reader(bytes).varlong()).toBe(n);
  });

  it('round-trips every safe integer and matches kafkajs byte for byte', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.integer({ min: INT32_MIN, max: INT32_MAX }),
          fc.integer({ min: Number.MIN_SAFE_INTEGER, max: Number.MAX_SAFE_INTEGER }),
        ),
        (n) => {
          const bytes = new Writer().varlong(n).finish();

          expect(bytes).toEqual(kafkajsVarlong(n));
          expect(sizeOfVarlong(n)).toBe(bytes.length);
          const reader = new Reader(bytes);
          expect(reader.varlong()).toBe(n);
          expect(reader.remaining).toBe(0);
        },
      ),
    );
  });

  it('refuses to write a value beyond the safe-integer range', () => {
    expect(() => new Writer().varlong(2 ** 53)).toThrow(RangeError);
    expect(() => new Writer().varlong(0.5 + 2 ** 40)).toThrow(RangeError);
  });

  it('reports a value beyond 2^53 as corrupt rather than rounding it', () => {
    const beyond = kafkajsVarlong(2n ** 60n);

    expect(() => new Reader(beyond).varlong()).toThrow(/beyond 2\^53/);
  });

  it('reports a varlong longer than 10 bytes as corrupt', () => {
    expect(() => new Reader(hex('8080808080808080808001')).varlong()).toThrow(/longer than 10 bytes/);
  });

  it('reports a varlong that runs past the end as corrupt', () => {
    expect(() => new Reader(hex('ffff')).varlong()).toThrow(CorruptMessageError);
  });
});

describe('Reader', () => {
  it('never reads past its end, even when the buffer continues', () => {
    const reader = new Reader(hex('0000000102'), 0, 3);

    expect(() => reader.int32()).toThrow(/needs 4 bytes but only 3 remain/);
  });

  it('reads length -1 as null bytes and rejects other negative lengths', () => {
    expect(new Reader(hex('01')).varBytes()).toBeNull();
    expect(() => new Reader(hex('03')).varBytes()).toThrow(CorruptMessageError);
  });

  it('returns byte views into the source buffer without copying', () => {
    const source = hex('0861626364');
    const view = new Reader(source).varBytes()!;

    source[1] = 0x7a;

    expect(view.toString()).toBe('zbcd');
  });
});

describe('Writer', () => {
  it('grows past its initial capacity and keeps what it wrote', () => {
    const w = new Writer(16);
    const payload = Buffer.alloc(1000, 7);

    w.int32(5).varBytes(payload).varString('héllo').varBytes(null);
    const r = new Reader(w.finish());

    expect(r.int32()).toBe(5);
    expect(r.varBytes()).toEqual(payload);
    expect(r.varString()).toBe('héllo');
    expect(r.varBytes()).toBeNull();
    expect(r.remaining).toBe(0);
  });
});
