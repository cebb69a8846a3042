// Stream-stream joins over JoinWindows, with Kafka Streams' semantics: a record joins each
// record of the other side with the same key whose timestamp lies in its window (left
// record at t: right records in [t - before, t + after]); the result carries the later
// timestamp. Each side keeps its records in a join window store:
//   hash = key bytes, sort = time(ts) | unique id, value = flag (1: unmatched) | value.
// A record's own window closes at ts + after + grace (for a right record: + before): from
// then on it joins nothing more, is hidden and deleted. A record arriving after its own
// window closed is late: dropped and counted.
// Left and outer joins emit a record that found no partner once, when its window closes
// (Kafka's behaviour since 3.1, without spurious early null results): the record waits
// in a time index; a partner arriving in time removes it.
import type { Create } from '../engine/nodes.ts';
import { passThrough } from '../engine/nodes.ts';
import { json } from '../dsl/builder.ts';
import { KStream, type JoinKind, type ValueJoiner } from '../dsl/kstream.ts';
import type { StreamJoined } from '../dsl/options.ts';
import type { Serde } from '../serdes.ts';
import type { WriteBuffer } from '../stores/buffer.ts';
import { concatBytes, decodeTime, encodeTime } from '../stores/bytes.ts';
import { bucketFor, Expiry, itemRef, parseItemRef } from '../stores/expiry.ts';
import { keyBytes } from '../stores/keyValue.ts';
import type { JoinWindows } from './windows.ts';

interface Side<K, T> {
  store: string;
  keySerde: Serde<K>;
  valueSerde: Serde<T>;
  /** How far back and ahead of its timestamp a record of this side finds partners. */
  before: number;
  after: number;
  /** Emits itself with a null partner when its window closes unmatched. */
  emitsUnmatched: boolean;
}

interface Stored<T> {
  ts: number;
  sort: Uint8Array;
  value: T;
  pending: boolean;
}

const flagged = (pending: boolean, bytes: Uint8Array) => concatBytes(new Uint8Array([pending ? 1 : 0]), bytes);

async function fetchOpen<K, T>(buffer: WriteBuffer, side: Side<K, T>, grace: number, hash: Uint8Array, from: number, to: number, streamTime: number): Promise<Stored<T>[]> {
  if (to < from) return [];
  const items = await buffer.range(side.store, hash, { from: encodeTime(from), to: encodeTime(to + 1) });
  return items
    .map((it) => ({ ts: decodeTime(it.sort), sort: it.sort, value: side.valueSerde.deserialize(it.value.subarray(1)) as T, pending: it.value[0] === 1 }))
    .filter((s) => s.ts + side.after + grace >= streamTime);
}

function sideNode<K, T, O, R>(mine: Side<K, T>, theirs: Side<K, O>, grace: number, join: (m: T, t: O, key: K) => R, unmatched: (m: T, key: K) => R): Create {
  const horizon = mine.before + mine.after + grace;
  return (ctx) => {
    const expiry = new Expiry(ctx.timeIndex(`${mine.store}.expiry`, bucketFor(horizon)), mine.store, ctx.buffer);
    const myPending = ctx.timeIndex(`${mine.store}.pending`, bucketFor(horizon));
    const theirPending = ctx.timeIndex(`${theirs.store}.pending`, bucketFor(horizon));
    const closes = (ts: number, side: Side<K, unknown>) => ts + side.after + grace + 1;
    return {
      timers: [
        expiry.timer,
        ...(mine.emitsUnmatched
          ? [{
              index: myPending,
              fire: async (e: { ref: Uint8Array; payload: Uint8Array }) => {
                const item = parseItemRef(e.ref);
                const key = mine.keySerde.deserialize(item.hash) as K;
                const value = mine.valueSerde.deserialize(e.payload) as T;
                await ctx.forward({ key, value: unmatched(value, key), timestamp: decodeTime(item.sort), headers: [] });
              },
            }]
          : []),
      ],
      process: async (r) => {
        if (r.value === null || r.value === undefined) return ctx.count('dropped-null-value');
        if (r.key === null || r.key === undefined) {
          if (mine.emitsUnmatched) return ctx.forward({ ...r, value: unmatched(r.value as T, r.key as K) });
          return ctx.count('dropped-null-key');
        }
        const ts = r.timestamp;
        if (closes(ts, mine) <= ctx.streamTime()) return ctx.count('dropped-late');
        const key = r.key as K;
        const hash = keyBytes(mine.keySerde, key, mine.store);
        const matches = await fetchOpen(ctx.buffer, theirs, grace, hash, ts - mine.before, ts + mine.after, ctx.streamTime());
        const pending = mine.emitsUnmatched && matches.length === 0;
        const itemKey = { hash, sort: concatBytes(encodeTime(ts), ctx.uniqueId()) };
        const bytes = mine.valueSerde.serialize(r.value as T)!;
        ctx.buffer.put(mine.store, itemKey, flagged(pending, bytes));
        expiry.schedule(itemKey, closes(ts, mine));
        if (pending) myPending.add(closes(ts, mine), itemRef(itemKey), bytes);
        for (const m of matches) {
          if (m.pending) {
            const theirKey = { hash, sort: m.sort };
            theirPending.remove(closes(m.ts, theirs), itemRef(theirKey));
            ctx.buffer.put(theirs.store, theirKey, flagged(false, theirs.valueSerde.serialize(m.value)!));
          }
          await ctx.forward({ ...r, value: join(r.value as T, m.value, key), timestamp: Math.max(ts, m.ts) });
        }
      },
    };
  };
}

export function joinStreamStream<K, V, VO, R>(left: KStream<K, V>, right: KStream<K, VO>, joiner: ValueJoiner<K, V, VO, R>, windows: JoinWindows, opts: StreamJoined<K, V, VO>, kind: JoinKind): KStream<K, R> {
  const b = left.builder;
  const name = b.name('KSTREAM-JOIN', opts.name);
  const keySerde = (opts.key ?? left.serdes.key ?? right.serdes.key ?? json()) as Serde<K>;
  const leftValue = (opts.value ?? left.serdes.value ?? json()) as Serde<V>;
  const rightValue = (opts.otherValue ?? right.serdes.value ?? json()) as Serde<VO>;
  const input = (s: KStream<K, unknown>, side: string, value: Serde<unknown>) =>
    s.keyChanged ? b.repartition(s.node, `${name}-${side}`, { key: keySerde as Serde<unknown>, value }) : s.node;
  const leftInput = input(left as KStream<K, unknown>, 'left', leftValue as Serde<unknown>);
  const rightInput = input(right as KStream<K, unknown>, 'right', rightValue as Serde<unknown>);
  const storeBase = opts.storeName ?? name;
  const retentionMs = windows.sizeMs + windows.graceMs;
  const declare = (suffix: string, value: Serde<unknown>) =>
    b.store({ kind: 'window', keySerde: keySerde as Serde<unknown>, valueSerde: value, windowSize: windows.sizeMs, retentionMs }, '', `${storeBase}-${suffix}`, opts.storeName !== undefined);
  const thisStore = declare('this-join-store', leftValue as Serde<unknown>);
  const otherStore = declare('other-join-store', rightValue as Serde<unknown>);
  const l: Side<K, V> = { store: thisStore, keySerde, valueSerde: leftValue, before: windows.beforeMs, after: windows.afterMs, emitsUnmatched: kind !== 'inner' };
  const r: Side<K, VO> = { store: otherStore, keySerde, valueSerde: rightValue, before: windows.afterMs, after: windows.beforeMs, emitsUnmatched: kind === 'outer' };
  const n = (v: unknown) => v as never;
  const leftNode = b.add({
    kind: `stream-stream-${kind}-join`,
    prefix: '',
    named: `${name}-this`,
    parents: [leftInput],
    stores: [thisStore, otherStore],
    create: sideNode<K, V, VO, R>(l, r, windows.graceMs, (m, t, k) => joiner(m, t, k), (m, k) => joiner(m, n(null), k)),
  });
  const rightNode = b.add({
    kind: `stream-stream-${kind}-join`,
    prefix: '',
    named: `${name}-other`,
    parents: [rightInput],
    stores: [thisStore, otherStore],
    create: sideNode<K, VO, V, R>(r, l, windows.graceMs, (m, t, k) => joiner(t, m, k), (m, k) => joiner(n(null), m, k)),
  });
  const merged = b.add({ kind: 'stream-join-merge', prefix: '', named: `${name}-merge`, parents: [leftNode, rightNode], create: passThrough });
  return new KStream<K, R>(b, merged, { key: keySerde }, false);
}
