// Stream-table joins, with Kafka Streams' semantics: each stream record looks up the
// table's current row for its key; the table side never triggers output. Inner drops a
// record without a row, left joins it with null. Records without a value are dropped;
// without a key, inner drops them and left joins them with null.
//
// Two forms:
// - join(table, joiner): the record's own key, read in the task that owns the table's
//   rows, so stream and table must be co-partitioned (checked by the plan), and a stream
//   whose key changed is repartitioned first. Stream record and table update of one key
//   are then processed in one task, in the order they are read.
// - join(table, keySelector, joiner) (Kafka's GlobalKTable join): any key, read from the
//   table's store from any task, with no co-partitioning and no repartition. The table
//   is read as committed by its own task, so it may lag the stream (as a GlobalKTable
//   lags its topic).
import type { Create } from '../engine/nodes.ts';
import type { GetterSupplier } from '../engine/tables.ts';
import { json } from '../dsl/builder.ts';
import { KStream, type JoinKind, type ValueJoiner } from '../dsl/kstream.ts';
import type { GlobalKTable, KTable } from '../dsl/ktable.ts';
import type { Joined, Named } from '../dsl/options.ts';
import type { Serde } from '../serdes.ts';

const nullish = (v: unknown): v is null | undefined => v === null || v === undefined;

function lookupNode<K, V, KT, VT, R>(select: (key: K, value: V) => KT, getter: GetterSupplier<KT, VT>, joiner: ValueJoiner<K, V, VT | null, R>, kind: JoinKind): Create {
  return (ctx) => {
    const get = getter.make(ctx);
    return {
      process: async (r) => {
        if (nullish(r.value)) return ctx.count('dropped-null-value');
        const lookupKey = nullish(r.key) ? undefined : select(r.key as K, r.value as V);
        const found = nullish(lookupKey) ? undefined : await get(lookupKey);
        if (!found && kind === 'inner') {
          if (nullish(lookupKey)) ctx.count('dropped-null-key');
          return;
        }
        await ctx.forward({ ...r, value: joiner(r.value as V, found ? found.value : null, r.key as K) });
      },
    };
  };
}

export function joinStreamTable<K, V, VT, R>(stream: KStream<K, V>, table: KTable<K, VT>, joiner: ValueJoiner<K, V, VT | null, R>, joined: Joined<K, V, VT>, kind: 'inner' | 'left'): KStream<K, R> {
  const b = stream.builder;
  const name = b.name('KSTREAM-JOIN', joined.name);
  const keySerde = (joined.key ?? stream.serdes.key ?? table.serdes.key ?? json()) as Serde<K>;
  const left = stream.keyChanged
    ? b.repartition(stream.node, `${name}-left`, { key: keySerde as Serde<unknown>, value: (joined.value ?? stream.serdes.value ?? json()) as Serde<unknown> })
    : stream.node;
  const node = b.add({
    kind: `stream-table-${kind}-join`,
    prefix: '',
    named: name,
    parents: [left],
    stores: table.getter.stores,
    create: lookupNode<K, V, K, VT, R>((k) => k, table.getter, joiner, kind),
  });
  return new KStream<K, R>(b, node, { key: keySerde }, false);
}

export function lookupJoin<K, V, KT, VT, R>(
  stream: KStream<K, V>,
  table: KTable<KT, VT> | GlobalKTable<KT, VT>,
  select: (key: K, value: V) => KT,
  joiner: ValueJoiner<K, V, VT | null, R>,
  named: Named,
  kind: 'inner' | 'left',
): KStream<K, R> {
  const b = stream.builder;
  const node = b.add({
    kind: `stream-lookup-${kind}-join`,
    prefix: 'KSTREAM-JOIN',
    ...(named.name ? { named: named.name } : {}),
    parents: [stream.node],
    lookups: table.getter.stores,
    create: lookupNode(select, table.getter, joiner, kind),
  });
  return new KStream<K, R>(b, node, { ...(stream.serdes.key ? { key: stream.serdes.key } : {}) }, stream.keyChanged);
}
