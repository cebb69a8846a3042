// Grouped streams and tables: the step before an aggregation. A grouped stream whose key
// may have changed is repartitioned when the aggregation is defined, through
// `<application.id>-<grouped name or store name>-repartition` (Kafka's naming); a grouped
// table always is, carrying each row change as a Change (old and new value) so the
// aggregate can subtract the old and add the new.
import { streamAggregateNode, tableAggregateNode, type AggregateStep, type TableAggregator } from '../engine/aggregate.ts';
import { changeSerde, storeGetter } from '../engine/tables.ts';
import { Serdes, type Serde } from '../serdes.ts';
import type { SessionWindows, SlidingWindows, TimeWindows } from '../windows/definitions.ts';
import { json, type InternalBuilder, type SerdePair } from './builder.ts';
import type { KStream } from './kstream.ts';
import { KTable } from './ktable.ts';
import type { Grouped, Materialized } from './options.ts';
import { SessionWindowedKStream, TimeWindowedKStream } from './windowed.ts';

export class KGroupedStream<K, V> {
  /** @internal */
  constructor(
    readonly stream: KStream<K, V>,
    readonly grouped: Grouped<K, V>,
    readonly repartitionRequired: boolean,
  ) {}

  get builder(): InternalBuilder {
    return this.stream.builder;
  }

  keySerde(m?: { key?: Serde<K> }): Serde<K> {
    return m?.key ?? this.grouped.key ?? this.stream.serdes.key ?? json<K>();
  }

  valueSerde(): Serde<V> {
    return this.grouped.value ?? this.stream.serdes.value ?? json<V>();
  }

  /** The node the aggregation reads: the stream, or its repartition named after the store. */
  input(storeName: string): string {
    if (!this.repartitionRequired) return this.stream.node;
    const serdes = { key: this.keySerde() as Serde<unknown>, value: this.valueSerde() as Serde<unknown> };
    return this.builder.repartition(this.stream.node, this.grouped.name ?? storeName, serdes);
  }

  private aggregateWith<A>(kind: string, step: AggregateStep<K, V, A>, m: Materialized<K, A> | undefined, defaultValue: Serde<A>): KTable<K, A> {
    const keySerde = this.keySerde(m);
    const valueSerde = m?.value ?? defaultValue;
    const store = this.builder.store(
      { kind: 'key-value', keySerde: keySerde as Serde<unknown>, valueSerde: valueSerde as Serde<unknown>, timestamped: true },
      'KSTREAM-AGGREGATE-STATE-STORE',
      m?.as,
    );
    const parent = this.input(store);
    const materialization = { store, keySerde, valueSerde };
    const node = this.builder.add({ kind, prefix: 'KSTREAM-AGGREGATE', parents: [parent], stores: [store], create: streamAggregateNode(materialization, step) });
    return new KTable<K, A>(this.builder, node, { key: keySerde, value: valueSerde }, storeGetter(materialization), store);
  }

  /** Records per key (a long: Kafka's LongSerde unless the materialization says otherwise). */
  count(materialized?: Materialized<K, number>): KTable<K, number> {
    return this.aggregateWith<number>('count', (_k, _v, old) => (old ?? 0) + 1, materialized, Serdes.long());
  }

  reduce(reducer: (aggregate: V, value: V) => V, materialized?: Materialized<K, V>): KTable<K, V> {
    return this.aggregateWith<V>('reduce', (_k, v, old) => (old === undefined ? v : reducer(old, v)), materialized, this.valueSerde());
  }

  aggregate<A>(initializer: () => A, aggregator: (key: K, value: V, aggregate: A) => A, materialized?: Materialized<K, A>): KTable<K, A> {
    return this.aggregateWith<A>('aggregate', (k, v, old) => aggregator(k, v, old === undefined ? initializer() : old), materialized, json<A>());
  }

  windowedBy(windows: TimeWindows | SlidingWindows): TimeWindowedKStream<K, V>;
  windowedBy(windows: SessionWindows): SessionWindowedKStream<K, V>;
  windowedBy(windows: TimeWindows | SlidingWindows | SessionWindows): TimeWindowedKStream<K, V> | SessionWindowedKStream<K, V> {
    if (windows.kind === 'session') return new SessionWindowedKStream<K, V>(this, windows);
    return new TimeWindowedKStream<K, V>(this, windows);
  }
}

export class KGroupedTable<K, V> {
  /** @internal */
  constructor(
    readonly builder: InternalBuilder,
    readonly node: string,
    readonly serdes: Required<SerdePair<K, V>>,
    readonly groupedName: string | undefined,
  ) {}

  private aggregateWith<A>(kind: string, f: TableAggregator<K, V, A>, m: Materialized<K, A> | undefined, defaultValue: Serde<A>): KTable<K, A> {
    const keySerde = m?.key ?? this.serdes.key;
    const valueSerde = m?.value ?? defaultValue;
    const store = this.builder.store(
      { kind: 'key-value', keySerde: keySerde as Serde<unknown>, valueSerde: valueSerde as Serde<unknown>, timestamped: true },
      'KTABLE-AGGREGATE-STATE-STORE',
      m?.as,
    );
    const parent = this.builder.repartition(this.node, this.groupedName ?? store, {
      key: this.serdes.key as Serde<unknown>,
      value: changeSerde(this.serdes.value) as Serde<unknown>,
    });
    const materialization = { store, keySerde, valueSerde };
    const node = this.builder.add({ kind, prefix: 'KTABLE-AGGREGATE', parents: [parent], stores: [store], create: tableAggregateNode(materialization, f) });
    return new KTable<K, A>(this.builder, node, { key: keySerde, value: valueSerde }, storeGetter(materialization), store);
  }

  count(materialized?: Materialized<K, number>): KTable<K, number> {
    return this.aggregateWith<number>('count', { add: (_k, _v, agg) => (agg ?? 0) + 1, subtract: (_k, _v, agg) => agg - 1 }, materialized, Serdes.long());
  }

  reduce(adder: (aggregate: V, value: V) => V, subtractor: (aggregate: V, value: V) => V, materialized?: Materialized<K, V>): KTable<K, V> {
    return this.aggregateWith<V>(
      'reduce',
      { add: (_k, v, agg) => (agg === undefined ? v : adder(agg, v)), subtract: (_k, v, agg) => subtractor(agg, v) },
      materialized,
      this.serdes.value,
    );
  }

  aggregate<A>(
    initializer: () => A,
    adder: (key: K, value: V, aggregate: A) => A,
    subtractor: (key: K, value: V, aggregate: A) => A,
    materialized?: Materialized<K, A>,
  ): KTable<K, A> {
    return this.aggregateWith<A>(
      'aggregate',
      { add: (k, v, agg) => adder(k, v, agg === undefined ? initializer() : agg), subtract: (k, v, agg) => subtractor(k, v, agg) },
      materialized,
      json<A>(),
    );
  }
}
