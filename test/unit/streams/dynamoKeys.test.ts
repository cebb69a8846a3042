// The state table's key layout: partition keys that keep applications, incarnations and
// stores apart and parse back; sort keys that keep the bytes' order; and the inclusive
// bounds DynamoDB's BETWEEN needs, exact for every key DynamoDB can hold.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compareBytes, concatBytes } from '../../../lib/streams/stores/bytes.ts';
import {
  applicationPrefix,
  lowerInclusive,
  parsePartitionKey,
  partitionKeyOf,
  sortKeyOf,
  sortOfKey,
  upperInclusive,
} from '../../../lib/streams/stores/dynamo/keys.ts';

const startsWith = (bytes: Uint8Array, prefix: Uint8Array) => compareBytes(bytes.subarray(0, prefix.byteLength), prefix) === 0;
const name = fc.string({ minLength: 1, maxLength: 12 });
const bytes = (maxLength: number) => fc.uint8Array({ maxLength });
/** Bytes over a small alphabet, so that prefixes, 0x00 and 0xff meet often. */
const edgeBytes = (maxLength: number, minLength = 0) =>
  fc.array(fc.constantFrom(0, 1, 0xfe, 0xff), { minLength, maxLength }).map((a) => new Uint8Array(a));

describe('state table keys', () => {
  it('parse back into application, incarnation, store and hash', () => {
    fc.assert(
      fc.property(name, name, name, bytes(40), (application, incarnation, store, hash) => {
        const pk = partitionKeyOf({ application, incarnation }, store, hash);
        expect(parsePartitionKey(pk)).toEqual({ application, incarnation, store, hash });
      }),
      { numRuns: 300 },
    );
  });

  it('start with the application prefix of their own application only', () => {
    fc.assert(
      fc.property(name, name, name, name, bytes(20), (a, b, incarnation, store, hash) => {
        const pk = partitionKeyOf({ application: a, incarnation }, store, hash);
        expect(startsWith(pk, applicationPrefix(b))).toBe(a === b);
      }),
      { numRuns: 300 },
    );
  });

  it('never collide across stores or incarnations', () => {
    fc.assert(
      fc.property(name, name, name, name, bytes(10), bytes(10), (inc1, inc2, s1, s2, h1, h2) => {
        const k1 = partitionKeyOf({ application: 'app', incarnation: inc1 }, s1, h1);
        const k2 = partitionKeyOf({ application: 'app', incarnation: inc2 }, s2, h2);
        const same = inc1 === inc2 && s1 === s2 && compareBytes(h1, h2) === 0;
        expect(compareBytes(k1, k2) === 0).toBe(same);
      }),
      { numRuns: 300 },
    );
  });

  it('sort keys are never empty, keep the order of the sort bytes and give them back', () => {
    fc.assert(
      fc.property(bytes(12), bytes(12), (x, y) => {
        expect(sortKeyOf(x).byteLength).toBeGreaterThan(0);
        expect(sortOfKey(sortKeyOf(x))).toEqual(x);
        expect(Math.sign(compareBytes(sortKeyOf(x), sortKeyOf(y)))).toBe(Math.sign(compareBytes(x, y)));
      }),
      { numRuns: 300 },
    );
  });
});

describe('inclusive range bounds', () => {
  // A small key length bound stands for DynamoDB's 1024 bytes: the arithmetic is the same.
  const MAX = 4;
  /** DynamoDB keys are 1..MAX bytes. */
  const storable = edgeBytes(MAX, 1);

  it('a key below `to` is exactly a key at or below upperInclusive(to)', () => {
    fc.assert(
      fc.property(storable, edgeBytes(MAX + 2), (key, to) => {
        const hi = upperInclusive(to, MAX);
        const below = compareBytes(key, to) < 0;
        expect(hi === undefined ? false : compareBytes(key, hi) <= 0).toBe(below);
        if (hi) expect(hi.byteLength).toBeLessThanOrEqual(MAX);
      }),
      { numRuns: 2000 },
    );
  });

  it('a key at or above `from` is exactly a key at or above lowerInclusive(from)', () => {
    fc.assert(
      fc.property(storable, edgeBytes(MAX + 2), (key, from) => {
        const lo = lowerInclusive(from, MAX);
        const above = compareBytes(key, from) >= 0;
        expect(lo === undefined ? false : compareBytes(key, lo) >= 0).toBe(above);
      }),
      { numRuns: 2000 },
    );
  });

  it('a stored sort key of a bounded range stays in range (the 0x00 mark included)', () => {
    fc.assert(
      fc.property(edgeBytes(MAX - 1), edgeBytes(MAX - 1), (sort, to) => {
        const hi = upperInclusive(sortKeyOf(to), MAX);
        const inRange = compareBytes(sort, to) < 0;
        expect(hi === undefined ? false : compareBytes(sortKeyOf(sort), hi) <= 0).toBe(inRange);
      }),
      { numRuns: 1000 },
    );
  });

  it('names the obvious cases', () => {
    const b = (...xs: number[]) => new Uint8Array(xs);
    expect(upperInclusive(b(), MAX)).toBeUndefined();
    expect(upperInclusive(b(0), MAX)).toBeUndefined();
    expect(upperInclusive(b(0, 5, 0), MAX)).toEqual(b(0, 5));
    expect(upperInclusive(b(0, 5), MAX)).toEqual(b(0, 4, 0xff, 0xff));
    expect(lowerInclusive(concatBytes(b(1, 2, 3, 4), b(9)), MAX)).toEqual(b(1, 2, 3, 5));
    expect(lowerInclusive(b(0xff, 0xff, 0xff, 0xff, 0), MAX)).toBeUndefined();
  });
});
