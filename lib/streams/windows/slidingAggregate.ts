// Windowed aggregation over sliding windows, with the semantics of Kafka Streams'
// KStreamSlidingWindowAggregate: windows [start, start + d] exist where records are; each
// record creates its left window [ts - d, ts] (aggregating the records already in it, read
// from the window that ends just before ts), the right window of the record before it
// when it now holds records, and its own right window [ts + 1, ts + 1 + d] when later
// records exist; and it updates every existing window it falls in. A window's item
// carries, as its timestamp, the latest record timestamp inside it, which is how a record
// finds its neighbours without storing records. Records before d (a window would start
// below 0) share the window [0, d], as in Kafka.
import { skipsNull, type AggregateStep } from '../engine/aggregate.ts';
import type { NodeContext } from '../engine/context.ts';
import type { Create } from '../engine/nodes.ts';
import type { StreamRecord } from '../engine/types.ts';
import type { Window, Windowed } from '../serdes.ts';
import type { WindowEntry, WindowStore } from '../stores/windowStore.ts';
import type { SlidingWindows } from './definitions.ts';
import { openWindowStore, type WindowMaterialization } from './timeAggregate.ts';

interface Slide<K, V, A> {
  ctx: NodeContext;
  store: WindowStore<K, A>;
  step: AggregateStep<K, V, A>;
  d: number;
  key: K;
  record: StreamRecord;
  closeTime: number;
  late: boolean;
}

/** Adds the record to a window (existing: `base` is its entry; new: `base` holds what it starts from). */
async function update<K, V, A>(s: Slide<K, V, A>, window: Window, base: { value: A | undefined; timestamp: number } | undefined, existing: boolean): Promise<void> {
  if (window.end < s.closeTime) {
    s.late = true;
    return;
  }
  const ts = s.record.timestamp;
  const agg = s.step(s.key, s.record.value as V, base?.value);
  const timestamp = base && base.value !== undefined ? Math.max(ts, base.timestamp) : ts;
  s.store.put(s.key, window.start, agg, timestamp, !existing);
  const value = { newValue: agg, oldValue: existing ? (base?.value ?? null) : null };
  await s.ctx.forward({ key: { key: s.key, window } satisfies Windowed<K>, value, timestamp, headers: s.record.headers });
}

async function putRightWindow<K, V, A>(s: Slide<K, V, A>, ts: number, from: WindowEntry<A>): Promise<void> {
  const window = { start: ts + 1, end: ts + 1 + s.d };
  s.store.put(s.key, window.start, from.value, from.timestamp, true);
  await s.ctx.forward({ key: { key: s.key, window }, value: { newValue: from.value, oldValue: null }, timestamp: from.timestamp, headers: s.record.headers });
}

const win = (start: number, d: number): Window => ({ start, end: start + d });

async function processInOrder<K, V, A>(s: Slide<K, V, A>): Promise<void> {
  const ts = s.record.timestamp;
  const starts = new Set<number>();
  let leftAgg: WindowEntry<A> | undefined;
  let rightAgg: WindowEntry<A> | undefined;
  let leftCreated = false;
  let rightCreated = false;
  let previous: number | undefined;
  for (const w of await s.store.fetch(s.key, Math.max(0, ts - 2 * s.d), ts + 1)) {
    starts.add(w.start);
    const end = w.start + s.d;
    if (end < ts) {
      leftAgg = w;
      previous = w.timestamp;
    } else if (end === ts) {
      leftCreated = true;
      if (w.timestamp < ts) previous = w.timestamp;
      await update(s, win(w.start, s.d), w, true);
    } else if (w.start <= ts) {
      rightAgg = w;
      await update(s, win(w.start, s.d), w, true);
    } else if (w.start === ts + 1) {
      rightCreated = true;
    }
  }
  if (previous !== undefined && !starts.has(previous + 1) && previous + 1 + s.d >= ts) {
    await update(s, win(previous + 1, s.d), undefined, false);
  }
  if (!leftCreated) {
    const base = previous !== undefined && ts - s.d <= previous && leftAgg ? { value: leftAgg.value, timestamp: ts } : undefined;
    await update(s, win(ts - s.d, s.d), base, false);
  }
  if (!rightCreated && rightAgg && rightAgg.timestamp > ts) await putRightWindow(s, ts, rightAgg);
}

async function processEarly<K, V, A>(s: Slide<K, V, A>): Promise<void> {
  const ts = s.record.timestamp;
  const starts = new Set<number>();
  let combined: WindowEntry<A> | undefined;
  let rightAgg: WindowEntry<A> | undefined;
  let rightCreated = false;
  let previous: number | undefined;
  for (const w of await s.store.fetch(s.key, 0, ts + 1)) {
    starts.add(w.start);
    if (w.start === 0) {
      combined = w;
      if (w.timestamp < ts) previous = w.timestamp;
    } else if (w.start <= ts) {
      rightAgg = w;
      await update(s, win(w.start, s.d), w, true);
    } else if (w.start === ts + 1) {
      rightCreated = true;
    }
  }
  if (!rightAgg && combined && combined.timestamp > ts) rightAgg = combined;
  if (!rightCreated && rightAgg && rightAgg.timestamp > ts) await putRightWindow(s, ts, rightAgg);
  if (previous !== undefined && !starts.has(previous + 1)) await update(s, win(previous + 1, s.d), undefined, false);
  await update(s, win(0, s.d), combined, combined !== undefined);
}

export function slidingWindowAggregateNode<K, V, A>(windows: SlidingWindows, m: WindowMaterialization<K, A>, step: AggregateStep<K, V, A>): Create {
  return (ctx) => {
    const { store, expiry } = openWindowStore(ctx, m);
    return {
      timers: [expiry.timer],
      process: async (r) => {
        if (skipsNull(ctx, r)) return;
        const d = windows.timeDifferenceMs;
        const closeTime = ctx.streamTime() - windows.graceMs;
        const s: Slide<K, V, A> = { ctx, store, step, d, key: r.key as K, record: r, closeTime, late: false };
        if (r.timestamp + 1 + d <= closeTime) return ctx.count('dropped-late');
        if (r.timestamp < d) await processEarly(s);
        else await processInOrder(s);
        if (s.late) ctx.count('dropped-late');
      },
    };
  };
}
