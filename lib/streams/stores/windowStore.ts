// Window stores: one item per (key, window start), so a key's windows over a time range
// are one range read, and each item stays small (one aggregate) however long the key
// lives. Item: hash = key bytes, sort = time(start), value = time(ts) | value bytes, where
// ts is the timestamp the aggregate carries (the latest record's). A window is visible
// while start + retention > stream time; past that it is hidden and its expiry timer
// deletes it.
import type { Serde } from '../serdes.ts';
import type { ItemKey } from './backend.ts';
import type { WriteBuffer } from './buffer.ts';
import { decodeTime, encodeTime } from './bytes.ts';
import type { Expiry } from './expiry.ts';
import { decodeTimestamped, encodeTimestamped, keyBytes, type ValueAndTimestamp } from './keyValue.ts';

export interface WindowEntry<V> {
  start: number;
  value: V;
  timestamp: number;
}

/** What a window or session store is built from. */
export interface WindowedStoreOptions<K, V> {
  buffer: WriteBuffer;
  name: string;
  keySerde: Serde<K>;
  valueSerde: Serde<V>;
  retentionMs: number;
  /** The task's stream time: decides which windows have expired. */
  streamTime: () => number;
  /** Deletes expired items; without it, expired items are only hidden. */
  expiry?: Expiry;
}

/** The parts window and session stores share. */
export class WindowedStoreBase<K, V> {
  readonly name: string;
  protected readonly buffer: WriteBuffer;
  protected readonly keySerde: Serde<K>;
  protected readonly valueSerde: Serde<V>;
  protected readonly retentionMs: number;
  protected readonly streamTime: () => number;
  protected readonly expiry: Expiry | undefined;

  constructor(o: WindowedStoreOptions<K, V>) {
    ({ name: this.name, buffer: this.buffer, keySerde: this.keySerde, valueSerde: this.valueSerde } = o);
    ({ retentionMs: this.retentionMs, streamTime: this.streamTime, expiry: this.expiry } = o);
  }

  protected hashOf(key: K): Uint8Array {
    return keyBytes(this.keySerde, key, this.name);
  }
}

export class WindowStore<K, V> extends WindowedStoreBase<K, V> {
  private itemKey(key: K, start: number): ItemKey {
    return { hash: this.hashOf(key), sort: encodeTime(start) };
  }

  expired(start: number): boolean {
    return start + this.retentionMs <= this.streamTime();
  }

  async get(key: K, start: number): Promise<ValueAndTimestamp<V> | undefined> {
    if (this.expired(start)) return undefined;
    const raw = await this.buffer.get(this.name, this.itemKey(key, start));
    return raw === undefined ? undefined : decodeTimestamped(this.valueSerde, raw);
  }

  /** The key's windows with from <= start <= to, earliest first. */
  async fetch(key: K, from: number, to: number): Promise<WindowEntry<V>[]> {
    if (to < from) return [];
    const items = await this.buffer.range(this.name, this.hashOf(key), {
      from: encodeTime(from),
      to: encodeTime(to + 1),
    });
    const out: WindowEntry<V>[] = [];
    for (const it of items) {
      const start = decodeTime(it.sort);
      if (this.expired(start)) continue;
      const v = decodeTimestamped(this.valueSerde, it.value);
      out.push({ start, value: v.value, timestamp: v.timestamp });
    }
    return out;
  }

  /**
   * Writes a window's value (null deletes it). `created` says the window did not exist, so
   * its expiry is scheduled once, at start + retention.
   */
  put(key: K, start: number, value: V | null, timestamp: number, created: boolean): void {
    const k = this.itemKey(key, start);
    const bytes = value === null ? null : this.valueSerde.serialize(value);
    if (bytes === null) {
      this.buffer.delete(this.name, k);
      return;
    }
    this.buffer.put(this.name, k, encodeTimestamped(bytes, timestamp));
    if (created) this.expiry?.schedule(k, start + this.retentionMs);
  }
}
