// Table-table joins on the primary key (Kafka's KTableKTableJoin): an update of either
// side looks up the other side's row and forwards the joined row's new and old values.
// The joined row of key k is, with l and r the two rows (null when absent):
//   inner: l and r present  -> joiner(l, r)
//   left:  l present        -> joiner(l, r or null)
//   outer: l or r present   -> joiner(l or null, r or null)
// else absent. Its timestamp is the later of the two rows'. Both tables' rows of one key
// must be read in one task: the tables are co-partitioned (checked by the plan).
import type { Create } from '../engine/nodes.ts';
import { passThrough } from '../engine/nodes.ts';
import { storeGetter, type GetterSupplier, type ValueGetter } from '../engine/tables.ts';
import type { Change } from '../engine/types.ts';
import { json } from '../dsl/builder.ts';
import type { JoinKind, ValueJoiner } from '../dsl/kstream.ts';
import { KTable } from '../dsl/ktable.ts';
import type { Materialized } from '../dsl/options.ts';
import type { Serde } from '../serdes.ts';
import { TimestampedKeyValueStore } from '../stores/keyValue.ts';

export type RowJoin<V, VO, R> = (l: V | null, r: VO | null) => R | null;

export function rowJoin<K, V, VO, R>(key: K, joiner: ValueJoiner<K, V, VO, R>, kind: JoinKind): RowJoin<V, VO, R> {
  return (l, r) => {
    const present = kind === 'inner' ? l !== null && r !== null : kind === 'left' ? l !== null : l !== null || r !== null;
    return present ? joiner(l as V, r as VO, key) : null;
  };
}

/** One side's node: its update joined with the other side's current row. */
function sideNode<K, T, O, R>(other: GetterSupplier<K, O>, result: (key: K, mine: T | null, theirs: O | null) => R | null): Create {
  return (ctx) => {
    const get = other.make(ctx);
    return {
      process: async (r) => {
        if (r.key === null || r.key === undefined) return;
        const c = r.value as Change<T>;
        const found = await get(r.key as K);
        const theirs = found ? found.value : null;
        const newValue = result(r.key as K, c.newValue, theirs);
        const oldValue = result(r.key as K, c.oldValue, theirs);
        if (newValue === null && oldValue === null) return;
        const timestamp = found ? Math.max(found.timestamp, r.timestamp) : r.timestamp;
        await ctx.forward({ ...r, timestamp, value: { newValue, oldValue } satisfies Change<R> });
      },
    };
  };
}

function joinedGetter<K, V, VO, R>(left: GetterSupplier<K, V>, right: GetterSupplier<K, VO>, result: (key: K, l: V | null, r: VO | null) => R | null): GetterSupplier<K, R> {
  return {
    stores: [...left.stores, ...right.stores],
    make: (ctx) => {
      const gl: ValueGetter<K, V> = left.make(ctx);
      const gr: ValueGetter<K, VO> = right.make(ctx);
      return async (key) => {
        const [l, r] = [await gl(key), await gr(key)];
        const value = result(key, l ? l.value : null, r ? r.value : null);
        return value === null ? undefined : { value, timestamp: Math.max(l?.timestamp ?? 0, r?.timestamp ?? 0) };
      };
    },
  };
}

function storeNode<K, R>(store: string, keySerde: Serde<K>, valueSerde: Serde<R>): Create {
  return (ctx) => {
    const s = new TimestampedKeyValueStore(ctx.buffer, store, keySerde, valueSerde);
    return {
      process: async (r) => {
        s.put(r.key as K, (r.value as Change<R>).newValue, r.timestamp);
        await ctx.forward(r);
      },
    };
  };
}

export function joinTableTable<K, V, VO, R>(left: KTable<K, V>, right: KTable<K, VO>, joiner: ValueJoiner<K, V, VO, R>, m: Materialized<K, R> | undefined, kind: JoinKind): KTable<K, R> {
  const b = left.builder;
  const name = b.name('KTABLE-JOIN');
  const result = (key: K, l: V | null, r: VO | null) => rowJoin(key, joiner, kind)(l, r);
  const leftNode = b.add({ kind: `table-table-${kind}-join`, prefix: '', named: `${name}-left`, parents: [left.node], stores: right.getter.stores, create: sideNode<K, V, VO, R>(right.getter, result) });
  const rightNode = b.add({
    kind: `table-table-${kind}-join`,
    prefix: '',
    named: `${name}-right`,
    parents: [right.node],
    stores: left.getter.stores,
    create: sideNode<K, VO, V, R>(left.getter, (key, mine, theirs) => result(key, theirs, mine)),
  });
  const keySerde = m?.key ?? left.serdes.key ?? right.serdes.key ?? json<K>();
  if (!m) {
    const merged = b.add({ kind: 'table-join-merge', prefix: '', named: name, parents: [leftNode, rightNode], create: passThrough });
    return new KTable<K, R>(b, merged, { key: keySerde }, joinedGetter(left.getter, right.getter, result));
  }
  const valueSerde = m.value ?? json<R>();
  const store = b.store({ kind: 'key-value', keySerde: keySerde as Serde<unknown>, valueSerde: valueSerde as Serde<unknown>, timestamped: true }, `${name}-STATE-STORE`, m.as);
  const merged = b.add({ kind: 'table-join-merge', prefix: '', named: name, parents: [leftNode, rightNode], stores: [store], create: storeNode(store, keySerde, valueSerde) });
  return new KTable<K, R>(b, merged, { key: keySerde, value: valueSerde }, storeGetter({ store, keySerde, valueSerde }), store);
}
