// Table node processors. A table flows between nodes as a changelog: each record's value
// is a Change (the row's new value and the one it replaced), so an aggregation over a
// table can subtract what a row no longer contributes. A table that is not materialized
// still answers reads by key through its value getter, computed from its parent's (as
// Kafka's KTableValueGetter): a filter or mapValues costs no store.
import type { Serde } from '../serdes.ts';
import { TimestampedKeyValueStore, type ValueAndTimestamp } from '../stores/keyValue.ts';
import type { NodeContext } from './context.ts';
import type { Create, KeyValuePair } from './nodes.ts';
import type { Change } from './types.ts';

export type ValueGetter<K, V> = (key: K) => Promise<ValueAndTimestamp<V> | undefined>;

/** How to read a table by key: the stores it reads, and a getter per batch. */
export interface GetterSupplier<K, V> {
  stores: string[];
  make(ctx: NodeContext): ValueGetter<K, V>;
}

/** Where a table node keeps its rows when it is materialized. */
export interface Materialization<K, V> {
  store: string;
  keySerde: Serde<K>;
  valueSerde: Serde<V>;
}

const isNullish = (v: unknown): v is null | undefined => v === null || v === undefined;

export function storeGetter<K, V>(m: Materialization<K, V>): GetterSupplier<K, V> {
  return {
    stores: [m.store],
    make: (ctx) => {
      const store = new TimestampedKeyValueStore(ctx.buffer, m.store, m.keySerde, m.valueSerde);
      return async (key) => (isNullish(key) ? undefined : store.get(key));
    },
  };
}

function materialized<K, V>(ctx: NodeContext, m: Materialization<K, V> | undefined) {
  return m ? new TimestampedKeyValueStore(ctx.buffer, m.store, m.keySerde, m.valueSerde) : undefined;
}

/** The table of a topic (or of a stream, toTable): each record replaces its key's row; null deletes it. */
export function tableSourceNode<K, V>(m: Materialization<K, V>): Create {
  return (ctx) => {
    const store = materialized(ctx, m)!;
    return {
      process: async (r) => {
        if (isNullish(r.key)) return ctx.count('dropped-null-key');
        const old = await store.get(r.key as K);
        const value = isNullish(r.value) ? null : (r.value as V);
        if (value === null && old === undefined) return;
        store.put(r.key as K, value, r.timestamp);
        const change: Change<V> = { newValue: value, oldValue: old?.value ?? null };
        await ctx.forward({ ...r, value: change });
      },
    };
  };
}

/** A per-row transformation of a changelog (filter, mapValues): applied to new and old values alike. */
function tableTransformNode<K, V, V2>(apply: (key: K, value: V) => V2 | null, m?: Materialization<K, V2>): Create {
  return (ctx) => {
    const store = materialized(ctx, m);
    return {
      process: async (r) => {
        const c = r.value as Change<V>;
        const newValue = c.newValue === null ? null : apply(r.key as K, c.newValue);
        const oldValue = c.oldValue === null ? null : apply(r.key as K, c.oldValue);
        if (newValue === null && oldValue === null) return;
        store?.put(r.key as K, newValue, r.timestamp);
        await ctx.forward({ ...r, value: { newValue, oldValue } satisfies Change<V2> });
      },
    };
  };
}

export function tableFilterNode<K, V>(predicate: (key: K, value: V) => boolean, negate: boolean, m?: Materialization<K, V>): Create {
  return tableTransformNode<K, V, V>((k, v) => (predicate(k, v) !== negate ? v : null), m);
}

export function tableMapValuesNode<K, V, V2>(mapper: (value: V, key: K) => V2, m?: Materialization<K, V2>): Create {
  return tableTransformNode<K, V, V2>((k, v) => {
    const out = mapper(v, k);
    return out === undefined ? null : out;
  }, m);
}

export function transformGetter<K, V, V2>(parent: GetterSupplier<K, V>, apply: (key: K, value: V) => V2 | null): GetterSupplier<K, V2> {
  return {
    stores: parent.stores,
    make: (ctx) => {
      const get = parent.make(ctx);
      return async (key) => {
        const found = await get(key);
        if (!found) return undefined;
        const value = apply(key, found.value);
        return value === null ? undefined : { value, timestamp: found.timestamp };
      };
    },
  };
}

/** toStream(): each update's new value (a deletion as a null value). */
export function toStreamNode(): Create {
  return (ctx) => ({ process: async (r) => ctx.forward({ ...r, value: (r.value as Change<unknown>).newValue }) });
}

/** KTable.groupBy: re-keys rows; the old row is subtracted under its old key and the new one added under its new key. */
export function tableGroupByNode<K, V, K2, V2>(selector: (key: K, value: V) => KeyValuePair<K2, V2>, sameKey: (a: K2, b: K2) => boolean): Create {
  return (ctx) => ({
    process: async (r) => {
      const c = r.value as Change<V>;
      const oldKv = c.oldValue === null ? undefined : selector(r.key as K, c.oldValue);
      const newKv = c.newValue === null ? undefined : selector(r.key as K, c.newValue);
      if (oldKv && newKv && !isNullish(oldKv.key) && !isNullish(newKv.key) && sameKey(oldKv.key, newKv.key)) {
        return ctx.forward({ ...r, key: newKv.key, value: { newValue: newKv.value, oldValue: oldKv.value } satisfies Change<V2> });
      }
      if (oldKv) await ctx.forward({ ...r, key: oldKv.key, value: { newValue: null, oldValue: oldKv.value } satisfies Change<V2> });
      if (newKv) await ctx.forward({ ...r, key: newKv.key, value: { newValue: newKv.value, oldValue: null } satisfies Change<V2> });
    },
  });
}

/**
 * A Change as bytes, for a repartition topic: one flag byte (1: new present, 2: old
 * present), the new value's length (4 bytes) and bytes, then the old value's bytes.
 */
export function changeSerde<V>(inner: Serde<V>): Serde<Change<V>> {
  return {
    serialize(c) {
      if (c === null) return null;
      const n = c.newValue === null ? null : inner.serialize(c.newValue);
      const o = c.oldValue === null ? null : inner.serialize(c.oldValue);
      const out = new Uint8Array(5 + (n?.byteLength ?? 0) + (o?.byteLength ?? 0));
      out[0] = (n ? 1 : 0) | (o ? 2 : 0);
      new DataView(out.buffer).setUint32(1, n?.byteLength ?? 0);
      if (n) out.set(n, 5);
      if (o) out.set(o, 5 + (n?.byteLength ?? 0));
      return out;
    },
    deserialize(b) {
      if (b === null) return null;
      const flags = b[0]!;
      const len = new DataView(b.buffer, b.byteOffset + 1, 4).getUint32(0);
      return {
        newValue: flags & 1 ? (inner.deserialize(b.subarray(5, 5 + len)) as V) : null,
        oldValue: flags & 2 ? (inner.deserialize(b.subarray(5 + len)) as V) : null,
      };
    },
  };
}
