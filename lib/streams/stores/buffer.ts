// The write buffer: every store access of one batch goes through it. Reads fall through
// to the StoreBackend once per item (then come from a cache); writes stay here, and every
// later read of the batch sees them (read-your-writes, ranges included). At the end the
// buffer is the batch's list of mutations, one per item written, carrying the version the
// item had when first read so the runtime can make its write conditional.
//
// The buffer also keeps an undo log. The engine marks it before each unit of work (a
// record, a punctuation, a window close) and rolls back to the mark when the unit failed
// or made the commit too large, so a batch always commits whole units.
import { StateItemTooLargeError } from '../../core/errors.ts';
import { keyFits, type ItemKey, type Mutation, type StoreBackend, type StoredValue } from './backend.ts';
import { concatBytes, fromHex, toHex } from './bytes.ts';

export interface RangeEntry {
  sort: Uint8Array;
  value: Uint8Array;
}

interface Written {
  store: string;
  key: ItemKey;
  value: Uint8Array | null;
}

interface Undo {
  id: string;
  previous: Written | undefined;
}

/** Errors the backend raised: never a user's fault, so never skipped by an error handler. */
export const backendFailures = new WeakSet<object>();

const GET_MANY_LIMIT = 100;
const PAGE = 500;

function idOf(store: string, key: ItemKey): string {
  return `${store}\u0000${toHex(key.hash)}\u0000${toHex(key.sort)}`;
}

function groupOf(store: string, hash: Uint8Array): string {
  return `${store}\u0000${toHex(hash)}`;
}

async function guarded<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    if (typeof err === 'object' && err !== null) backendFailures.add(err);
    throw err;
  }
}

export class WriteBuffer {
  private readonly writes = new Map<string, Written>();
  private readonly reads = new Map<string, StoredValue | null>();
  /** store+hash -> sortHex of written items, for merging ranges. */
  private readonly groups = new Map<string, Set<string>>();
  private undo: Undo[] = [];

  constructor(
    private readonly backend: StoreBackend,
    /** Largest key + value one item may hold (DynamoDB: 400 KB with attribute names). */
    private readonly maxItemBytes: number,
  ) {}

  /** Items written so far: what the commit will carry. */
  get size(): number {
    return this.writes.size;
  }

  /** Key and value bytes of the items written so far (the commit's state writes, before per-item overhead). */
  get bytes(): number {
    let n = 0;
    for (const w of this.writes.values()) n += w.key.hash.byteLength + w.key.sort.byteLength + (w.value?.byteLength ?? 0);
    return n;
  }

  async get(store: string, key: ItemKey): Promise<Uint8Array | undefined> {
    const [v] = await this.getMany(store, [key]);
    return v;
  }

  async getMany(store: string, keys: readonly ItemKey[]): Promise<(Uint8Array | undefined)[]> {
    const ids = keys.map((k) => idOf(store, k));
    const missing = new Map<string, ItemKey>();
    ids.forEach((id, i) => {
      if (!this.writes.has(id) && !this.reads.has(id)) missing.set(id, keys[i]!);
    });
    const wanted = [...missing.entries()];
    for (let i = 0; i < wanted.length; i += GET_MANY_LIMIT) {
      const chunk = wanted.slice(i, i + GET_MANY_LIMIT);
      const got = await guarded(() => this.backend.getMany(store, chunk.map(([, k]) => k)));
      chunk.forEach(([id], j) => this.reads.set(id, got[j] ?? null));
    }
    return ids.map((id) => {
      const w = this.writes.get(id);
      if (w) return w.value ?? undefined;
      return this.reads.get(id)?.value ?? undefined;
    });
  }

  put(store: string, key: ItemKey, value: Uint8Array): void {
    const size = key.hash.byteLength + key.sort.byteLength + value.byteLength;
    if (size > this.maxItemBytes) {
      throw new StateItemTooLargeError(`an item of store ${store} would be ${size} bytes, over ${this.maxItemBytes}`, {
        store,
        size,
        limit: this.maxItemBytes,
      });
    }
    if (!keyFits(this.backend, store, key)) {
      const limits = this.backend.keyLimits!(store);
      throw new StateItemTooLargeError(`a key of store ${store} is too long for the state table`, {
        store,
        hashBytes: key.hash.byteLength,
        sortBytes: key.sort.byteLength,
        limits,
      });
    }
    this.write({ store, key, value });
  }

  /** Deletes the item; a key the backend could never hold has nothing to delete. */
  delete(store: string, key: ItemKey): void {
    if (keyFits(this.backend, store, key)) this.write({ store, key, value: null });
  }

  /**
   * Items of one hash with from <= sort < to, in order, as the batch sees them (its own
   * writes over the committed state), at most `limit`.
   */
  async range(store: string, hash: Uint8Array, q: { from?: Uint8Array; to?: Uint8Array; limit?: number }): Promise<RangeEntry[]> {
    const limit = q.limit ?? Number.POSITIVE_INFINITY;
    const buffered = this.bufferedIn(store, hash, q.from, q.to);
    const out: RangeEntry[] = [];
    let b = 0;
    const takeBuffered = () => {
      const w = buffered[b++]!;
      if (w.value !== null) out.push({ sort: w.key.sort, value: w.value });
    };
    let from = q.from;
    for (;;) {
      const page = await guarded(() => this.backend.range(store, hash, { from, to: q.to, limit: Math.min(PAGE, limit + buffered.length) }));
      for (const item of page.items) {
        const hex = toHex(item.sort);
        const id = `${groupOf(store, hash)}\u0000${hex}`;
        if (!this.reads.has(id)) this.reads.set(id, { value: item.value, version: item.version });
        while (b < buffered.length && toHex(buffered[b]!.key.sort) < hex) takeBuffered();
        if (b < buffered.length && toHex(buffered[b]!.key.sort) === hex) takeBuffered();
        else out.push({ sort: item.sort, value: item.value });
        if (out.length >= limit) return out.slice(0, limit);
      }
      const last = page.items.at(-1);
      if (!page.more || !last) break;
      from = concatBytes(last.sort, new Uint8Array([0]));
    }
    while (b < buffered.length && out.length < limit) takeBuffered();
    return out.slice(0, limit);
  }

  /** A point to roll back to. */
  mark(): number {
    return this.undo.length;
  }

  rollback(mark: number): void {
    while (this.undo.length > mark) {
      const u = this.undo.pop()!;
      if (u.previous) {
        this.writes.set(u.id, u.previous);
      } else {
        const w = this.writes.get(u.id)!;
        this.writes.delete(u.id);
        this.groups.get(groupOf(w.store, w.key.hash))?.delete(toHex(w.key.sort));
      }
    }
  }

  /** Forget the undo log (after the last unit of a batch, or to bound memory). */
  settle(): void {
    this.undo = [];
  }

  mutations(): Mutation[] {
    return [...this.writes.entries()].map(([id, w]) => {
      const read = this.reads.get(id);
      const m: Mutation = { store: w.store, key: w.key, value: w.value };
      if (read !== undefined) m.expectedVersion = read === null ? null : (read.version ?? null);
      return m;
    });
  }

  private write(w: Written): void {
    const id = idOf(w.store, w.key);
    this.undo.push({ id, previous: this.writes.get(id) });
    this.writes.set(id, w);
    const g = groupOf(w.store, w.key.hash);
    let set = this.groups.get(g);
    if (!set) {
      set = new Set();
      this.groups.set(g, set);
    }
    set.add(toHex(w.key.sort));
  }

  private bufferedIn(store: string, hash: Uint8Array, from?: Uint8Array, to?: Uint8Array): Written[] {
    const set = this.groups.get(groupOf(store, hash));
    if (!set || set.size === 0) return [];
    const lo = from ? toHex(from) : undefined;
    const hi = to ? toHex(to) : undefined;
    const prefix = groupOf(store, hash);
    return [...set]
      .filter((hex) => (lo === undefined || hex >= lo) && (hi === undefined || hex < hi))
      .sort()
      .map((hex) => this.writes.get(`${prefix}\u0000${hex}`) ?? { store, key: { hash, sort: fromHex(hex) }, value: null });
  }
}
