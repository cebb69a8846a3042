// The offset map of key compaction: key -> the latest offset seen for it, in a fixed
// amount of memory, as Kafka's cleaner keeps it (SkimpyOffsetMap). A key is stored as
// its 16-byte MD5 digest (never the key itself, so a large key costs no more than a
// small one) next to an 8-byte offset: 24 bytes per slot, slots filled to at most 90 %
// (Kafka's dedupe load factor), so about 27 bytes per key. Open addressing with linear
// probing over two flat arrays; nothing is allocated per key.
//
// Two keys with the same digest would be taken for one (the older record of one of them
// could be dropped): with MD5 that takes about 2^64 keys in one partition.
import { createHash } from 'node:crypto';

const HASH_BYTES = 16;
/** Bytes of one slot: the digest and the offset. */
export const BYTES_PER_SLOT = HASH_BYTES + 8;
/** Share of the slots the map fills at most (Kafka's log.cleaner.io.buffer.load.factor default). */
export const LOAD_FACTOR = 0.9;

export const keyDigest = (key: Uint8Array): Buffer => createHash('md5').update(key).digest();

export class OffsetMap {
  private readonly hashes: Buffer;
  private readonly offsets: Float64Array;
  private readonly slots: number;
  /** Keys it may hold: LOAD_FACTOR of the slots. */
  readonly capacity: number;
  private count = 0;

  /** A map within `memoryBytes` (at least one slot). */
  constructor(memoryBytes: number) {
    this.slots = Math.max(2, Math.floor(memoryBytes / BYTES_PER_SLOT));
    this.capacity = Math.max(1, Math.floor(this.slots * LOAD_FACTOR));
    this.hashes = Buffer.alloc(this.slots * HASH_BYTES);
    this.offsets = new Float64Array(this.slots).fill(-1);
  }

  get size(): number {
    return this.count;
  }

  /** Room for `n` more keys, however many of them are new. */
  fits(n: number): boolean {
    return this.count + n <= this.capacity;
  }

  /** Records `offset` as the latest of `key` (offsets are put in increasing order). */
  put(key: Uint8Array, offset: number): void {
    const digest = keyDigest(key);
    const slot = this.find(digest);
    if (this.offsets[slot]! < 0) {
      if (this.count >= this.capacity) throw new RangeError(`the offset map is full (${this.capacity} keys)`);
      digest.copy(this.hashes, slot * HASH_BYTES);
      this.count++;
    }
    this.offsets[slot] = offset;
  }

  /** The latest offset recorded for `key`, or -1. */
  get(key: Uint8Array): number {
    return this.offsets[this.find(keyDigest(key))]!;
  }

  /** The slot holding `digest`, or the empty slot where it would go. */
  private find(digest: Buffer): number {
    let slot = digest.readUInt32BE(0) % this.slots;
    for (;;) {
      if (this.offsets[slot]! < 0 || digest.compare(this.hashes, slot * HASH_BYTES, (slot + 1) * HASH_BYTES) === 0) return slot;
      slot = slot + 1 === this.slots ? 0 : slot + 1;
    }
  }
}
