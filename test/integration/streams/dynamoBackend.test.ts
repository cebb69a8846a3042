// The DynamoDB state backend on DynamoDB Local: it answers like the in-memory reference
// backend after any sequence of committed mutations (points, batches, ranges with any
// bounds and page sizes, versions); a batch reads its own writes over committed state;
// its writes are conditional on the versions it read, so a batch that raced another
// writer commits nothing; applications and incarnations never see each other's items;
// keys too long for DynamoDB are refused when written and found absent when read.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { StateItemTooLargeError } from '../../../lib/core/errors.ts';
import type { ItemKey, Mutation } from '../../../lib/streams/stores/backend.ts';
import { WriteBuffer } from '../../../lib/streams/stores/buffer.ts';
import { EMPTY, toHex } from '../../../lib/streams/stores/bytes.ts';
import { DynamoStoreBackend } from '../../../lib/streams/stores/dynamo/backend.ts';
import { InMemoryStoreBackend } from '../../../lib/streams/stores/memory.ts';
import { useTestStorage } from '../../support/stack.ts';
import { commitState, freshNamespace } from './helpers.ts';

const storage = useTestStorage();
const b = (...xs: number[]) => new Uint8Array(xs);
const text = (s: string) => new TextEncoder().encode(s);
const MAX_ITEM = 300 * 1024;

function fresh(application = 'app') {
  const backend = new DynamoStoreBackend(storage.clients, freshNamespace(application));
  const commit = (mutations: readonly Mutation[]) => commitState(backend, storage.clients, mutations);
  return { backend, commit };
}

/** Bytes over a small alphabet, so equal sorts, prefixes, 0x00 and 0xff meet often. */
const sortBytes = fc.array(fc.constantFrom(0, 1, 2, 0xff), { maxLength: 3 }).map((a) => new Uint8Array(a));
const mutation = fc.record({
  hash: fc.constantFrom(b(1), b(2), EMPTY),
  sort: sortBytes,
  value: fc.option(fc.uint8Array({ minLength: 0, maxLength: 4 }), { nil: null, freq: 4 }),
});
const rangeQuery = fc.record(
  { from: sortBytes, to: sortBytes, limit: fc.integer({ min: 1, max: 6 }) },
  { requiredKeys: [] },
);

/** The batches' mutations with one write per item and batch (a transaction names an item once). */
function distinctPerBatch(batches: Array<Array<{ hash: Uint8Array; sort: Uint8Array; value: Uint8Array | null }>>): Mutation[][] {
  return batches.map((batch) => {
    const byItem = new Map<string, Mutation>();
    for (const m of batch) byItem.set(`${toHex(m.hash)}/${toHex(m.sort)}`, { store: 's', key: { hash: m.hash, sort: m.sort }, value: m.value });
    return [...byItem.values()];
  });
}

describe('DynamoDB state backend', () => {
  it('answers like the in-memory backend after any committed mutations: points, batches, ranges and versions', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.array(mutation, { minLength: 1, maxLength: 8 }), { minLength: 1, maxLength: 3 }), fc.array(rangeQuery, { maxLength: 4 }), async (raw, queries) => {
        const { backend, commit } = fresh();
        const memory = new InMemoryStoreBackend();
        for (const batch of distinctPerBatch(raw)) {
          memory.apply(batch);
          expect((await commit(batch)).ok).toBe(true);
        }
        const keys: ItemKey[] = raw.flat().map((m) => ({ hash: m.hash, sort: m.sort }));
        expect(await backend.getMany('s', keys)).toEqual(await memory.getMany('s', keys));
        for (const hash of [b(1), b(2), EMPTY]) {
          for (const q of [{}, ...queries]) {
            // `more` may be true on a full last page (the backend cannot always know), never false too early.
            const [got, want] = [await backend.range('s', hash, q), await memory.range('s', hash, q)];
            expect(got.items).toEqual(want.items);
            if (want.more) expect(got.more).toBe(true);
          }
        }
      }),
      { numRuns: 12 },
    );
  });

  it('pages through a range: each page continues after the last item of the one before', async () => {
    const { backend, commit } = fresh();
    const items = Array.from({ length: 25 }, (_, i) => ({ store: 's', key: { hash: b(7), sort: b(i) }, value: b(i) }));
    await commit(items);
    const seen: number[] = [];
    let from: Uint8Array | undefined;
    for (let pages = 0; ; pages++) {
      const page = await backend.range('s', b(7), { ...(from ? { from } : {}), limit: 10 });
      seen.push(...page.items.map((it) => it.sort[0]!));
      if (!page.more) break;
      from = b(page.items.at(-1)!.sort[0]! + 1);
      expect(pages).toBeLessThan(3);
    }
    expect(seen).toEqual(items.map((_, i) => i));
  });

  it('reads up to hundreds of keys at once, repeated and absent ones included', async () => {
    const { backend, commit } = fresh();
    await commit(Array.from({ length: 90 }, (_, i) => ({ store: 's', key: { hash: b(i), sort: EMPTY }, value: b(i, i) })));
    const keys = Array.from({ length: 250 }, (_, i) => ({ hash: b(i % 120), sort: EMPTY }));
    const got = await backend.getMany('s', keys);
    expect(got.map((v) => v?.value ?? null)).toEqual(keys.map((k) => (k.hash[0]! < 90 ? b(k.hash[0]!, k.hash[0]!) : null)));
  });

  it('lets a batch read its own writes, ranges included, over what is committed', async () => {
    const { backend, commit } = fresh();
    await commit([1, 2, 3].map((i) => ({ store: 's', key: { hash: b(9), sort: b(i) }, value: text(`v${i}`) })));
    const buffer = new WriteBuffer(backend, MAX_ITEM);
    buffer.put('s', { hash: b(9), sort: b(2) }, text('mine'));
    buffer.delete('s', { hash: b(9), sort: b(3) });
    buffer.put('s', { hash: b(9), sort: b(4) }, text('new'));

    const range = await buffer.range('s', b(9), {});
    expect(range.map((e) => [e.sort[0], new TextDecoder().decode(e.value)])).toEqual([
      [1, 'v1'],
      [2, 'mine'],
      [4, 'new'],
    ]);
    expect(await buffer.get('s', { hash: b(9), sort: b(3) })).toBeUndefined();
    expect(await backend.get('s', { hash: b(9), sort: b(2) })).toMatchObject({ value: text('v2') });
  });

  it('commits nothing of a batch whose item changed since it read it', async () => {
    const { backend, commit } = fresh();
    const key = { hash: text('counter'), sort: EMPTY };
    await commit([{ store: 's', key, value: b(1) }]);

    const slow = new WriteBuffer(backend, MAX_ITEM);
    await slow.get('s', key);
    slow.put('s', key, b(2));
    slow.put('s', { hash: text('other'), sort: EMPTY }, b(1));

    const fast = new WriteBuffer(backend, MAX_ITEM);
    await fast.get('s', key);
    fast.put('s', key, b(5));
    expect((await commit(fast.mutations())).ok).toBe(true);

    expect((await commit(slow.mutations())).ok).toBe(false);
    expect((await backend.get('s', key))?.value).toEqual(b(5));
    expect(await backend.get('s', { hash: text('other'), sort: EMPTY })).toBeUndefined();
  });

  it('commits nothing of a batch that read an item as absent once another batch created it', async () => {
    const { backend, commit } = fresh();
    const key = { hash: text('k'), sort: EMPTY };
    const first = new WriteBuffer(backend, MAX_ITEM);
    const second = new WriteBuffer(backend, MAX_ITEM);
    for (const buffer of [first, second]) {
      expect(await buffer.get('s', key)).toBeUndefined();
      buffer.put('s', key, b(1));
    }
    expect((await commit(first.mutations())).ok).toBe(true);
    expect((await commit(second.mutations())).ok).toBe(false);
    expect(await backend.get('s', key)).toEqual({ value: b(1), version: 1 });
  });

  it('moves the version on with a blind write, so a version read before it no longer matches', async () => {
    const { backend, commit } = fresh();
    const key = { hash: text('k'), sort: EMPTY };
    await commit([{ store: 's', key, value: b(1) }]);
    const reader = new WriteBuffer(backend, MAX_ITEM);
    await reader.get('s', key);
    reader.delete('s', key);

    await commit([{ store: 's', key, value: b(2) }]);
    expect(await backend.get('s', key)).toEqual({ value: b(2), version: 2 });
    expect((await commit(reader.mutations())).ok).toBe(false);
    expect(await backend.get('s', key)).toEqual({ value: b(2), version: 2 });
  });

  it('keeps applications, incarnations and stores apart', async () => {
    const one = fresh('orders');
    const other = fresh('orders-eu');
    const again = fresh('orders');
    const key = { hash: text('k'), sort: EMPTY };
    await one.commit([{ store: 's', key, value: b(1) }]);
    expect(await other.backend.get('s', key)).toBeUndefined();
    expect(await again.backend.get('s', key)).toBeUndefined();
    expect(await one.backend.get('t', key)).toBeUndefined();
    expect((await other.backend.range('s', key.hash, {})).items).toEqual([]);
  });

  it('refuses to write a key longer than DynamoDB holds, and finds none when reading one', async () => {
    const { backend } = fresh();
    const long = { hash: new Uint8Array(backend.keyLimits('s').hashBytes + 1), sort: EMPTY };
    const buffer = new WriteBuffer(backend, MAX_ITEM);
    expect(() => buffer.put('s', long, b(1))).toThrow(StateItemTooLargeError);
    buffer.delete('s', long);
    expect(buffer.mutations()).toEqual([]);
    expect(await backend.get('s', long)).toBeUndefined();
    expect(await backend.getMany('s', [long, long])).toEqual([undefined, undefined]);
    expect(await backend.range('s', long.hash, {})).toEqual({ items: [], more: false });
  });
});
