// The StoreBackend: the only way the stream engine reads state. Deliberately small, so a
// DynamoDB table, an in-memory map or anything else can serve it, and read-only: the
// engine never writes through it. Every change a batch makes is returned as a list of
// mutations that the runtime commits together with the batch's outputs and its input
// position in one transaction, so a crash before the commit leaves no trace.
//
// Item layout. A store holds items addressed by two byte strings:
//
//   (store, hash, sort) -> { value: bytes, version? }
//
// `hash` picks a group of items (DynamoDB's partition key); `sort` orders the items of
// one group (DynamoDB's sort key), compared as unsigned bytes left to right. Point reads
// name both; range reads name one hash and a [from, to) interval of sort keys. There is
// no read across hashes, so any hash can live on any DynamoDB partition. The layouts the
// engine uses (stores/encoding.ts):
//
//   key-value store        hash = key bytes                   sort = (empty)
//   ordered key-value      hash = task key                    sort = key bytes
//   window store           hash = key bytes                   sort = time(start) [+ seq]
//   session store          hash = key bytes                   sort = time(end) + time(start)
//   time index             hash = task | index | bucket       sort = time(due) + item ref
//
// Contract for an implementation:
// - get/getMany return what a committed transaction left (read-committed; strongly
//   consistent reads in DynamoDB). getMany answers in the order asked, `undefined` where
//   an item is absent, for up to 100 keys of one store.
// - range returns items of one hash with from <= sort < to (either bound optional), in
//   ascending byte order, at most `limit` of them; `more` is true when items beyond the
//   last one returned may remain (the engine then asks again from just after it).
// - `version`, when the backend keeps one, grows with every committed change of the item;
//   the engine hands it back in a mutation's `expectedVersion` so the runtime can make the
//   write conditional on the item being unchanged since it was read.
// - Empty hash or sort strings are legal here; a backend that cannot store empty key
//   attributes prefixes them (e.g. hash = app + store + hash, sort = 0x00 + sort), which
//   keeps the order.
// - A backend whose keys are bounded says so with keyLimits: the write buffer refuses a
//   put beyond them (STATE_ITEM_TOO_LARGE, a failure of the record that made it) and
//   drops a delete beyond them (no such item can exist); reads of such keys find nothing.

export interface ItemKey {
  hash: Uint8Array;
  sort: Uint8Array;
}

export interface StoredValue {
  value: Uint8Array;
  version?: number;
}

export interface StoredItem extends StoredValue {
  sort: Uint8Array;
}

export interface RangeQuery {
  /** Inclusive lower bound of the sort key. */
  from?: Uint8Array;
  /** Exclusive upper bound of the sort key. */
  to?: Uint8Array;
  /** At most this many items (the backend may return fewer and set `more`). */
  limit?: number;
}

export interface RangePage {
  items: StoredItem[];
  more: boolean;
}

/** The longest hash and sort one store of a backend can hold, in bytes. */
export interface KeyLimits {
  hashBytes: number;
  sortBytes: number;
}

export interface StoreBackend {
  get(store: string, key: ItemKey): Promise<StoredValue | undefined>;
  getMany(store: string, keys: readonly ItemKey[]): Promise<(StoredValue | undefined)[]>;
  range(store: string, hash: Uint8Array, query: RangeQuery): Promise<RangePage>;
  /** Bounds on a store's keys; absent: unbounded. */
  keyLimits?(store: string): KeyLimits;
}

/** Whether a key fits the backend's bounds for the store. */
export function keyFits(backend: StoreBackend, store: string, key: ItemKey): boolean {
  const limits = backend.keyLimits?.(store);
  return !limits || (key.hash.byteLength <= limits.hashBytes && key.sort.byteLength <= limits.sortBytes);
}

/**
 * One change of one item, as the runtime commits it: a put of `value`, or a delete when
 * `value` is null. `expectedVersion` is the version the batch first read (null: read as
 * absent; undefined: written without being read), for a conditional write.
 */
export interface Mutation {
  store: string;
  key: ItemKey;
  value: Uint8Array | null;
  expectedVersion?: number | null;
}
