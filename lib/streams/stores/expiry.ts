// Retention of windowed stores (Kafka's Materialized.withRetention): an item that carries
// a window is registered once, when created, in a time index at the stream time it
// expires, and a timer deletes it when stream time gets there. Reads hide an expired item
// at once (stream time alone decides), so a query never sees a window the store is about
// to drop, whatever the deletions still pending.
import type { Timer } from '../engine/context.ts';
import type { ItemKey } from './backend.ts';
import type { WriteBuffer } from './buffer.ts';
import { concatBytes, lengthPrefixed, readLengthPrefixed } from './bytes.ts';
import type { TimeIndex } from './timeIndex.ts';

export function itemRef(key: ItemKey): Uint8Array {
  return concatBytes(lengthPrefixed(key.hash), key.sort);
}

export function parseItemRef(ref: Uint8Array): ItemKey {
  const { part, next } = readLengthPrefixed(ref);
  return { hash: part, sort: ref.subarray(next) };
}

/** A bucket size for a time index whose entries fall due over about `horizonMs`. */
export function bucketFor(horizonMs: number): number {
  return Math.max(1000, Math.floor(horizonMs / 8));
}

export class Expiry {
  readonly timer: Timer;

  constructor(
    private readonly index: TimeIndex,
    private readonly store: string,
    buffer: WriteBuffer,
  ) {
    this.timer = {
      index,
      fire: async (entry) => buffer.delete(store, parseItemRef(entry.ref)),
    };
  }

  /** Deletes the item when stream time reaches `at`. */
  schedule(key: ItemKey, at: number): void {
    this.index.add(at, itemRef(key));
  }

  /** Forgets a deletion scheduled at `at` (the item went away before). */
  cancel(key: ItemKey, at: number): void {
    this.index.remove(at, itemRef(key));
  }

  get storeName(): string {
    return this.store;
  }
}
