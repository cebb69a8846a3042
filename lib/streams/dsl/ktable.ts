// KTable: a changelog stream read as a table (latest value per key), and GlobalKTable,
// a table for key-selector lookups. A KTable knows how to read a row by key (its value
// getter) whether or not it is materialized; a windowed table also knows when each
// window closes, which suppress(untilWindowCloses) needs.
import { tableFilterNode, tableGroupByNode, tableMapValuesNode, toStreamNode, storeGetter, transformGetter, type GetterSupplier, type Materialization } from '../engine/tables.ts';
import type { Serde, Window } from '../serdes.ts';
import { equalBytes } from '../stores/bytes.ts';
import { joinForeignKey } from '../joins/foreignKey.ts';
import { joinTableTable } from '../joins/tableTable.ts';
import { suppressNode, type Suppressed } from '../windows/suppress.ts';
import { InvalidTopologyError } from '../../core/errors.ts';
import { json, type InternalBuilder, type SerdePair } from './builder.ts';
import { KGroupedTable } from './grouped.ts';
import { KStream, type ValueJoiner } from './kstream.ts';
import type { Grouped, KeyValue, Materialized, Named } from './options.ts';

/** What a windowed table knows of its windows. */
export interface Windowing {
  /** Stream time from which the window never changes again. */
  closesAt(window: Window): number;
}

export class GlobalKTable<K, V> {
  /** @internal */
  constructor(
    readonly getter: GetterSupplier<K, V>,
    readonly storeName: string,
  ) {}

  queryableStoreName(): string {
    return this.storeName;
  }
}

export class KTable<K, V> {
  /** @internal */
  constructor(
    readonly builder: InternalBuilder,
    readonly node: string,
    readonly serdes: SerdePair<K, V>,
    readonly getter: GetterSupplier<K, V>,
    readonly storeName?: string,
    readonly windowing?: Windowing,
  ) {}

  /** The store that holds this table, when it is materialized. */
  queryableStoreName(): string | undefined {
    return this.storeName;
  }

  private materialize<V2>(m: Materialized<K, V2> | undefined, valueSerde: Serde<V2> | undefined, prefix: string): Materialization<K, V2> | undefined {
    if (!m) return undefined;
    const keySerde = m.key ?? this.serdes.key ?? json<K>();
    const vs = m.value ?? valueSerde ?? json<V2>();
    const store = this.builder.store({ kind: 'key-value', keySerde: keySerde as Serde<unknown>, valueSerde: vs as Serde<unknown>, timestamped: true }, `${prefix}-STATE-STORE`, m.as);
    return { store, keySerde, valueSerde: vs };
  }

  private derive<V2>(kind: string, prefix: string, create: Parameters<InternalBuilder['add']>[0]['create'], m: Materialization<K, V2> | undefined, getter: GetterSupplier<K, V2>, valueSerde?: Serde<V2>): KTable<K, V2> {
    const node = this.builder.add({ kind, prefix, parents: [this.node], ...(m ? { stores: [m.store] } : {}), create });
    const serdes: SerdePair<K, V2> = { ...(this.serdes.key ? { key: this.serdes.key } : {}), ...(valueSerde ? { value: valueSerde } : {}) };
    return new KTable<K, V2>(this.builder, node, serdes, m ? storeGetter(m) : getter, m?.store, this.windowing);
  }

  filter(predicate: (key: K, value: V) => boolean, materialized?: Materialized<K, V>): KTable<K, V> {
    return this.filterImpl(predicate, false, materialized);
  }

  filterNot(predicate: (key: K, value: V) => boolean, materialized?: Materialized<K, V>): KTable<K, V> {
    return this.filterImpl(predicate, true, materialized);
  }

  private filterImpl(predicate: (key: K, value: V) => boolean, negate: boolean, materialized?: Materialized<K, V>): KTable<K, V> {
    const m = this.materialize(materialized, this.serdes.value, 'KTABLE-FILTER');
    const getter = transformGetter(this.getter, (k: K, v: V) => (predicate(k, v) !== negate ? v : null));
    return this.derive('table-filter', 'KTABLE-FILTER', tableFilterNode(predicate, negate, m), m, getter, m?.valueSerde ?? this.serdes.value);
  }

  mapValues<V2>(mapper: (value: V, key: K) => V2, materialized?: Materialized<K, V2>): KTable<K, V2> {
    const m = this.materialize(materialized, undefined, 'KTABLE-MAPVALUES');
    const getter = transformGetter(this.getter, (k: K, v: V) => mapper(v, k) ?? null);
    return this.derive('table-mapValues', 'KTABLE-MAPVALUES', tableMapValuesNode(mapper, m), m, getter, m?.valueSerde);
  }

  /** The table's updates as a stream: each key's new value (null when the row was deleted). */
  toStream(named?: Named): KStream<K, V> {
    const node = this.builder.add({ kind: 'toStream', prefix: 'KTABLE-TOSTREAM', ...(named?.name ? { named: named.name } : {}), parents: [this.node], create: toStreamNode() });
    return new KStream<K, V>(this.builder, node, this.serdes, false);
  }

  /** Re-keys rows for an aggregation; always through a repartition topic. */
  groupBy<K2, V2>(selector: (key: K, value: V) => KeyValue<K2, V2>, grouped: Grouped<K2, V2> = {}): KGroupedTable<K2, V2> {
    const keySerde = grouped.key ?? json<K2>();
    const same = (a: K2, b: K2) => {
      const x = keySerde.serialize(a);
      const y = keySerde.serialize(b);
      return x !== null && y !== null && equalBytes(x, y);
    };
    const node = this.builder.add({ kind: 'table-groupBy', prefix: 'KTABLE-SELECT', parents: [this.node], create: tableGroupByNode(selector, same) });
    return new KGroupedTable<K2, V2>(this.builder, node, { key: keySerde, value: grouped.value ?? json<V2>() }, grouped.name);
  }

  join<VO, R>(other: KTable<K, VO>, joiner: ValueJoiner<K, V, VO, R>, materialized?: Materialized<K, R>): KTable<K, R>;
  join<KO, VO, R>(other: KTable<KO, VO>, foreignKey: (value: V) => KO, joiner: ValueJoiner<K, V, VO, R>, materialized?: Materialized<K, R>): KTable<K, R>;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- overloads above carry the types
  join(other: KTable<any, any>, a: unknown, b?: unknown, c?: unknown): KTable<K, unknown> {
    return this.joinAny('inner', other, a, b, c);
  }

  leftJoin<VO, R>(other: KTable<K, VO>, joiner: ValueJoiner<K, V, VO | null, R>, materialized?: Materialized<K, R>): KTable<K, R>;
  leftJoin<KO, VO, R>(other: KTable<KO, VO>, foreignKey: (value: V) => KO, joiner: ValueJoiner<K, V, VO | null, R>, materialized?: Materialized<K, R>): KTable<K, R>;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- overloads above carry the types
  leftJoin(other: KTable<any, any>, a: unknown, b?: unknown, c?: unknown): KTable<K, unknown> {
    return this.joinAny('left', other, a, b, c);
  }

  outerJoin<VO, R>(other: KTable<K, VO>, joiner: ValueJoiner<K, V | null, VO | null, R>, materialized?: Materialized<K, R>): KTable<K, R> {
    return joinTableTable(this, other, joiner as ValueJoiner<K, V, VO, R>, materialized, 'outer');
  }

  private joinAny(kind: 'inner' | 'left', other: KTable<unknown, unknown>, a: unknown, b?: unknown, c?: unknown): KTable<K, unknown> {
    if (!(other instanceof KTable)) throw new InvalidTopologyError('a table joins another KTable');
    type J = ValueJoiner<K, V, unknown, unknown>;
    if (typeof b === 'function') {
      return joinForeignKey(this, other, a as (v: V) => unknown, b as J, c as Materialized<K, unknown> | undefined, kind);
    }
    return joinTableTable(this, other as KTable<K, unknown>, a as J, b as Materialized<K, unknown> | undefined, kind);
  }

  /** Holds back updates: one final result per window (untilWindowCloses), or the latest per key per time limit. */
  suppress(suppressed: Suppressed): KTable<K, V> {
    if (suppressed.kind === 'untilWindowCloses' && !this.windowing) {
      throw new InvalidTopologyError('suppress(untilWindowCloses) needs a windowed table (windowedBy(...).count/reduce/aggregate)');
    }
    const base = this.builder.name('KTABLE-SUPPRESS', suppressed.name);
    const store = this.builder.store({ kind: 'internal' }, '', `${base}-store`, false);
    const node = this.builder.add({
      kind: 'suppress',
      prefix: '',
      named: base,
      parents: [this.node],
      stores: [store],
      create: suppressNode(suppressed, {
        store,
        keySerde: (this.serdes.key ?? json()) as Serde<unknown>,
        valueSerde: (this.serdes.value ?? json()) as Serde<unknown>,
        ...(this.windowing ? { windowing: this.windowing } : {}),
      }),
    });
    return new KTable<K, V>(this.builder, node, this.serdes, this.getter, undefined, this.windowing);
  }
}
