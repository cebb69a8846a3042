// Session stores: one item per (key, session), ordered by the session's end, then start.
// The sessions of one key never overlap, so in that order their starts increase too: the
// sessions a new record may merge with (end >= ts - gap, start <= ts + gap) are one range
// read from time(ts - gap) that stops at the first start beyond ts + gap.
// Item: hash = key bytes, sort = time(end) | time(start), value = time(ts) | aggregate.
// A session expires when end + retention <= stream time.
import type { Window } from '../serdes.ts';
import type { ItemKey } from './backend.ts';
import { concatBytes, decodeTime, encodeTime } from './bytes.ts';
import { decodeTimestamped, encodeTimestamped } from './keyValue.ts';
import { WindowedStoreBase } from './windowStore.ts';

export interface SessionEntry<V> {
  window: Window;
  value: V;
  timestamp: number;
}

export class SessionStore<K, V> extends WindowedStoreBase<K, V> {
  private itemKey(key: K, w: Window): ItemKey {
    return { hash: this.hashOf(key), sort: concatBytes(encodeTime(w.end), encodeTime(w.start)) };
  }

  private expired(end: number): boolean {
    return end + this.retentionMs <= this.streamTime();
  }

  /** Sessions of the key with end >= earliestEnd and start <= latestStart, in order. */
  async find(key: K, earliestEnd: number, latestStart: number): Promise<SessionEntry<V>[]> {
    const items = await this.buffer.range(this.name, this.hashOf(key), { from: encodeTime(earliestEnd) });
    const out: SessionEntry<V>[] = [];
    for (const it of items) {
      const end = decodeTime(it.sort, 0);
      const start = decodeTime(it.sort, 8);
      if (start > latestStart) break;
      if (this.expired(end)) continue;
      const v = decodeTimestamped(this.valueSerde, it.value);
      out.push({ window: { start, end }, value: v.value, timestamp: v.timestamp });
    }
    return out;
  }

  put(key: K, window: Window, value: V, timestamp: number): void {
    const k = this.itemKey(key, window);
    const bytes = this.valueSerde.serialize(value);
    if (bytes === null) return this.remove(key, window);
    this.buffer.put(this.name, k, encodeTimestamped(bytes, timestamp));
    this.expiry?.schedule(k, window.end + this.retentionMs);
  }

  remove(key: K, window: Window): void {
    const k = this.itemKey(key, window);
    this.buffer.delete(this.name, k);
    this.expiry?.cancel(k, window.end + this.retentionMs);
  }
}
