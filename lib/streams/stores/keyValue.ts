// Key-value stores over the write buffer. Two kinds:
// - TimestampedKeyValueStore: the DSL's tables and aggregates (Kafka's
//   TimestampedKeyValueStore): a value with the timestamp of the record that made it.
//   Item: hash = key bytes, sort = empty, value = time(ts) | value bytes.
// - KeyValueStore: the Processor API's store, plain values. An unordered store (the
//   default) spreads keys over hashes (hash = key bytes, sort = empty): point reads only,
//   readable by key from any task, which is what scales in DynamoDB. A store declared
//   `ordered` keeps each task's keys under one hash (hash = task key, sort = key bytes),
//   so range(), all() and prefixScan() read the task's keys in order, as a Kafka Streams
//   task reads its local store.
import { InvalidRequestError, InvalidTopologyError } from '../../core/errors.ts';
import type { Serde } from '../serdes.ts';
import type { ItemKey } from './backend.ts';
import type { WriteBuffer } from './buffer.ts';
import { concatBytes, decodeTime, EMPTY, encodeTime, prefixEnd } from './bytes.ts';

export interface ValueAndTimestamp<V> {
  value: V;
  timestamp: number;
}

export interface KeyValue<K, V> {
  key: K;
  value: V;
}

export function keyBytes<K>(serde: Serde<K>, key: K, store: string): Uint8Array {
  const b = serde.serialize(key);
  if (b === null) throw new InvalidRequestError(`store ${store} cannot hold a null key`, { store });
  return b;
}

export function encodeTimestamped(valueBytes: Uint8Array, timestamp: number): Uint8Array {
  return concatBytes(encodeTime(timestamp), valueBytes);
}

export function decodeTimestamped<V>(serde: Serde<V>, bytes: Uint8Array): ValueAndTimestamp<V> {
  return { timestamp: decodeTime(bytes), value: serde.deserialize(bytes.subarray(8)) as V };
}

export class TimestampedKeyValueStore<K, V> {
  constructor(
    private readonly buffer: WriteBuffer,
    readonly name: string,
    private readonly keySerde: Serde<K>,
    private readonly valueSerde: Serde<V>,
  ) {}

  itemKey(key: K): ItemKey {
    return { hash: keyBytes(this.keySerde, key, this.name), sort: EMPTY };
  }

  async get(key: K): Promise<ValueAndTimestamp<V> | undefined> {
    const raw = await this.buffer.get(this.name, this.itemKey(key));
    return raw === undefined ? undefined : decodeTimestamped(this.valueSerde, raw);
  }

  /** Puts the value, or deletes the row when it is null. */
  put(key: K, value: V | null, timestamp: number): void {
    const bytes = value === null ? null : this.valueSerde.serialize(value);
    if (bytes === null) this.buffer.delete(this.name, this.itemKey(key));
    else this.buffer.put(this.name, this.itemKey(key), encodeTimestamped(bytes, timestamp));
  }

  delete(key: K): void {
    this.buffer.delete(this.name, this.itemKey(key));
  }
}

export class KeyValueStore<K, V> {
  constructor(
    private readonly buffer: WriteBuffer,
    readonly name: string,
    private readonly keySerde: Serde<K>,
    private readonly valueSerde: Serde<V>,
    /** For an ordered store: the hash all of this task's keys live under. */
    private readonly orderedHash?: Uint8Array,
  ) {}

  get ordered(): boolean {
    return this.orderedHash !== undefined;
  }

  private itemKey(key: K): ItemKey {
    const b = keyBytes(this.keySerde, key, this.name);
    return this.orderedHash ? { hash: this.orderedHash, sort: b } : { hash: b, sort: EMPTY };
  }

  async get(key: K): Promise<V | undefined> {
    const raw = await this.buffer.get(this.name, this.itemKey(key));
    return raw === undefined ? undefined : (this.valueSerde.deserialize(raw) as V);
  }

  async getMany(keys: readonly K[]): Promise<(V | undefined)[]> {
    const raws = await this.buffer.getMany(this.name, keys.map((k) => this.itemKey(k)));
    return raws.map((r) => (r === undefined ? undefined : (this.valueSerde.deserialize(r) as V)));
  }

  /** Puts the value; a null value deletes the key, as in Kafka. */
  async put(key: K, value: V | null): Promise<void> {
    const bytes = value === null ? null : this.valueSerde.serialize(value);
    if (bytes === null) this.buffer.delete(this.name, this.itemKey(key));
    else this.buffer.put(this.name, this.itemKey(key), bytes);
  }

  /** Puts the value unless the key has one; returns the value that was there. */
  async putIfAbsent(key: K, value: V): Promise<V | undefined> {
    const old = await this.get(key);
    if (old === undefined) await this.put(key, value);
    return old;
  }

  /** Deletes the key; returns the value it had. */
  async delete(key: K): Promise<V | undefined> {
    const old = await this.get(key);
    this.buffer.delete(this.name, this.itemKey(key));
    return old;
  }

  /** Keys in [from, to] (both inclusive, as Kafka's range), in key-byte order. Ordered stores only. */
  async range(from?: K, to?: K): Promise<KeyValue<K, V>[]> {
    const lo = from === undefined ? undefined : keyBytes(this.keySerde, from, this.name);
    const hi = to === undefined ? undefined : concatBytes(keyBytes(this.keySerde, to, this.name), new Uint8Array([0]));
    return this.scan(lo, hi);
  }

  async all(): Promise<KeyValue<K, V>[]> {
    return this.scan(undefined, undefined);
  }

  /** Keys whose serialized form starts with the serialized prefix. Ordered stores only. */
  async prefixScan(prefix: K): Promise<KeyValue<K, V>[]> {
    const p = keyBytes(this.keySerde, prefix, this.name);
    return this.scan(p, prefixEnd(p));
  }

  private async scan(from: Uint8Array | undefined, to: Uint8Array | undefined): Promise<KeyValue<K, V>[]> {
    if (!this.orderedHash) {
      throw new InvalidTopologyError(`store ${this.name} is not ordered: declare it with { ordered: true } to read ranges`, {
        store: this.name,
      });
    }
    const items = await this.buffer.range(this.name, this.orderedHash, { from, to });
    return items.map((it) => ({ key: this.keySerde.deserialize(it.sort) as K, value: this.valueSerde.deserialize(it.value) as V }));
  }
}
