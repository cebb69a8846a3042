// suppress(): holds a table's updates back and emits them later, once.
// - untilWindowCloses: one final result per window, when stream time reaches the
//   window's closing time (windows/definitions.ts). Windows close on stream time, and,
//   with stream.time.advance.when.idle, on wall-clock ticks of an idle input, so the last
//   windows of a quiet input are emitted too. Deleted windows (merged-away sessions) are
//   never emitted.
// - untilTimeLimit: the latest update of a key, once `timeToWaitMs` of stream time has
//   passed since the first update it holds back (Kafka's rate limiting).
// The buffer is a store: one item per key (key bytes; value = time(record ts) | time(due)
// | the held-back Change), and a time index entry at the due time.
import { InvalidRequestError } from '../../core/errors.ts';
import type { Create } from '../engine/nodes.ts';
import { changeSerde } from '../engine/tables.ts';
import type { Change } from '../engine/types.ts';
import type { Serde, Windowed } from '../serdes.ts';
import { concatBytes, decodeTime, EMPTY, encodeTime } from '../stores/bytes.ts';
import { bucketFor } from '../stores/expiry.ts';

export type Suppressed =
  | { kind: 'untilWindowCloses'; name?: string }
  | { kind: 'untilTimeLimit'; timeToWaitMs: number; name?: string };

/** The buffer lives in the store, so it is always unbounded: nothing is emitted early or lost. */
export interface BufferConfig {
  unbounded: true;
}

export const BufferConfig = {
  unbounded: (): BufferConfig => ({ unbounded: true }),
};

export const Suppressed = {
  untilWindowCloses: (_buffer: BufferConfig = BufferConfig.unbounded(), opts: { name?: string } = {}): Suppressed => ({
    kind: 'untilWindowCloses',
    ...opts,
  }),
  untilTimeLimit: (timeToWaitMs: number, _buffer: BufferConfig = BufferConfig.unbounded(), opts: { name?: string } = {}): Suppressed => {
    if (!Number.isSafeInteger(timeToWaitMs) || timeToWaitMs < 0) throw new InvalidRequestError(`timeToWait must be >= 0 ms, got ${timeToWaitMs}`);
    return { kind: 'untilTimeLimit', timeToWaitMs, ...opts };
  },
};

export interface SuppressOptions {
  store: string;
  keySerde: Serde<unknown>;
  valueSerde: Serde<unknown>;
  windowing?: { closesAt(window: { start: number; end: number }): number };
}

const DEFAULT_HORIZON = 300_000;

export function suppressNode(s: Suppressed, o: SuppressOptions): Create {
  const changes = changeSerde(o.valueSerde);
  return (ctx) => {
    const index = ctx.timeIndex(`${o.store}.due`, bucketFor(s.kind === 'untilTimeLimit' ? s.timeToWaitMs : DEFAULT_HORIZON));
    const itemKey = (hash: Uint8Array) => ({ hash, sort: EMPTY });
    return {
      process: async (r) => {
        const key = o.keySerde.serialize(r.key);
        if (key === null) return ctx.count('dropped-null-key');
        const change = r.value as Change<unknown>;
        const held = await ctx.buffer.get(o.store, itemKey(key));
        let due: number;
        let oldValue = change.oldValue;
        if (held) {
          due = decodeTime(held, 8);
          oldValue = changes.deserialize(held.subarray(16))!.oldValue;
        } else {
          due = s.kind === 'untilWindowCloses' ? o.windowing!.closesAt((r.key as Windowed<unknown>).window) : r.timestamp + s.timeToWaitMs;
          index.add(due, key);
        }
        const bytes = changes.serialize({ newValue: change.newValue, oldValue })!;
        ctx.buffer.put(o.store, itemKey(key), concatBytes(encodeTime(r.timestamp), encodeTime(due), bytes));
      },
      timers: [
        {
          index,
          fire: async (entry) => {
            const held = await ctx.buffer.get(o.store, itemKey(entry.ref));
            if (!held) return;
            ctx.buffer.delete(o.store, itemKey(entry.ref));
            const change = changes.deserialize(held.subarray(16))!;
            if (s.kind === 'untilWindowCloses' && change.newValue === null) return;
            await ctx.forward({ key: o.keySerde.deserialize(entry.ref), value: change, timestamp: decodeTime(held, 0), headers: [] });
          },
        },
      ],
    };
  };
}
