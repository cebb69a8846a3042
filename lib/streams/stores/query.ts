// Reading a store from outside a batch, by its definition: what interactive queries
// (GET /v1/processors/{name}/stores/{store}/keys/{key}[/windows]) and the test driver
// answer from. Reads are committed state only. Windows and sessions past their retention
// are hidden by the stream time given (the owning tasks' stream time), whatever deletions
// are still to run, so a query never shows an expired window.
import { InvalidRequestError } from '../../core/errors.ts';
import type { StoreSpec } from '../engine/topology.ts';
import type { Serde } from '../serdes.ts';
import type { StoreBackend } from './backend.ts';
import { compareBytes, concatBytes, decodeTime, EMPTY, encodeTime, textBytes } from './bytes.ts';
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
      // The key is in one task's group, unknown which: one batch read over all of them.
      const found = await this.backend.getMany(this.spec.name, this.taskKeys.map((t) => ({ hash: textBytes(t), sort: kb })));
      const hit = found.find((f) => f !== undefined);
      return hit ? this.decode(hit.value) : undefined;
    }
    throw new InvalidRequestError(`store ${this.spec.name} is a ${this.spec.kind} store: query its windows`, { store: this.spec.name });
  }

  /**
   * An ordered store's entries with from <= key <= to (by key bytes; either bound
   * optional), at most `limit`, in key order: each task's keys are one range read, merged.
   */
  async range(from: K | undefined, to: K | undefined, limit: number): Promise<Array<{ key: K } & QueriedValue<V>>> {
    if (this.spec.kind !== 'ordered-key-value') {
      throw new InvalidRequestError(`store ${this.spec.name} is a ${this.spec.kind} store: only ordered stores are read by range`, {
        store: this.spec.name,
      });
    }
    const lo = from === undefined ? undefined : keyBytes(this.keySerde, from, this.spec.name);
    const hi = to === undefined ? undefined : concatBytes(keyBytes(this.keySerde, to, this.spec.name), new Uint8Array([0]));
    const perTask = await Promise.all(this.taskKeys.map((t) => this.readAll(textBytes(t), lo, hi, limit)));
    return perTask
      .flat()
      .sort((a, b) => compareBytes(a.sort, b.sort))
      .slice(0, limit)
      .map((it) => ({ key: this.keySerde.deserialize(it.sort) as K, ...this.decode(it.value) }));
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

  /** Items of one hash in [from, to), at most `limit`, through as many pages as it takes. */
  private async readAll(hash: Uint8Array, from: Uint8Array | undefined, to: Uint8Array | undefined, limit = Number.POSITIVE_INFINITY) {
    const out = [];
    for (let next = from; ; ) {
      const want = Math.min(1000, limit - out.length);
      const page = await this.backend.range(this.spec.name, hash, { ...(next ? { from: next } : {}), ...(to ? { to } : {}), limit: want });
      out.push(...page.items);
      const last = page.items.at(-1);
      if (!page.more || !last || out.length >= limit) return out;
      next = new Uint8Array([...last.sort, 0]);
    }
  }
}
