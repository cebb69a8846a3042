// Wall-clock closing on the processor runtime over the emulators, with a controllable
// clock: a processor whose input has gone quiet still closes its windows and fires its
// wall-clock punctuators. Each committed batch leaves on its task item when a tick with no
// input next has work (wakeAt); ProcessorRuntime.tick() runs only the tasks that are due,
// commits what they emit like any batch, and answers the next wake-up time.
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { Log } from '../../../lib/log/index.ts';
import { Serdes, StreamsBuilder, Suppressed, TimeWindows, type Processor, type ProcessorContext, type Topology, type Windowed } from '../../../lib/streams/index.ts';
import { ProcessorRuntime } from '../../../lib/streams/runtime/processor.ts';
import { Processors } from '../../../lib/streams/service.ts';
import { useTestStorage } from '../../support/stack.ts';

const storage = useTestStorage();

/** 2023-11-14T22:14:00Z, on a minute boundary; the event times of the records. */
const T = 1_700_000_040_000;
const MIN = 60_000;
/** The wall clock the runtime reads, moved by the tests. */
const START = 5_000_000;

async function setup(topology: (input: string, output: string) => Topology) {
  const id = randomBytes(4).toString('hex');
  const names = { app: `wall-${id}`, input: `in-${id}`, output: `out-${id}` };
  const log = new Log(storage.clients);
  await log.createTopic({ name: names.input, partitions: 1 });
  await log.createTopic({ name: names.output, partitions: 1 });
  const clock = { now: START };
  const runtime = await ProcessorRuntime.create(log, topology(names.input, names.output), { 'application.id': names.app }, 'wall.ts', { now: () => clock.now });
  const append = (key: string, timestamp: number) => log.append(names.input, 0, { records: [{ key: Buffer.from(key), value: Buffer.from('"/home"'), timestamp }] });
  const output = async () => (await log.fetch(names.output, 0, { offset: 0, maxRecords: 1000 })).records;
  return { names, log, clock, runtime, append, output };
}

/** Page views per user per minute, grace 10 s, one final count per window. */
const finalCounts = (input: string, output: string): Topology => {
  const b = new StreamsBuilder();
  b.stream<string, string>(input, { key: Serdes.string() })
    .groupByKey()
    .windowedBy(TimeWindows.ofSizeAndGrace(MIN, 10_000))
    .count()
    .suppress(Suppressed.untilWindowCloses())
    .toStream()
    .to(output, { key: Serdes.timeWindowed(Serdes.string(), MIN), value: Serdes.long() });
  return b.build();
};

const windowed = Serdes.timeWindowed(Serdes.string(), MIN);
const rows = (records: Awaited<ReturnType<Awaited<ReturnType<typeof setup>>['output']>>) =>
  records.map((r) => {
    const key = windowed.deserialize(r.key) as Windowed<string>;
    return [key.key, key.window.start, Serdes.long().deserialize(r.value)];
  });

describe('wall-clock closing', () => {
  it('a suppressed windowed count emits its final result with no further input, once, when the tick is due', async () => {
    const s = await setup(finalCounts);
    await s.append('alice', T + 1000);
    await s.append('alice', T + 2000);
    await s.append('bob', T + 5000);
    await s.runtime.runOnce();
    expect(await s.output()).toEqual([]);

    // Stream time T+5s at START; the window [T, T+1m) closes at stream time T+1m+10s.
    const closesAt = START + MIN + 10_000 - 5000;
    expect(await s.runtime.nextWakeAt()).toBe(closesAt);
    expect((await new Processors(storage.clients).describe(s.names.app)).wakeAt).toBe(closesAt);

    s.clock.now = closesAt - 1;
    expect(await s.runtime.tick()).toEqual({ outcomes: {}, wakeAt: closesAt });
    expect(await s.output()).toEqual([]);

    s.clock.now = closesAt;
    const { outcomes } = await s.runtime.tick();
    expect(Object.keys(outcomes)).toEqual(['0_0']);
    expect(rows(await s.output())).toEqual([
      ['alice', T, 2],
      ['bob', T, 1],
    ]);

    s.clock.now = closesAt + 60 * MIN;
    await s.runtime.tick();
    await s.runtime.runOnce();
    expect(rows(await s.output())).toHaveLength(2);
    expect(await s.runtime.nextWakeAt()).toBeUndefined();
  });

  it('a record for a window the wall clock closed is late: dropped, and counted in describe', async () => {
    const s = await setup(finalCounts);
    await s.append('alice', T + 1000);
    await s.runtime.runOnce();
    s.clock.now = START + 2 * MIN;
    await s.runtime.tick();
    await s.append('alice', T + 3000);
    await s.runtime.runOnce();
    expect(rows(await s.output())).toEqual([['alice', T, 1]]);
    const [task] = (await new Processors(storage.clients).describe(s.names.app)).tasks;
    expect(Object.entries(task!.metrics)).toEqual([[expect.stringMatching(/^dropped-late:/), 1]]);
  });

  it('a wall-clock punctuator fires on a quiet input; its output and next due time commit together', async () => {
    const ticker = (): Processor<string, unknown, string, number> => {
      let ctx: ProcessorContext<string, number>;
      return {
        init(c) {
          ctx = c;
          ctx.schedule(1000, 'wall-clock', (t) => ctx.forward({ key: 'tick', value: t, timestamp: t, headers: [] }));
        },
        process: () => undefined,
      };
    };
    const s = await setup((input, output) => {
      const b = new StreamsBuilder();
      b.stream<string, unknown>(input, { key: Serdes.string() }).process(ticker).to(output, { key: Serdes.string(), value: Serdes.long() });
      return b.build();
    });
    await s.runtime.runOnce();
    expect(await s.runtime.nextWakeAt()).toBe(START + 1000);
    s.clock.now = START + 2500;
    expect((await s.runtime.tick()).wakeAt).toBe(START + 3000);
    s.clock.now = START + 2900;
    await s.runtime.tick();
    expect((await s.output()).map((r) => Serdes.long().deserialize(r.value))).toEqual([START + 2500]);
  });

  it('lists the processors due for a tick, from the tables alone', async () => {
    const s = await setup(finalCounts);
    await s.append('alice', T + 1000);
    await s.runtime.runOnce();
    const closesAt = START + MIN + 10_000 - 1000;
    const processors = new Processors(storage.clients);
    expect((await processors.due(closesAt - 1)).map((p) => p.name)).not.toContain(s.names.app);
    expect(await processors.due(closesAt)).toContainEqual({ name: s.names.app, wakeAt: closesAt });
  });
});
