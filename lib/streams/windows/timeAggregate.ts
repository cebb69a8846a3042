// Windowed aggregation over time windows (tumbling and hopping). Each record updates
// every window it falls in that has not closed (end > stream time - grace); if any of
// them had closed, the record counts once as dropped-late. A window's aggregate is one
// item of the window store, expired after the retention.
import { skipsNull, type AggregateStep } from '../engine/aggregate.ts';
import type { NodeContext } from '../engine/context.ts';
import type { Create } from '../engine/nodes.ts';
import type { GetterSupplier } from '../engine/tables.ts';
import type { Change } from '../engine/types.ts';
import type { Serde, Windowed } from '../serdes.ts';
import { bucketFor, Expiry } from '../stores/expiry.ts';
import { WindowStore, type WindowedStoreOptions } from '../stores/windowStore.ts';
import type { TimeWindows } from './definitions.ts';

export interface WindowMaterialization<K, A> {
  store: string;
  keySerde: Serde<K>;
  valueSerde: Serde<A>;
  retentionMs: number;
}

/** A window or session store's options in a task, with its expiry timer. */
export function windowedStoreOptions<K, A>(ctx: NodeContext, m: WindowMaterialization<K, A>): WindowedStoreOptions<K, A> & { expiry: Expiry } {
  const expiry = new Expiry(ctx.timeIndex(`${m.store}.expiry`, bucketFor(m.retentionMs)), m.store, ctx.buffer);
  return { buffer: ctx.buffer, name: m.store, keySerde: m.keySerde, valueSerde: m.valueSerde, retentionMs: m.retentionMs, streamTime: () => ctx.streamTime(), expiry };
}

export function openWindowStore<K, A>(ctx: NodeContext, m: WindowMaterialization<K, A>): { store: WindowStore<K, A>; expiry: Expiry } {
  const o = windowedStoreOptions(ctx, m);
  return { store: new WindowStore(o), expiry: o.expiry };
}

/** Reads a windowed table's row: the window store's item at (key, window start). */
export function windowGetter<K, A>(m: WindowMaterialization<K, A>): GetterSupplier<Windowed<K>, A> {
  return {
    stores: [m.store],
    make: (ctx) => {
      const { store } = openWindowStore(ctx, m);
      return async (wk) => store.get(wk.key, wk.window.start);
    },
  };
}

export function timeWindowAggregateNode<K, V, A>(windows: TimeWindows, m: WindowMaterialization<K, A>, step: AggregateStep<K, V, A>): Create {
  return (ctx) => {
    const { store, expiry } = openWindowStore(ctx, m);
    return {
      timers: [expiry.timer],
      process: async (r) => {
        if (skipsNull(ctx, r)) return;
        const key = r.key as K;
        const closeTime = ctx.streamTime() - windows.graceMs;
        let late = false;
        for (const window of windows.windowsFor(r.timestamp)) {
          if (window.end <= closeTime) {
            late = true;
            continue;
          }
          const old = await store.get(key, window.start);
          const agg = step(key, r.value as V, old?.value);
          const timestamp = old ? Math.max(old.timestamp, r.timestamp) : r.timestamp;
          store.put(key, window.start, agg, timestamp, old === undefined);
          const value: Change<A> = { newValue: agg, oldValue: old?.value ?? null };
          await ctx.forward({ key: { key, window } satisfies Windowed<K>, value, timestamp, headers: r.headers });
        }
        if (late) ctx.count('dropped-late');
      },
    };
  };
}
