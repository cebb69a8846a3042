// The message browser's reading: the query in the URL, filters, where partitions start,
// and scanning forward until enough records match.
import { describe, expect, it } from 'vitest';
import { matches, PAGE_SIZE, parseBrowseQuery, scan, startOffset, type BrowseQuery } from '../../../lib/console/app/browse.ts';
import type { FetchResponse, JsonRecord } from '../../../lib/core/wire.ts';

const rec = (offset: number, key: unknown, value: unknown, headers: Record<string, string | null> = {}): JsonRecord => ({ offset, timestamp: 1_000 + offset, key, value, headers });
const query = (q: Partial<BrowseQuery> = {}): BrowseQuery => ({ from: 'earliest', key: '', value: '', header: '', ...q });

describe('parseBrowseQuery', () => {
  it('reads a permalink: partition, an offset to start at, and filters', () => {
    expect(parseBrowseQuery(new URLSearchParams('partition=2&offset=41&key=alice'))).toEqual({ partition: 2, from: 'offset', offset: 41, key: 'alice', value: '', header: '' });
  });

  it('starts at the newest records by default and ignores values that are not offsets', () => {
    expect(parseBrowseQuery(new URLSearchParams('partition=x&offset=-3'))).toEqual({ from: 'newest', key: '', value: '', header: '' });
  });
});

describe('matches', () => {
  it('matches key, value (as compact JSON) and headers (name=value) as case-insensitive substrings', () => {
    const r = rec(0, 'Alice', { amount: 200 }, { source: 'web' });
    expect(matches(r, query({ key: 'ali' }))).toBe(true);
    expect(matches(r, query({ value: '"amount":200' }))).toBe(true);
    expect(matches(r, query({ header: 'source=web' }))).toBe(true);
    expect(matches(r, query({ key: 'bob' }))).toBe(false);
    expect(matches(rec(1, null, null), query({ key: 'a' }))).toBe(false);
  });
});

describe('startOffset', () => {
  const p = { partition: 0, logStartOffset: 10, highWatermark: 500, sizeBytes: 0, segments: 1 };
  const never = async () => -1;
  it('starts at log start, a page before the end, an offset, or the first offset at a time', async () => {
    expect(await startOffset(query({ from: 'earliest' }), p, never)).toBe(10);
    expect(await startOffset(query({ from: 'newest' }), p, never)).toBe(500 - PAGE_SIZE);
    expect(await startOffset(query({ from: 'newest' }), { ...p, highWatermark: 20 }, never)).toBe(10);
    expect(await startOffset(query({ from: 'offset', offset: 42 }), p, never)).toBe(42);
    expect(await startOffset(query({ from: 'timestamp', timestamp: 7 }), p, async (partition, ms) => partition * 1000 + ms)).toBe(7);
  });
});

describe('scan', () => {
  /** A partition of `n` records, keyed k0..k(n-1), served `per` at a time. */
  const log = (n: number, per: number) => {
    const calls: number[] = [];
    const fetchPage = async (_p: number, offset: number): Promise<FetchResponse> => {
      calls.push(offset);
      const records = Array.from({ length: Math.max(0, Math.min(per, n - offset)) }, (_, i) => rec(offset + i, `k${offset + i}`, i));
      return { records, nextOffset: offset + records.length, highWatermark: n, logStartOffset: 0 };
    };
    return { calls, fetchPage };
  };

  it('reads forward page by page until a filtered record is found, and says where to go on', async () => {
    const { calls, fetchPage } = log(1_000, 100);
    const out = await scan(query({ key: 'k777' }), [{ partition: 0, next: 0, done: false }], fetchPage);
    expect(out.found.map((r) => r.offset)).toEqual([777]);
    expect(calls).toEqual([0, 100, 200, 300, 400, 500, 600, 700, 800, 900]);
    expect(out.cursors).toEqual([{ partition: 0, next: 1_000, done: true }]);
  });

  it('stops once a page of records matches, leaving the rest for "load more"', async () => {
    const { fetchPage } = log(1_000, PAGE_SIZE);
    const out = await scan(query(), [{ partition: 0, next: 0, done: false }], fetchPage);
    expect(out.found).toHaveLength(PAGE_SIZE);
    expect(out.cursors).toEqual([{ partition: 0, next: PAGE_SIZE, done: false }]);
  });
});
