// Properties: a windowed count equals a brute-force count over random input (in order,
// out of order within grace, or arbitrary, with late records dropped and counted); and
// the property the exactly-once runtime relies on: however a partition's records are cut
// into batches (by count, or where a commit fills up), outputs and state are the same.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { JoinWindows, Materialized, Serdes, SessionWindows, StreamsBuilder, Suppressed, TimeWindows } from '../../../lib/streams/index.ts';
import { toHex } from '../../../lib/streams/stores/bytes.ts';
import { MemoryRuntime, type RuntimeOptions } from '../../../lib/streams/testing/memoryRuntime.ts';
import { drive } from './support.ts';

const SIZE = 10;
const GRACE = 5;

type In = { key: string; ts: number };

function bruteForce(input: In[]) {
  let streamTime = -1;
  let dropped = 0;
  const counts = new Map<string, number>();
  for (const { key, ts } of input) {
    streamTime = Math.max(streamTime, ts);
    const start = Math.floor(ts / SIZE) * SIZE;
    if (start + SIZE > streamTime - GRACE) counts.set(`${key}@${start}`, (counts.get(`${key}@${start}`) ?? 0) + 1);
    else dropped += 1;
  }
  return { counts, dropped };
}

async function engineCounts(input: In[]) {
  const driver = drive((b) =>
    b
      .stream<string, string>('in', { value: Serdes.string() })
      .groupByKey()
      .windowedBy(TimeWindows.ofSizeAndGrace(SIZE, GRACE))
      .count(Materialized.as('w', { retentionMs: 1_000_000 })),
  );
  const topic = driver.createInputTopic<string, string>('in', Serdes.string(), Serdes.string());
  for (const r of input) await topic.pipeInput(r.key, 'x', r.ts);
  const store = driver.getWindowStore<string, number>('w');
  const counts = new Map<string, number>();
  for (const key of new Set(input.map((r) => r.key))) {
    for (const w of await store.fetch(key, 0, 10_000)) counts.set(`${key}@${w.start}`, w.value);
  }
  const dropped = Object.values(driver.metrics()).reduce((a, b) => a + b, 0);
  return { counts, dropped };
}

const keys = fc.constantFrom('a', 'b', 'c');

describe('windowed count', () => {
  it('equals a brute-force count over arbitrary input, late records dropped and counted', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.record({ key: keys, ts: fc.integer({ min: 0, max: 120 }) }), { maxLength: 40 }), async (input) => {
        expect(await engineCounts(input)).toEqual(bruteForce(input));
      }),
      { numRuns: 60 },
    );
  });

  it('counts every record when records are out of order by no more than the grace period', async () => {
    const input = fc
      .array(fc.record({ key: keys, step: fc.integer({ min: 0, max: 7 }), delay: fc.integer({ min: 0, max: GRACE }) }), { maxLength: 40 })
      .map((rs) => {
        let t = GRACE;
        return rs.map((r) => ((t += r.step), { key: r.key, ts: t - r.delay }));
      });
    await fc.assert(
      fc.asyncProperty(input, async (records) => {
        const naive = new Map<string, number>();
        for (const { key, ts } of records) naive.set(`${key}@${Math.floor(ts / SIZE) * SIZE}`, (naive.get(`${key}@${Math.floor(ts / SIZE) * SIZE}`) ?? 0) + 1);
        expect(await engineCounts(records)).toEqual({ counts: naive, dropped: 0 });
      }),
      { numRuns: 60 },
    );
  });
});

function topology() {
  const b = new StreamsBuilder();
  const s = b.stream<string, number>('in', { value: Serdes.json<number>() });
  s.groupByKey().windowedBy(TimeWindows.ofSizeAndGrace(SIZE, GRACE)).count(Materialized.as('w', { retentionMs: 40 })).suppress(Suppressed.untilWindowCloses()).toStream().to('final');
  s.groupBy((_k, v) => String(v % 3)).reduce((a, v) => a + v, Materialized.as('mods')).toStream().to('mods');
  s.groupByKey().windowedBy(SessionWindows.ofInactivityGapAndGrace(5, 5)).count(Materialized.as('sessions')).toStream().to('sessions');
  s.leftJoin(s.mapValues((v) => v * 10), (l, r) => `${l}:${r}`, JoinWindows.ofTimeDifferenceAndGrace(3, 2)).to('joined');
  return b.build();
}

async function runAll(input: Array<{ key: string; ts: number; v: number }>, options: RuntimeOptions) {
  const rt = new MemoryRuntime(topology(), { 'application.id': 'prop' }, options);
  const text = new TextEncoder();
  for (const r of input) rt.append('in', { key: text.encode(r.key), value: Serdes.json<number>().serialize(r.v), timestamp: r.ts, headers: [], partition: 0 });
  await rt.deliver('in', 0);
  const hex = (b: Uint8Array | null) => (b ? toHex(b) : null);
  const topics = Object.fromEntries(['final', 'mods', 'sessions', 'joined'].map((t) => [t, rt.records(t).map((r) => [hex(r.key), hex(r.value), r.timestamp, r.partition])]));
  const stores = Object.fromEntries(rt.memory!.storeNames().map((s) => [s, rt.memory!.dump(s).map((i) => [toHex(i.hash), toHex(i.sort), toHex(i.value)])]));
  const states = rt.engine.tasks().map((t) => rt.state(t));
  return { topics, stores, states };
}

describe('batch boundaries', () => {
  it('do not change outputs or state, whether batches are cut by count or by a full commit', async () => {
    const record = fc.record({ key: keys, ts: fc.integer({ min: 0, max: 80 }), v: fc.integer({ min: 0, max: 9 }) });
    await fc.assert(
      fc.asyncProperty(fc.array(record, { minLength: 1, maxLength: 30 }), fc.integer({ min: 1, max: 5 }), fc.integer({ min: 24, max: 40 }), fc.integer({ min: 12, max: 16 }), async (input, size, items, outputs) => {
        const whole = await runAll(input, {});
        expect(await runAll(input, { maxBatchRecords: size })).toEqual(whole);
        expect(await runAll(input, { fits: (u) => u.items <= items && u.outputs <= outputs })).toEqual(whole);
      }),
      { numRuns: 40 },
    );
  });
});
