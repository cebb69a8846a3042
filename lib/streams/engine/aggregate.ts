// Aggregations over a key's records (KGroupedStream) and over a key's rows
// (KGroupedTable). Both keep one timestamped row per key and forward the table update
// they made; the result's timestamp is the latest of the records it has seen, as in
// Kafka Streams.
import { TimestampedKeyValueStore } from '../stores/keyValue.ts';
import type { Create } from './nodes.ts';
import type { Materialization } from './tables.ts';
import type { NodeContext } from './context.ts';
import type { Change, StreamRecord } from './types.ts';

/**
 * Aggregations skip records without a key (nothing to group by) or without a value (as
 * Kafka's reduce does), counting them; true when the record was skipped.
 */
export function skipsNull(ctx: NodeContext, r: StreamRecord): boolean {
  if (r.key === null || r.key === undefined) ctx.count('dropped-null-key');
  else if (r.value === null || r.value === undefined) ctx.count('dropped-null-value');
  else return false;
  return true;
}

/** One step of a stream aggregation: the new aggregate from the record and the old one (undefined: none yet). */
export type AggregateStep<K, V, A> = (key: K, value: V, old: A | undefined) => A;

export function streamAggregateNode<K, V, A>(m: Materialization<K, A>, step: AggregateStep<K, V, A>): Create {
  return (ctx) => {
    const store = new TimestampedKeyValueStore(ctx.buffer, m.store, m.keySerde, m.valueSerde);
    return {
      process: async (r) => {
        if (skipsNull(ctx, r)) return;
        const old = await store.get(r.key as K);
        const agg = step(r.key as K, r.value as V, old?.value);
        const timestamp = old ? Math.max(old.timestamp, r.timestamp) : r.timestamp;
        store.put(r.key as K, agg, timestamp);
        await ctx.forward({ ...r, timestamp, value: { newValue: agg, oldValue: old?.value ?? null } satisfies Change<A> });
      },
    };
  };
}

export interface TableAggregator<K, V, A> {
  /** Adds a row's value; `agg` is undefined for a key seen the first time. */
  add(key: K, value: V, agg: A | undefined): A;
  /** Removes a row's old value from the aggregate. */
  subtract(key: K, value: V, agg: A): A;
}

export function tableAggregateNode<K, V, A>(m: Materialization<K, A>, f: TableAggregator<K, V, A>): Create {
  return (ctx) => {
    const store = new TimestampedKeyValueStore(ctx.buffer, m.store, m.keySerde, m.valueSerde);
    return {
      process: async (r) => {
        if (r.key === null || r.key === undefined) return ctx.count('dropped-null-key');
        const c = r.value as Change<V>;
        const old = await store.get(r.key as K);
        let agg = old?.value;
        if (c.oldValue !== null && agg !== undefined) agg = f.subtract(r.key as K, c.oldValue, agg);
        if (c.newValue !== null) agg = f.add(r.key as K, c.newValue, agg);
        if (agg === undefined) return;
        const timestamp = old ? Math.max(old.timestamp, r.timestamp) : r.timestamp;
        store.put(r.key as K, agg, timestamp);
        await ctx.forward({ ...r, timestamp, value: { newValue: agg, oldValue: old?.value ?? null } satisfies Change<A> });
      },
    };
  };
}
