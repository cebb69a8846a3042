// Reading a store from outside a batch, by its definition: what interactive queries
// (GET /v1/processors/{name}/stores/{store}/keys/{key}[/windows]) and the test driver
// answer from. Reads are committed state only. Windows and sessions past their retention
// are hidden by the stream time given (the owning tasks' stream time), whatever deletions
// are still to run, so a query never shows an expired window.
import { InvalidRequestError } from '../../core/errors.ts';
import type { StoreSpec } from '../engine/topology.ts';
import type { Serde } from '../serdes.ts';
import type { StoreBackend } from './backend.ts';
import { decodeTime, EMPTY, encodeTime, textBytes } from './bytes.ts';
import { decodeTimestamped, keyBytes } from './keyValue.ts';

export interface QueriedValue<V> {
  value: V;
  /** The timestamp a DSL table or aggregate keeps with the value. */
  timestamp?: number;
}

export interface QueriedWindow<V> {
  start: number;
  end: number;
  value: V;
  timestamp: number;
}

export class StoreReader<K = unknown, V = unknown> {
  private readonly keySerde: Serde<K>;
  private readonly valueSerde: Serde<V>;

  constructor(
    private readonly backend: StoreBackend,
    private readonly spec: StoreSpec,
    /** Stream time of the tasks that own the store (hides expired windows). */
    private readonly streamTime: () => number,
    /** Task keys ("0_1"): where an ordered store's keys live. */
    private readonly taskKeys: readonly string[] = [],
  ) {
    if (!spec.keySerde || !spec.valueSerde) throw new InvalidRequestError(`store ${spec.name} cannot be read by key`, { store: spec.name });
    this.keySerde = spec.keySerde as Serde<K>;
    this.valueSerde = spec.valueSerde as Serde<V>;
  }

  private decode(raw: Uint8Array): QueriedValue<V> {
    if (this.spec.timestamped) return decodeTimestamped(this.valueSerde, raw);
    return { value: this.valueSerde.deserialize(raw) as V };
  }

  /** A key-value store's value for the key. */
  async get(key: K): Promise<QueriedValue<V> | undefined> {
    const kb = keyBytes(this.keySerde, key, this.spec.name);
    if (this.spec.kind === 'key-value') {
      const found = await this.backend.get(this.spec.name, { hash: kb, sort: EMPTY });
      return found ? this.decode(found.value) : undefined;
    }
    if (this.spec.kind === 'ordered-key-value') {
      for (const t of this.taskKeys) {
        const found = await this.backend.get(this.spec.name, { hash: textBytes(t), sort: kb });
        if (found) return this.decode(found.value);
      }
      return undefined;
    }
    throw new InvalidRequestError(`store ${this.spec.name} is a ${this.spec.kind} store: query its windows`, { store: this.spec.name });
  }

  /** Windows of the key that start in [from, to] (sessions: that overlap it), earliest first. */
  async windows(key: K, from: number, to: number): Promise<QueriedWindow<V>[]> {
    const kb = keyBytes(this.keySerde, key, this.spec.name);
    const retention = this.spec.retentionMs ?? Number.POSITIVE_INFINITY;
    const now = this.streamTime();
    if (this.spec.kind === 'window') {
      const items = await this.readAll(kb, encodeTime(from), encodeTime(to + 1));
      return items
        .map((it) => ({ start: decodeTime(it.sort), v: decodeTimestamped(this.valueSerde, it.value) }))
        .filter((w) => w.start + retention > now)
        .map((w) => ({ start: w.start, end: w.start + (this.spec.windowSize ?? 0), value: w.v.value, timestamp: w.v.timestamp }));
    }
    if (this.spec.kind === 'session') {
      const items = await this.readAll(kb, undefined, undefined);
      return items
        .map((it) => ({ end: decodeTime(it.sort, 0), start: decodeTime(it.sort, 8), v: decodeTimestamped(this.valueSerde, it.value) }))
        .filter((s) => s.end >= from && s.start <= to && s.end + retention > now)
        .sort((a, b) => a.start - b.start)
        .map((s) => ({ start: s.start, end: s.end, value: s.v.value, timestamp: s.v.timestamp }));
    }
    throw new InvalidRequestError(`store ${this.spec.name} is a ${this.spec.kind} store: query it by key`, { store: this.spec.name });
  }

  private async readAll(hash: Uint8Array, from: Uint8Array | undefined, to: Uint8Array | undefined) {
    const out = [];
    for (let next = from; ; ) {
      const page = await this.backend.range(this.spec.name, hash, { ...(next ? { from: next } : {}), ...(to ? { to } : {}), limit: 1000 });
      out.push(...page.items);
      const last = page.items.at(-1);
      if (!page.more || !last) return out;
      next = new Uint8Array([...last.sort, 0]);
    }
  }
}
