// Windowed grouped streams: windowedBy(TimeWindows | SlidingWindows | SessionWindows)
// followed by count, reduce or aggregate. The result is a table keyed by Windowed<K>
// ({ key, window: { start, end } }), stored in a window or session store (queryable by
// key and time range), whose key serde writes Kafka's windowed key layouts.
import type { AggregateStep } from '../engine/aggregate.ts';
import { Serdes, type Serde, type Windowed } from '../serdes.ts';
import type { SessionWindows, SlidingWindows, TimeWindows } from '../windows/definitions.ts';
import { sessionGetter, sessionWindowAggregateNode, type SessionAggregator } from '../windows/sessionAggregate.ts';
import { slidingWindowAggregateNode } from '../windows/slidingAggregate.ts';
import { timeWindowAggregateNode, windowGetter, type WindowMaterialization } from '../windows/timeAggregate.ts';
import { json } from './builder.ts';
import type { KGroupedStream } from './grouped.ts';
import { KTable } from './ktable.ts';
import type { Materialized } from './options.ts';

function materialization<K, V, A>(g: KGroupedStream<K, V>, m: Materialized<K, A> | undefined, kind: 'window' | 'session', windowSize: number, retentionMs: number, defaultValue: Serde<A>): WindowMaterialization<K, A> {
  const keySerde = g.keySerde(m);
  const valueSerde = m?.value ?? defaultValue;
  const store = g.builder.store(
    { kind, keySerde: keySerde as Serde<unknown>, valueSerde: valueSerde as Serde<unknown>, timestamped: true, windowSize, retentionMs },
    'KSTREAM-AGGREGATE-STATE-STORE',
    m?.as,
  );
  return { store, keySerde, valueSerde, retentionMs };
}

export class TimeWindowedKStream<K, V> {
  /** @internal */
  constructor(
    private readonly grouped: KGroupedStream<K, V>,
    private readonly windows: TimeWindows | SlidingWindows,
  ) {}

  private aggregateWith<A>(step: AggregateStep<K, V, A>, m: Materialized<K, A> | undefined, defaultValue: Serde<A>): KTable<Windowed<K>, A> {
    const w = this.windows;
    const mat = materialization(this.grouped, m, 'window', w.sizeMs, w.retentionFor(m?.retentionMs), defaultValue);
    const parent = this.grouped.input(mat.store);
    const create = w.kind === 'time' ? timeWindowAggregateNode(w, mat, step) : slidingWindowAggregateNode(w, mat, step);
    const b = this.grouped.builder;
    const node = b.add({ kind: `${w.kind}-windowed-aggregate`, prefix: 'KSTREAM-AGGREGATE', parents: [parent], stores: [mat.store], create });
    const keySerde = Serdes.timeWindowed(mat.keySerde, w.sizeMs);
    return new KTable<Windowed<K>, A>(b, node, { key: keySerde, value: mat.valueSerde }, windowGetter(mat), mat.store, { closesAt: (win) => w.closesAt(win) });
  }

  count(materialized?: Materialized<K, number>): KTable<Windowed<K>, number> {
    return this.aggregateWith<number>((_k, _v, old) => (old ?? 0) + 1, materialized, Serdes.long());
  }

  reduce(reducer: (aggregate: V, value: V) => V, materialized?: Materialized<K, V>): KTable<Windowed<K>, V> {
    return this.aggregateWith<V>((_k, v, old) => (old === undefined ? v : reducer(old, v)), materialized, this.grouped.valueSerde());
  }

  aggregate<A>(initializer: () => A, aggregator: (key: K, value: V, aggregate: A) => A, materialized?: Materialized<K, A>): KTable<Windowed<K>, A> {
    return this.aggregateWith<A>((k, v, old) => aggregator(k, v, old === undefined ? initializer() : old), materialized, json<A>());
  }
}

export class SessionWindowedKStream<K, V> {
  /** @internal */
  constructor(
    private readonly grouped: KGroupedStream<K, V>,
    private readonly windows: SessionWindows,
  ) {}

  private aggregateWith<A>(f: SessionAggregator<K, V, A>, m: Materialized<K, A> | undefined, defaultValue: Serde<A>): KTable<Windowed<K>, A> {
    const w = this.windows;
    const mat = materialization(this.grouped, m, 'session', 0, w.retentionFor(m?.retentionMs), defaultValue);
    const parent = this.grouped.input(mat.store);
    const b = this.grouped.builder;
    const create = sessionWindowAggregateNode(w, mat, f);
    const node = b.add({ kind: 'session-windowed-aggregate', prefix: 'KSTREAM-AGGREGATE', parents: [parent], stores: [mat.store], create });
    const keySerde = Serdes.sessionWindowed(mat.keySerde);
    return new KTable<Windowed<K>, A>(b, node, { key: keySerde, value: mat.valueSerde }, sessionGetter(mat), mat.store, { closesAt: (win) => w.closesAt(win) });
  }

  count(materialized?: Materialized<K, number>): KTable<Windowed<K>, number> {
    return this.aggregateWith<number>({ add: (_k, _v, agg) => (agg ?? 0) + 1, merge: (_k, a, b) => (a ?? 0) + b }, materialized, Serdes.long());
  }

  reduce(reducer: (aggregate: V, value: V) => V, materialized?: Materialized<K, V>): KTable<Windowed<K>, V> {
    return this.aggregateWith<V>(
      { add: (_k, v, agg) => (agg === undefined ? v : reducer(agg, v)), merge: (_k, a, b) => (a === undefined ? b : reducer(a, b)) },
      materialized,
      this.grouped.valueSerde(),
    );
  }

  aggregate<A>(
    initializer: () => A,
    aggregator: (key: K, value: V, aggregate: A) => A,
    merger: (key: K, a: A, b: A) => A,
    materialized?: Materialized<K, A>,
  ): KTable<Windowed<K>, A> {
    return this.aggregateWith<A>(
      { add: (k, v, agg) => aggregator(k, v, agg === undefined ? initializer() : agg), merge: (k, a, b) => merger(k, a === undefined ? initializer() : a, b) },
      materialized,
      json<A>(),
    );
  }
}
