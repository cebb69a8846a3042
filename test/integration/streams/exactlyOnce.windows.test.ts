// Exactly-once of windowed state on the processor runtime over the emulators, under
// injected crashes: after the output upload, after the commit before its answer, and
// between batches (every batch a process of its own), while records are processed and
// while a wall-clock tick closes the last windows of a quiet input. Two processors: page
// views counted per user per minute and suppressed (one final count per window), and a
// stream-stream left join. The checkers read the whole output topic and the store and
// compare them with what a model of the input says, so a lost or doubled effect fails.
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { Log } from '../../../lib/log/index.ts';
import { JoinWindows, Materialized, Serdes, StreamsBuilder, Suppressed, TimeWindows, type Topology, type Windowed } from '../../../lib/streams/index.ts';
import { ProcessorRuntime } from '../../../lib/streams/runtime/processor.ts';
import { Processors } from '../../../lib/streams/service.ts';
import { injectFault } from '../../support/log.ts';
import { useTestStorage } from '../../support/stack.ts';
import { runWithRestarts } from './helpers.ts';

const storage = useTestStorage();

class Crash extends Error {
  override name = 'Crash';
}

/** 2023-11-14T22:14:00Z, on a minute boundary. */
const T = 1_700_000_040_000;
const MIN = 60_000;
const GRACE = 20_000;
/** The runtime's wall clock: still while records are processed, then moved on for the tick. */
const START = 9_000_000;

interface Input {
  topic: string;
  partition: number;
  key: string;
  value: string;
  timestamp: number;
}

type Fault = 'none' | 'upload' | 'commit';
const FAULTS: Record<Exclude<Fault, 'none'>, ['s3' | 'ddb', string]> = { upload: ['s3', 'PutObject'], commit: ['ddb', 'TransactWriteItems'] };

/** Runs the processor to the end of its input and then through the wall-clock tick, crashing as `fault` says in both phases. */
async function runThroughCrashes(topology: Topology, app: string, inputs: readonly Input[], fault: Fault): Promise<ProcessorRuntime> {
  const log = new Log(storage.clients);
  for (const r of inputs) await log.append(r.topic, r.partition, { records: [{ key: Buffer.from(r.key), value: Buffer.from(JSON.stringify(r.value)), timestamp: r.timestamp }] });
  const clock = { now: START };
  // One commit attempt: a lost answer reaches the caller (as a crash would end it) instead of being resolved in place.
  const create = () =>
    ProcessorRuntime.create(new Log(storage.clients, { commit: { maxAttempts: 1 } }), topology, { 'application.id': app }, 'app.ts', {
      now: () => clock.now,
      maxBatchRecords: 2,
      backoff: { baseMs: 1, maxMs: 2 },
    });
  for (const phase of ['records', 'tick'] as const) {
    if (phase === 'tick') clock.now = START + 30 * MIN;
    const [client, command] = fault === 'none' ? [] : FAULTS[fault];
    const remove = client ? injectFault(storage.clients[client], command!, 'after', { times: phase === 'records' ? 3 : 1, error: () => new Crash('injected crash') }) : () => undefined;
    try {
      const crashes = await runWithRestarts(create);
      if (fault !== 'none') expect(crashes, `crashes while processing ${phase}`).toBeGreaterThan(0);
      else expect(crashes).toBe(0);
    } finally {
      remove();
    }
  }
  const runtime = await create();
  // Nothing is due any more: the tick runs no task (what is left is the expiry of windows a day on).
  expect((await runtime.tick()).outcomes).toEqual({});
  return runtime;
}

async function readAll(topic: string, partitions: number) {
  const log = new Log(storage.clients);
  const out = [];
  for (let p = 0; p < partitions; p++) out.push(...(await log.fetch(topic, p, { offset: 0, maxRecords: 10_000 })).records);
  return out;
}

const sorted = <T>(xs: T[]): T[] => xs.map((x) => JSON.stringify(x)).sort().map((x) => JSON.parse(x) as T);

describe('exactly once: a suppressed windowed count', () => {
  const users = [['ann', 0], ['ben', 0], ['cat', 1], ['dan', 1]] as const;
  /** Views per partition in offset order: minutes 0..4, some out of order within grace, one late. */
  function views(topic: string): Input[] {
    const at = [5, 20, 61, 50, 75, 130, 119, 185, 110, 200, 250, 240];
    return users.flatMap(([user, partition], u) =>
      at.map((s, i) => ({ topic, partition, key: user, value: `/page/${i}`, timestamp: T + (s + u) * 1000 })),
    );
  }

  /** Per partition in offset order: stream time, late records dropped, final counts per (user, window start). */
  function model(inputs: readonly Input[]) {
    const counts = new Map<string, number>();
    let dropped = 0;
    for (const partition of [0, 1]) {
      let streamTime = -1;
      for (const r of inputs.filter((x) => x.partition === partition)) {
        streamTime = Math.max(streamTime, r.timestamp);
        const start = Math.floor(r.timestamp / MIN) * MIN;
        if (streamTime >= start + MIN + GRACE) dropped++;
        else counts.set(JSON.stringify([r.key, start]), (counts.get(JSON.stringify([r.key, start])) ?? 0) + 1);
      }
    }
    return { dropped, finals: sorted([...counts].map(([k, n]) => [...(JSON.parse(k) as [string, number]), n])) };
  }

  it.each(['none', 'upload', 'commit'] as const)('every final count once and the store exact (crash: %s)', async (fault) => {
    const id = randomBytes(4).toString('hex');
    const names = { app: `views-${id}`, views: `views-${id}`, finals: `finals-${id}` };
    const log = new Log(storage.clients);
    await log.createTopic({ name: names.views, partitions: 2 });
    await log.createTopic({ name: names.finals, partitions: 2 });
    const b = new StreamsBuilder();
    b.stream<string, string>(names.views, { key: Serdes.string() })
      .groupByKey()
      .windowedBy(TimeWindows.ofSizeAndGrace(MIN, GRACE))
      .count(Materialized.as('per-user', { retentionMs: 24 * 60 * MIN }))
      .suppress(Suppressed.untilWindowCloses())
      .toStream()
      .to(names.finals, { key: Serdes.timeWindowed(Serdes.string(), MIN), value: Serdes.long() });
    const inputs = views(names.views);
    const expected = model(inputs);
    expect(expected.dropped).toBeGreaterThan(0);

    await runThroughCrashes(b.build(), names.app, inputs, fault);

    const windowed = Serdes.timeWindowed(Serdes.string(), MIN);
    const finals = (await readAll(names.finals, 2)).map((r) => {
      const key = windowed.deserialize(r.key) as Windowed<string>;
      return [key.key, key.window.start, Serdes.long().deserialize(r.value)];
    });
    expect(sorted(finals)).toEqual(expected.finals);
    const service = new Processors(storage.clients);
    for (const [user] of users) {
      const stored = (await service.windows(names.app, 'per-user', user)).windows.map((w) => [user, w.start, w.value]);
      expect(stored).toEqual(expected.finals.filter(([u]) => u === user));
    }
    const metrics = (await service.describe(names.app)).tasks.flatMap((t) => Object.entries(t.metrics));
    expect(metrics.filter(([k]) => k.startsWith('dropped-late:')).reduce((n, [, v]) => n + v, 0)).toBe(expected.dropped);
  });
});

describe('exactly once: a stream-stream left join', () => {
  const WINDOW = 10_000;
  /** Clicks and impressions of ads, keyed by ad, within a minute: nothing closes before the tick. */
  function records(left: string, right: string): Input[] {
    const out: Input[] = [];
    for (let ad = 0; ad < 6; ad++) {
      const partition = ad % 2;
      for (let i = 0; i < 4; i++) out.push({ topic: left, partition, key: `ad${ad}`, value: `imp${ad}.${i}`, timestamp: T + (ad * 7 + i * 13) * 1000 });
      for (let i = 0; i < ad % 3; i++) out.push({ topic: right, partition, key: `ad${ad}`, value: `click${ad}.${i}`, timestamp: T + (ad * 7 + i * 17 + 4) * 1000 });
    }
    return out;
  }

  /** Each left record joined with every right record of its key within the window, or with null when none. */
  function model(inputs: readonly Input[], left: string): string[] {
    const rights = inputs.filter((r) => r.topic !== left);
    return inputs
      .filter((l) => l.topic === left)
      .flatMap((l) => {
        const partners = rights.filter((r) => r.key === l.key && Math.abs(r.timestamp - l.timestamp) <= WINDOW);
        return partners.length ? partners.map((r) => `${l.value}+${r.value}`) : [`${l.value}+-`];
      })
      .sort();
  }

  it.each(['none', 'upload', 'commit'] as const)('every joined pair and every unmatched record once (crash: %s)', async (fault) => {
    const id = randomBytes(4).toString('hex');
    const names = { app: `join-${id}`, left: `impressions-${id}`, right: `clicks-${id}`, out: `joined-${id}` };
    const log = new Log(storage.clients);
    for (const t of [names.left, names.right, names.out]) await log.createTopic({ name: t, partitions: 2 });
    const b = new StreamsBuilder();
    const clicks = b.stream<string, string>(names.right, { key: Serdes.string() });
    b.stream<string, string>(names.left, { key: Serdes.string() })
      .leftJoin(clicks, (l, r) => `${l}+${r ?? '-'}`, JoinWindows.ofTimeDifferenceAndGrace(WINDOW, MIN))
      .to(names.out, { key: Serdes.string(), value: Serdes.string() });
    const inputs = records(names.left, names.right);
    const expected = model(inputs, names.left);
    expect(expected.filter((v) => v.endsWith('+-')).length).toBeGreaterThan(0);

    await runThroughCrashes(b.build(), names.app, inputs, fault);

    const joined = (await readAll(names.out, 2)).map((r) => r.value!.toString('utf8')).sort();
    expect(joined).toEqual(expected);
  });
});
