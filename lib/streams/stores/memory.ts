// An in-memory StoreBackend: what the test driver commits to, and the reference the
// DynamoDB backend must behave like. Items of one hash are kept sorted by their sort key
// (as hex, which sorts like the bytes), so a range read is a binary search and a slice.
import type { ItemKey, Mutation, RangePage, RangeQuery, StoreBackend, StoredItem, StoredValue } from './backend.ts';
import { fromHex, toHex } from './bytes.ts';

interface Entry {
  sortHex: string;
  value: Uint8Array;
  version: number;
}

/** Index of the first entry whose sortHex is >= hex. */
function lowerBound(entries: Entry[], hex: string): number {
  let lo = 0;
  let hi = entries.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (entries[mid]!.sortHex < hex) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

export class InMemoryStoreBackend implements StoreBackend {
  private readonly stores = new Map<string, Map<string, Entry[]>>();

  private group(store: string, hash: Uint8Array, create: boolean): Entry[] | undefined {
    let groups = this.stores.get(store);
    if (!groups) {
      if (!create) return undefined;
      groups = new Map();
      this.stores.set(store, groups);
    }
    const hashHex = toHex(hash);
    let entries = groups.get(hashHex);
    if (!entries && create) {
      entries = [];
      groups.set(hashHex, entries);
    }
    return entries;
  }

  async get(store: string, key: ItemKey): Promise<StoredValue | undefined> {
    return this.read(store, key);
  }

  async getMany(store: string, keys: readonly ItemKey[]): Promise<(StoredValue | undefined)[]> {
    return keys.map((k) => this.read(store, k));
  }

  async range(store: string, hash: Uint8Array, query: RangeQuery): Promise<RangePage> {
    const entries = this.group(store, hash, false) ?? [];
    const start = query.from ? lowerBound(entries, toHex(query.from)) : 0;
    const end = query.to ? lowerBound(entries, toHex(query.to)) : entries.length;
    const limit = query.limit ?? Number.POSITIVE_INFINITY;
    const items: StoredItem[] = [];
    for (let i = start; i < end && items.length < limit; i++) {
      const e = entries[i]!;
      items.push({ sort: fromHex(e.sortHex), value: e.value, version: e.version });
    }
    return { items, more: start + items.length < end };
  }

  /** Commits mutations, all of them: what the runtime's transaction does. */
  apply(mutations: readonly Mutation[]): void {
    for (const m of mutations) {
      const entries = this.group(m.store, m.key.hash, true)!;
      const sortHex = toHex(m.key.sort);
      const at = lowerBound(entries, sortHex);
      const found = entries[at]?.sortHex === sortHex ? entries[at] : undefined;
      if (m.value === null) {
        if (found) entries.splice(at, 1);
      } else if (found) {
        found.value = m.value;
        found.version += 1;
      } else {
        entries.splice(at, 0, { sortHex, value: m.value, version: 1 });
      }
    }
  }

  /** Every item of a store as [hashHex, sortHex] pairs with values: for tests and dumps. */
  dump(store: string): Array<{ hash: Uint8Array; sort: Uint8Array; value: Uint8Array }> {
    const out: Array<{ hash: Uint8Array; sort: Uint8Array; value: Uint8Array }> = [];
    const groups = this.stores.get(store);
    if (!groups) return out;
    for (const hashHex of [...groups.keys()].sort()) {
      for (const e of groups.get(hashHex)!) out.push({ hash: fromHex(hashHex), sort: fromHex(e.sortHex), value: e.value });
    }
    return out;
  }

  storeNames(): string[] {
    return [...this.stores.keys()].filter((s) => [...this.stores.get(s)!.values()].some((e) => e.length > 0)).sort();
  }

  private read(store: string, key: ItemKey): StoredValue | undefined {
    const entries = this.group(store, key.hash, false);
    if (!entries) return undefined;
    const sortHex = toHex(key.sort);
    const e = entries[lowerBound(entries, sortHex)];
    return e?.sortHex === sortHex ? { value: e.value, version: e.version } : undefined;
  }
}
