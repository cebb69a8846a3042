// KStream: a record stream, with Kafka Streams' operations. Stateless operations add a
// node; an operation that may change the key marks the stream so that the next stateful
// step (groupByKey, a join) repartitions it first, as Kafka Streams does. Serdes travel
// with the stream while the key or value type stays the same.
import { InvalidTopologyError } from '../../core/errors.ts';
import {
  actionNode,
  filterNode,
  flatMapNode,
  flatMapValuesNode,
  mapNode,
  mapValuesNode,
  passThrough,
  selectKeyNode,
  sinkNode,
  type RecordContext,
} from '../engine/nodes.ts';
import { processorNode, type ProcessorSupplier } from '../engine/processor.ts';
import type { Serde } from '../serdes.ts';
import { joinStreamStream } from '../joins/streamStream.ts';
import { joinStreamTable, lookupJoin } from '../joins/streamTable.ts';
import type { JoinWindows } from '../joins/windows.ts';
import { BranchedKStream } from './branched.ts';
import { json, StreamsBuilder, type InternalBuilder, type SerdePair } from './builder.ts';
import { KGroupedStream } from './grouped.ts';
import { GlobalKTable, KTable } from './ktable.ts';
import type { Grouped, Joined, KeyValue, Materialized, Named, Produced, Repartitioned, StreamJoined } from './options.ts';

export type ValueJoiner<K, V1, V2, R> = (value: V1, other: V2, key: K) => R;
export type JoinKind = 'inner' | 'left' | 'outer';

export class KStream<K, V> {
  /** @internal */
  constructor(
    readonly builder: InternalBuilder,
    readonly node: string,
    readonly serdes: SerdePair<K, V>,
    /** The key may have changed since the last repartition. */
    readonly keyChanged: boolean,
  ) {}

  private next<K2, V2>(kind: string, prefix: string, create: Parameters<InternalBuilder['add']>[0]['create'], named: Named | undefined, serdes: SerdePair<K2, V2>, keyChanged: boolean): KStream<K2, V2> {
    const node = this.builder.add({ kind, prefix, ...(named?.name ? { named: named.name } : {}), parents: [this.node], create });
    return new KStream<K2, V2>(this.builder, node, serdes, keyChanged);
  }

  filter(predicate: (key: K, value: V) => boolean, named?: Named): KStream<K, V> {
    return this.next('filter', 'KSTREAM-FILTER', filterNode(predicate, false), named, this.serdes, this.keyChanged);
  }

  filterNot(predicate: (key: K, value: V) => boolean, named?: Named): KStream<K, V> {
    return this.next('filter', 'KSTREAM-FILTER', filterNode(predicate, true), named, this.serdes, this.keyChanged);
  }

  map<K2, V2>(mapper: (key: K, value: V) => KeyValue<K2, V2>, named?: Named): KStream<K2, V2> {
    return this.next('map', 'KSTREAM-MAP', mapNode(mapper), named, {}, true);
  }

  mapValues<V2>(mapper: (value: V, key: K) => V2, named?: Named): KStream<K, V2> {
    return this.next('mapValues', 'KSTREAM-MAPVALUES', mapValuesNode(mapper), named, { ...(this.serdes.key ? { key: this.serdes.key } : {}) }, this.keyChanged);
  }

  flatMap<K2, V2>(mapper: (key: K, value: V) => Iterable<KeyValue<K2, V2>>, named?: Named): KStream<K2, V2> {
    return this.next('flatMap', 'KSTREAM-FLATMAP', flatMapNode(mapper), named, {}, true);
  }

  flatMapValues<V2>(mapper: (value: V, key: K) => Iterable<V2>, named?: Named): KStream<K, V2> {
    return this.next('flatMapValues', 'KSTREAM-FLATMAPVALUES', flatMapValuesNode(mapper), named, { ...(this.serdes.key ? { key: this.serdes.key } : {}) }, this.keyChanged);
  }

  selectKey<K2>(selector: (key: K, value: V) => K2, named?: Named): KStream<K2, V> {
    return this.next('selectKey', 'KSTREAM-KEY-SELECT', selectKeyNode(selector), named, { ...(this.serdes.value ? { value: this.serdes.value } : {}) }, true);
  }

  peek(action: (key: K, value: V) => void, named?: Named): KStream<K, V> {
    return this.next('peek', 'KSTREAM-PEEK', actionNode(action, true), named, this.serdes, this.keyChanged);
  }

  foreach(action: (key: K, value: V) => void, named?: Named): void {
    this.next('foreach', 'KSTREAM-FOREACH', actionNode(action, false), named, this.serdes, this.keyChanged);
  }

  /** Splits the stream: each record goes to the first branch whose predicate holds. */
  split(named?: Named): BranchedKStream<K, V> {
    return new BranchedKStream<K, V>(this, named?.name);
  }

  merge(other: KStream<K, V>, named?: Named): KStream<K, V> {
    const node = this.builder.add({ kind: 'merge', prefix: 'KSTREAM-MERGE', ...(named?.name ? { named: named.name } : {}), parents: [this.node, other.node], create: passThrough });
    const serdes: SerdePair<K, V> = {
      ...(this.serdes.key === other.serdes.key && this.serdes.key ? { key: this.serdes.key } : {}),
      ...(this.serdes.value === other.serdes.value && this.serdes.value ? { value: this.serdes.value } : {}),
    };
    return new KStream<K, V>(this.builder, node, serdes, this.keyChanged || other.keyChanged);
  }

  /** Writes the stream to a topic, or to the topic the extractor names per record. */
  to(topic: string | ((key: K, value: V, context: RecordContext) => string), produced: Produced<K, V> = {}): void {
    const target = typeof topic === 'string' ? { name: topic, internal: false } : (topic as (k: unknown, v: unknown, c: RecordContext) => string);
    this.builder.add({
      kind: 'sink',
      prefix: 'KSTREAM-SINK',
      ...(produced.name ? { named: produced.name } : {}),
      parents: [this.node],
      ...(typeof target === 'function' ? {} : { sinkTopics: [target] }),
      create: sinkNode({
        topic: target,
        keySerde: (produced.key ?? this.serdes.key ?? json()) as Serde<unknown>,
        valueSerde: (produced.value ?? this.serdes.value ?? json()) as Serde<unknown>,
        ...(produced.partitioner ? { partitioner: produced.partitioner } : {}),
      }),
    });
  }

  /** Routes the stream through an internal topic `<application.id>-<name>-repartition`. */
  repartition(r: Repartitioned<K, V> = {}): KStream<K, V> {
    const base = this.builder.name('KSTREAM-REPARTITION', r.name);
    const key = r.key ?? this.serdes.key ?? json<K>();
    const value = r.value ?? this.serdes.value ?? json<V>();
    const node = this.builder.repartition(this.node, base, { key: key as Serde<unknown>, value: value as Serde<unknown> }, r.partitions);
    return new KStream<K, V>(this.builder, node, { key, value }, false);
  }

  /** A table whose rows are the stream's latest value per key. */
  toTable(materialized: Materialized<K, V> = {}): KTable<K, V> {
    const src = this.keyChanged ? this.repartition({}) : this;
    const t = this.builder.tableOf(src.node, { key: src.serdes.key ?? json<K>(), value: src.serdes.value ?? json<V>() }, materialized, 'KSTREAM-TOTABLE');
    return new KTable<K, V>(this.builder, t.node, t.serdes, t.getter, t.store);
  }

  groupByKey(grouped: Grouped<K, V> = {}): KGroupedStream<K, V> {
    return new KGroupedStream<K, V>(this, grouped, this.keyChanged);
  }

  groupBy<K2>(selector: (key: K, value: V) => K2, grouped: Grouped<K2, V> = {}): KGroupedStream<K2, V> {
    const keyed = this.next<K2, V>('selectKey', 'KSTREAM-KEY-SELECT', selectKeyNode(selector), undefined, { ...(this.serdes.value ? { value: this.serdes.value } : {}) }, true);
    return new KGroupedStream<K2, V>(keyed, grouped, true);
  }

  /** Runs a Processor API processor on each record, with the stores it names. */
  process<K2 = K, V2 = V>(supplier: ProcessorSupplier<K, V, K2, V2>, opts: Named & { stores?: string[] } = {}): KStream<K2, V2> {
    const stores = (opts.stores ?? []).map((s) => StreamsBuilder.storeDefinition(this.builder, s));
    const node = this.builder.add({
      kind: 'processor',
      prefix: 'KSTREAM-PROCESSOR',
      ...(opts.name ? { named: opts.name } : {}),
      parents: [this.node],
      stores: stores.map((s) => s.name),
      create: processorNode(supplier as ProcessorSupplier, stores),
    });
    return new KStream<K2, V2>(this.builder, node, {}, true);
  }

  join<VO, R>(other: KStream<K, VO>, joiner: ValueJoiner<K, V, VO, R>, windows: JoinWindows, opts?: StreamJoined<K, V, VO>): KStream<K, R>;
  join<VT, R>(table: KTable<K, VT>, joiner: ValueJoiner<K, V, VT, R>, opts?: Joined<K, V, VT>): KStream<K, R>;
  join<KT, VT, R>(table: KTable<KT, VT> | GlobalKTable<KT, VT>, keySelector: (key: K, value: V) => KT, joiner: ValueJoiner<K, V, VT, R>, opts?: Named): KStream<K, R>;
  join(other: unknown, a: unknown, b?: unknown, c?: unknown): KStream<K, unknown> {
    return this.joinAny('inner', other, a, b, c);
  }

  leftJoin<VO, R>(other: KStream<K, VO>, joiner: ValueJoiner<K, V, VO | null, R>, windows: JoinWindows, opts?: StreamJoined<K, V, VO>): KStream<K, R>;
  leftJoin<VT, R>(table: KTable<K, VT>, joiner: ValueJoiner<K, V, VT | null, R>, opts?: Joined<K, V, VT>): KStream<K, R>;
  leftJoin<KT, VT, R>(table: KTable<KT, VT> | GlobalKTable<KT, VT>, keySelector: (key: K, value: V) => KT, joiner: ValueJoiner<K, V, VT | null, R>, opts?: Named): KStream<K, R>;
  leftJoin(other: unknown, a: unknown, b?: unknown, c?: unknown): KStream<K, unknown> {
    return this.joinAny('left', other, a, b, c);
  }

  /** Stream-stream outer join (Kafka has no stream-table outer join). */
  outerJoin<VO, R>(other: KStream<K, VO>, joiner: ValueJoiner<K, V | null, VO | null, R>, windows: JoinWindows, opts?: StreamJoined<K, V, VO>): KStream<K, R> {
    return joinStreamStream(this, other, joiner as ValueJoiner<K, V, VO, R>, windows, opts ?? {}, 'outer');
  }

  private joinAny(kind: 'inner' | 'left', other: unknown, a: unknown, b?: unknown, c?: unknown): KStream<K, unknown> {
    type Joiner = ValueJoiner<K, V, unknown, unknown>;
    if (other instanceof KStream) {
      return joinStreamStream(this, other, a as Joiner, b as JoinWindows, (c ?? {}) as StreamJoined<K, V, unknown>, kind);
    }
    if ((other instanceof KTable || other instanceof GlobalKTable) && typeof b === 'function') {
      return lookupJoin(this, other as KTable<unknown, unknown>, a as (k: K, v: V) => unknown, b as Joiner, (c ?? {}) as Named, kind);
    }
    if (other instanceof KTable) return joinStreamTable(this, other as KTable<K, unknown>, a as Joiner, (b ?? {}) as Joined<K, V, unknown>, kind);
    if (other instanceof GlobalKTable) throw new InvalidTopologyError('a join with a global table needs a key selector: join(table, keySelector, joiner)');
    throw new InvalidTopologyError('join() takes a KStream, a KTable or a GlobalKTable');
  }
}
