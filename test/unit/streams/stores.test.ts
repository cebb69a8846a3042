// Store building blocks: time encoding that sorts as numbers, the in-memory backend's
// ranges, the write buffer (read-your-writes over ranges, rollback to a mark, mutations
// with the versions read), and time indexes that hand out due entries in order.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InMemoryStoreBackend } from '../../../lib/streams/index.ts';
import { StateItemTooLargeError } from '../../../lib/core/errors.ts';
import { WriteBuffer } from '../../../lib/streams/stores/buffer.ts';
import { compareBytes, decodeTime, encodeTime, EMPTY, fromHex, prefixEnd, toHex } from '../../../lib/streams/stores/bytes.ts';
import { TimeIndex } from '../../../lib/streams/stores/timeIndex.ts';

const b = (...xs: number[]) => new Uint8Array(xs);
const key = (sort: Uint8Array, hash = b(1)) => ({ hash, sort });

describe('time encoding', () => {
  it('round-trips any safe integer and sorts bytewise as the numbers do', () => {
    fc.assert(
      fc.property(fc.maxSafeInteger(), fc.maxSafeInteger(), (x, y) => {
        expect(decodeTime(encodeTime(x))).toBe(x);
        expect(Math.sign(compareBytes(encodeTime(x), encodeTime(y)))).toBe(Math.sign(x - y));
      }),
      { numRuns: 500 },
    );
  });

  it('bounds a prefix range', () => {
    expect(prefixEnd(b(1, 2))).toEqual(b(1, 3));
    expect(prefixEnd(b(1, 0xff))).toEqual(b(2));
    expect(prefixEnd(b(0xff))).toBeUndefined();
  });
});

describe('in-memory backend', () => {
  it('answers ranges of one hash in byte order, with limits and a more flag', async () => {
    const backend = new InMemoryStoreBackend();
    backend.apply([3, 1, 2, 5].map((n) => ({ store: 's', key: key(b(n)), value: b(n) })));
    backend.apply([{ store: 's', key: key(b(9), b(2)), value: b(9) }]);
    const page = await backend.range('s', b(1), { from: b(2), limit: 2 });
    expect(page.items.map((i) => i.sort[0])).toEqual([2, 3]);
    expect(page.more).toBe(true);
    expect((await backend.range('s', b(1), { from: b(2), to: b(5) })).items.map((i) => i.sort[0])).toEqual([2, 3]);
  });

  it('bumps an item\'s version on every committed change', async () => {
    const backend = new InMemoryStoreBackend();
    backend.apply([{ store: 's', key: key(EMPTY), value: b(1) }]);
    backend.apply([{ store: 's', key: key(EMPTY), value: b(2) }]);
    expect(await backend.get('s', key(EMPTY))).toEqual({ value: b(2), version: 2 });
  });
});

describe('write buffer', () => {
  it('ranges over committed items and its own writes as one ordered view, against a model', async () => {
    const op = fc.record({ sort: fc.integer({ min: 0, max: 20 }), del: fc.boolean() });
    await fc.assert(
      fc.asyncProperty(fc.uniqueArray(fc.integer({ min: 0, max: 20 })), fc.array(op), fc.integer({ min: 0, max: 20 }), fc.integer({ min: 1, max: 25 }), async (committed, ops, from, limit) => {
        const backend = new InMemoryStoreBackend();
        backend.apply(committed.map((n) => ({ store: 's', key: key(b(n)), value: b(n) })));
        const buffer = new WriteBuffer(backend, 1000);
        const model = new Map(committed.map((n) => [n, n]));
        for (const { sort, del } of ops) {
          if (del) (buffer.delete('s', key(b(sort))), model.delete(sort));
          else (buffer.put('s', key(b(sort)), b(sort + 100)), model.set(sort, sort + 100));
        }
        const got = await buffer.range('s', b(1), { from: b(from), limit });
        const want = [...model.entries()].filter(([k]) => k >= from).sort((x, y) => x[0] - y[0]).slice(0, limit);
        expect(got.map((e) => [e.sort[0], e.value[0]])).toEqual(want);
      }),
      { numRuns: 300 },
    );
  });

  it('rolls back to a mark: writes after it are gone, writes before it stay', async () => {
    const buffer = new WriteBuffer(new InMemoryStoreBackend(), 1000);
    buffer.put('s', key(b(1)), b(1));
    const mark = buffer.mark();
    buffer.put('s', key(b(1)), b(9));
    buffer.put('s', key(b(2)), b(2));
    buffer.rollback(mark);
    expect(await buffer.get('s', key(b(1)))).toEqual(b(1));
    expect(await buffer.get('s', key(b(2)))).toBeUndefined();
    expect((await buffer.range('s', b(1), {})).map((e) => e.sort[0])).toEqual([1]);
    expect(buffer.size).toBe(1);
  });

  it('reports one mutation per item written, with the version first read', async () => {
    const backend = new InMemoryStoreBackend();
    backend.apply([{ store: 's', key: key(b(1)), value: b(1) }]);
    const buffer = new WriteBuffer(backend, 1000);
    await buffer.get('s', key(b(1)));
    await buffer.get('s', key(b(2)));
    buffer.put('s', key(b(1)), b(5));
    buffer.put('s', key(b(1)), b(6));
    buffer.delete('s', key(b(2)));
    buffer.put('s', key(b(3)), b(3));
    expect(buffer.mutations().map((m) => [m.key.sort[0], m.value?.[0] ?? null, m.expectedVersion])).toEqual([
      [1, 6, 1],
      [2, null, null],
      [3, 3, undefined],
    ]);
  });

  it('refuses an item larger than one stored item may be', () => {
    const buffer = new WriteBuffer(new InMemoryStoreBackend(), 10);
    expect(() => buffer.put('s', key(b(1)), new Uint8Array(10))).toThrow(StateItemTooLargeError);
  });
});

describe('time index', () => {
  it('hands out due entries in due order across buckets, and forgets emptied buckets', async () => {
    const backend = new InMemoryStoreBackend();
    const buffer = new WriteBuffer(backend, 1000);
    const buckets: number[] = [];
    const index = new TimeIndex(buffer, '0_0', 'x', 10, () => buckets);
    for (const due of [25, 3, 17, 3, 40]) index.add(due, fromHex(toHex(b(due))));
    expect(buckets).toEqual([0, 1, 2, 4]);
    const due = await index.due(25, 10);
    expect(due.map((e) => e.due)).toEqual([3, 17, 25]);
    for (const e of due) index.remove(e.due, e.ref);
    expect(await index.due(39, 10)).toEqual([]);
    expect(buckets).toEqual([4]);
    expect(await index.peek()).toBe(40);
  });
});
