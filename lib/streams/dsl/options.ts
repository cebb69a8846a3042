// Options of DSL operations, as plain objects with Kafka Streams' names (Consumed,
// Produced, Grouped, Materialized, ...), plus the static helpers Kafka users know
// (Materialized.as('counts'), Grouped.with(keySerde, valueSerde)). Serdes not given are
// carried from upstream where the operation keeps them, else JSON (and a source's key is
// text by default, as Sluice's JSON produce writes keys).
import type { StreamPartitioner } from '../engine/nodes.ts';
import type { TimestampExtractor } from '../engine/topology.ts';
import type { Serde } from '../serdes.ts';

export interface Named {
  /** The node's name (and the base of its stores' and internal topics' names). */
  name?: string;
}

export interface Consumed<K, V> extends Named {
  key?: Serde<K>;
  value?: Serde<V>;
  timestampExtractor?: TimestampExtractor;
}

export interface Produced<K, V> extends Named {
  key?: Serde<K>;
  value?: Serde<V>;
  /** Chooses the partition (undefined: by key, as a producer does). */
  partitioner?: StreamPartitioner;
}

export interface Grouped<K, V> extends Named {
  key?: Serde<K>;
  value?: Serde<V>;
}

export interface Repartitioned<K, V> extends Named {
  key?: Serde<K>;
  value?: Serde<V>;
  partitions?: number;
}

export interface Materialized<K, V> {
  /** The store's name: makes it queryable under this name. */
  as?: string;
  key?: Serde<K>;
  value?: Serde<V>;
  /** Windowed stores: how long a window is kept after its start (default: size + grace). */
  retentionMs?: number;
}

export interface Joined<K, V, VO> extends Named {
  key?: Serde<K>;
  value?: Serde<V>;
  otherValue?: Serde<VO>;
}

export interface StreamJoined<K, V, VO> extends Joined<K, V, VO> {
  /** Base name of the two join window stores. */
  storeName?: string;
}

export interface KeyValue<K, V> {
  key: K;
  value: V;
}

export const KeyValue = {
  pair: <K, V>(key: K, value: V): KeyValue<K, V> => ({ key, value }),
};

export const Named = { as: (name: string): Named => ({ name }) };

export const Consumed = {
  with: <K, V>(key: Serde<K>, value: Serde<V>): Consumed<K, V> => ({ key, value }),
  as: <K, V>(name: string): Consumed<K, V> => ({ name }),
};

export const Produced = {
  with: <K, V>(key: Serde<K>, value: Serde<V>): Produced<K, V> => ({ key, value }),
  as: <K, V>(name: string): Produced<K, V> => ({ name }),
};

export const Grouped = {
  with: <K, V>(key: Serde<K>, value: Serde<V>): Grouped<K, V> => ({ key, value }),
  as: <K, V>(name: string): Grouped<K, V> => ({ name }),
};

export const Materialized = {
  as: <K, V>(storeName: string, rest: Omit<Materialized<K, V>, 'as'> = {}): Materialized<K, V> => ({ ...rest, as: storeName }),
  with: <K, V>(key: Serde<K>, value: Serde<V>): Materialized<K, V> => ({ key, value }),
};

/** Durations in milliseconds, for the window definitions. */
export const Duration = {
  ofMillis: (n: number) => n,
  ofSeconds: (n: number) => n * 1000,
  ofMinutes: (n: number) => n * 60_000,
  ofHours: (n: number) => n * 3_600_000,
  ofDays: (n: number) => n * 86_400_000,
};
