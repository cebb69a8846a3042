// Windowed aggregation over session windows (Kafka's KStreamSessionWindowAggregate): a
// record at ts finds the key's sessions within the inactivity gap of it, merges them with
// itself into one session, and replaces them: each merged-away session is forwarded as a
// deletion (new value null), then the merged session with its aggregate. A record whose
// merged session would end before stream time - grace is late: dropped and counted.
// Session results carry the session's end as their timestamp, as in Kafka.
import { skipsNull } from '../engine/aggregate.ts';
import type { Create } from '../engine/nodes.ts';
import type { GetterSupplier } from '../engine/tables.ts';
import type { Change } from '../engine/types.ts';
import type { Window, Windowed } from '../serdes.ts';
import { SessionStore } from '../stores/sessionStore.ts';
import type { NodeContext } from '../engine/context.ts';
import type { SessionWindows } from './definitions.ts';
import { windowedStoreOptions, type WindowMaterialization } from './timeAggregate.ts';

/** A session aggregation: `undefined` stands for the initial aggregate. */
export interface SessionAggregator<K, V, A> {
  add(key: K, value: V, agg: A | undefined): A;
  merge(key: K, a: A | undefined, b: A): A;
}

function openSessionStore<K, A>(ctx: NodeContext, m: WindowMaterialization<K, A>) {
  const o = windowedStoreOptions(ctx, m);
  return { store: new SessionStore(o), expiry: o.expiry };
}

export function sessionGetter<K, A>(m: WindowMaterialization<K, A>): GetterSupplier<Windowed<K>, A> {
  return {
    stores: [m.store],
    make: (ctx) => {
      const { store } = openSessionStore(ctx, m);
      return async (wk) => {
        const found = await store.find(wk.key, wk.window.end, wk.window.start);
        const s = found.find((e) => e.window.start === wk.window.start && e.window.end === wk.window.end);
        return s ? { value: s.value, timestamp: s.timestamp } : undefined;
      };
    },
  };
}

const same = (a: Window, b: Window) => a.start === b.start && a.end === b.end;

export function sessionWindowAggregateNode<K, V, A>(windows: SessionWindows, m: WindowMaterialization<K, A>, f: SessionAggregator<K, V, A>): Create {
  return (ctx) => {
    const { store, expiry } = openSessionStore(ctx, m);
    return {
      timers: [expiry.timer],
      process: async (r) => {
        if (skipsNull(ctx, r)) return;
        const key = r.key as K;
        const ts = r.timestamp;
        const gap = windows.inactivityGapMs;
        const closeTime = ctx.streamTime() - windows.graceMs;
        const sessions = await store.find(key, ts - gap, ts + gap);
        let merged: Window = { start: ts, end: ts };
        let agg: A | undefined;
        for (const s of sessions) {
          agg = f.merge(key, agg, s.value);
          merged = { start: Math.min(merged.start, s.window.start), end: Math.max(merged.end, s.window.end) };
        }
        if (merged.end < closeTime) return ctx.count('dropped-late');
        if (!same(merged, { start: ts, end: ts })) {
          for (const s of sessions) {
            store.remove(key, s.window);
            const gone: Change<A> = { newValue: null, oldValue: s.value };
            await ctx.forward({ key: { key, window: s.window } satisfies Windowed<K>, value: gone, timestamp: s.window.end, headers: r.headers });
          }
        }
        const result = f.add(key, r.value as V, agg);
        store.put(key, merged, result, merged.end);
        const value: Change<A> = { newValue: result, oldValue: null };
        await ctx.forward({ key: { key, window: merged } satisfies Windowed<K>, value, timestamp: merged.end, headers: r.headers });
      },
    };
  };
}
