// How store items are keyed in the `state` table (lib/storage/definitions.ts). Both keys
// are binary, which DynamoDB compares as unsigned bytes left to right: the order the
// StoreBackend contract (../backend.ts) promises for sort keys.
//
//   pk = len(application) application | len(incarnation) incarnation | len(store) store | hash
//   sk = 0x00 | sort
//
//   len(x)  4-byte big-endian byte length of the UTF-8 text x
//
// The length prefixes make every part self-delimiting, so no application's prefix is a
// prefix of another's ("orders" and "orders-eu" never meet) and all items of one
// application (whatever the incarnation) share the bytes len(application) application:
// what a reset's purge scans for. The incarnation changes on every reset, so a reset
// application starts from empty stores at once while the old items are deleted.
// DynamoDB refuses empty binary keys, hence the 0x00 before the sort bytes, which keeps
// their order.
//
// DynamoDB bounds key attributes (partition key 2048 bytes, sort key 1024): an item
// whose keys would not fit can never exist, so the bounds below also turn a range's
// exclusive upper bound into the inclusive one DynamoDB's BETWEEN wants, exactly.
import { concatBytes, lengthPrefixed, prefixEnd, readLengthPrefixed, textBytes } from '../bytes.ts';

export const MAX_PARTITION_KEY_BYTES = 2048;
export const MAX_SORT_KEY_BYTES = 1024;

/** Whose state: an application (a processor's name) in one incarnation (changed by reset). */
export interface StateNamespace {
  application: string;
  incarnation: string;
}

/** The bytes every item of the application starts its pk with. */
export function applicationPrefix(application: string): Uint8Array {
  return lengthPrefixed(textBytes(application));
}

/** The bytes every item of one store of one incarnation starts its pk with. */
export function storePrefix(ns: StateNamespace, store: string): Uint8Array {
  return concatBytes(applicationPrefix(ns.application), lengthPrefixed(textBytes(ns.incarnation)), lengthPrefixed(textBytes(store)));
}

export function partitionKeyOf(ns: StateNamespace, store: string, hash: Uint8Array): Uint8Array {
  return concatBytes(storePrefix(ns, store), hash);
}

const SORT_MARK = new Uint8Array([0]);

export function sortKeyOf(sort: Uint8Array): Uint8Array {
  return concatBytes(SORT_MARK, sort);
}

/** The item's sort bytes from its stored sort key. */
export function sortOfKey(sk: Uint8Array): Uint8Array {
  return sk.subarray(1);
}

const decoder = new TextDecoder('utf-8', { fatal: true });

/** The parts of a stored pk (for the purge and for diagnostics). */
export function parsePartitionKey(pk: Uint8Array): StateNamespace & { store: string; hash: Uint8Array } {
  const app = readLengthPrefixed(pk, 0);
  const inc = readLengthPrefixed(pk, app.next);
  const store = readLengthPrefixed(pk, inc.next);
  return {
    application: decoder.decode(app.part),
    incarnation: decoder.decode(inc.part),
    store: decoder.decode(store.part),
    hash: pk.subarray(store.next),
  };
}

/**
 * The least stored key of at most `max` bytes that is >= `from` (any key of that length is
 * >= from exactly when it is >= this), or undefined when no such key exists.
 */
export function lowerInclusive(from: Uint8Array, max = MAX_SORT_KEY_BYTES): Uint8Array | undefined {
  if (from.byteLength <= max) return from;
  // No key can equal `from`; a key of <= max bytes is above it iff it is above its first max bytes.
  return prefixEnd(from.subarray(0, max));
}

/**
 * The greatest stored key (1 to `max` bytes) that is < `to` (any such key is < to exactly
 * when it is <= this), or undefined when none is (to is empty, or a single 0x00).
 */
export function upperInclusive(to: Uint8Array, max = MAX_SORT_KEY_BYTES): Uint8Array | undefined {
  if (to.byteLength > max) return to.slice(0, max);
  if (to.byteLength === 0) return undefined;
  const last = to[to.byteLength - 1]!;
  const head = to.subarray(0, to.byteLength - 1);
  // x | 0x00 follows x immediately: the keys below it are those <= x.
  if (last === 0) return head.byteLength === 0 ? undefined : head.slice();
  // Below head | last come head | last-1 and everything after it: the greatest such key
  // of at most max bytes is head | last-1 | 0xff...
  const out = new Uint8Array(max);
  out.set(head);
  out[head.byteLength] = last - 1;
  out.fill(0xff, head.byteLength + 1);
  return out;
}
