// Time indexes: "do this when stream time reaches T" for items spread over many keys —
// close a suppressed window, emit an unjoined record of an outer join, delete an expired
// window. Entries live in one internal store, grouped in time buckets per task and index:
//
//   hash = task key | 0x00 | index name | 0x00 | time(bucket number)
//   sort = time(due) | ref bytes             value = payload bytes
//
// so the due entries of a bucket are one range read in due order. The numbers of the
// buckets that may hold entries are kept in the task's committed state (a short sorted
// list), so finding work never scans empty buckets. A bucket leaves the list once a scan
// finds it empty and wholly due.
import type { WriteBuffer } from './buffer.ts';
import { concatBytes, decodeTime, encodeTime, textBytes } from './bytes.ts';

export const TIME_INDEX_STORE = '__time_index';

export interface TimeEntry {
  due: number;
  ref: Uint8Array;
  payload: Uint8Array;
}

export class TimeIndex {
  /**
   * No entry falls due at or before this time, as far as this batch has seen: a scan that
   * found nothing raises it, an add below it lowers it. Saves a read per record while the
   * earliest bucket is current but none of its entries is due yet.
   */
  private quietUntil = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly buffer: WriteBuffer,
    private readonly task: string,
    readonly name: string,
    private readonly bucketMs: number,
    /** The bucket list, read from the task state each time (a unit rollback replaces it). */
    private readonly buckets: () => number[],
  ) {}

  add(due: number, ref: Uint8Array, payload: Uint8Array = new Uint8Array(0)): void {
    const bucket = Math.floor(due / this.bucketMs);
    if (due <= this.quietUntil) this.quietUntil = due - 1;
    this.buffer.put(TIME_INDEX_STORE, this.key(bucket, due, ref), payload);
    const list = this.buckets();
    let i = list.length;
    while (i > 0 && list[i - 1]! > bucket) i--;
    if (list[i - 1] !== bucket) list.splice(i, 0, bucket);
  }

  remove(due: number, ref: Uint8Array): void {
    this.buffer.delete(TIME_INDEX_STORE, this.key(Math.floor(due / this.bucketMs), due, ref));
  }

  /** Up to `limit` entries due at or before `upTo`, earliest first. */
  async due(upTo: number, limit: number): Promise<TimeEntry[]> {
    if (upTo <= this.quietUntil) return [];
    const list = this.buckets();
    const out: TimeEntry[] = [];
    for (let i = 0; i < list.length && out.length < limit; ) {
      const bucket = list[i]!;
      if (bucket * this.bucketMs > upTo) break;
      const items = await this.buffer.range(TIME_INDEX_STORE, this.hash(bucket), {
        to: encodeTime(upTo + 1),
        limit: limit - out.length,
      });
      for (const it of items) out.push({ due: decodeTime(it.sort), ref: it.sort.subarray(8), payload: it.value });
      if (items.length === 0 && (bucket + 1) * this.bucketMs - 1 <= upTo) list.splice(i, 1);
      else i++;
    }
    if (out.length === 0) this.quietUntil = upTo;
    return out;
  }

  /** The due time of the earliest entry, or undefined when there is none. */
  async peek(): Promise<number | undefined> {
    for (const bucket of this.buckets()) {
      const [first] = await this.buffer.range(TIME_INDEX_STORE, this.hash(bucket), { limit: 1 });
      if (first) return decodeTime(first.sort);
    }
    return undefined;
  }

  private hash(bucket: number): Uint8Array {
    return concatBytes(textBytes(this.task), new Uint8Array([0]), textBytes(this.name), new Uint8Array([0]), encodeTime(bucket));
  }

  private key(bucket: number, due: number, ref: Uint8Array) {
    return { hash: this.hash(bucket), sort: concatBytes(encodeTime(due), ref) };
  }
}
