// suppress(): exactly one final result per window, when stream time closes it, or when
// the wall clock does on an idle input (where Kafka Streams would wait for a record);
// and untilTimeLimit's latest-value-per-key rate limiting.
import { describe, expect, it } from 'vitest';
import { BufferConfig, Materialized, Serdes, SessionWindows, Suppressed, TimeWindows, type Windowed } from '../../../lib/streams/index.ts';
import { InvalidTopologyError } from '../../../lib/core/errors.ts';
import { drive } from './support.ts';

function finalCounts(config: Record<string, unknown> = {}) {
  return drive(
    (b) =>
      b
        .stream<string, string>('views', { value: Serdes.string() })
        .groupByKey()
        .windowedBy(TimeWindows.ofSizeAndGrace(10, 5))
        .count()
        .suppress(Suppressed.untilWindowCloses(BufferConfig.unbounded()))
        .toStream()
        .to('final'),
    config,
  );
}

async function pipe(driver: ReturnType<typeof drive>, input: Array<[string, number]>) {
  const topic = driver.createInputTopic<string, string>('views', Serdes.string(), Serdes.string());
  for (const [key, ts] of input) await topic.pipeInput(key, 'x', ts);
}

function reader(driver: ReturnType<typeof drive>) {
  const out = driver.createOutputTopic<Windowed<string>, number>('final', Serdes.timeWindowed(Serdes.string(), 10), Serdes.long());
  return () => out.readRecordsToList().map((r) => [r.key.key, r.key.window.start, r.value]);
}

describe('suppress(untilWindowCloses)', () => {
  it('emits one final count per window once stream time passes end + grace, and nothing for late records', async () => {
    const driver = finalCounts();
    const read = reader(driver);
    await pipe(driver, [['a', 1], ['a', 3], ['b', 4], ['a', 12], ['a', 14]]);
    expect(read()).toEqual([]);
    await pipe(driver, [['a', 15]]);
    expect(read()).toEqual([
      ['a', 0, 2],
      ['b', 0, 1],
    ]);
    await pipe(driver, [['a', 8], ['a', 29]]);
    expect(read()).toEqual([['a', 10, 3]]);
    expect(Object.values(driver.metrics())).toEqual([1]);
  });

  it('closes the windows of an idle input when the wall clock moves on, once', async () => {
    const driver = finalCounts();
    const read = reader(driver);
    await pipe(driver, [['a', 21], ['a', 29]]);
    await driver.advanceWallClockTime(5);
    expect(read()).toEqual([]);
    await driver.advanceWallClockTime(1);
    expect(read()).toEqual([['a', 20, 2]]);
    await driver.advanceWallClockTime(60_000);
    expect(read()).toEqual([]);
  });

  it('treats a record older than the closed window as late after an idle close', async () => {
    const driver = finalCounts();
    const read = reader(driver);
    await pipe(driver, [['a', 21]]);
    await driver.advanceWallClockTime(20);
    expect(read()).toEqual([['a', 20, 1]]);
    await pipe(driver, [['a', 25]]);
    await driver.advanceWallClockTime(60_000);
    expect(read()).toEqual([]);
    expect(Object.values(driver.metrics())).toEqual([1]);
  });

  it('waits for a record, as Kafka Streams does, when idle advance is turned off', async () => {
    const driver = finalCounts({ 'stream.time.advance.when.idle': false });
    const read = reader(driver);
    await pipe(driver, [['a', 21]]);
    await driver.advanceWallClockTime(60_000);
    expect(read()).toEqual([]);
    await pipe(driver, [['b', 35]]);
    expect(read()).toEqual([['a', 20, 1]]);
  });

  it('emits a session once it can no longer grow, never a merged-away one', async () => {
    const driver = drive((b) =>
      b
        .stream<string, string>('views', { value: Serdes.string() })
        .groupByKey()
        .windowedBy(SessionWindows.ofInactivityGapWithNoGrace(10))
        .count()
        .suppress(Suppressed.untilWindowCloses())
        .toStream()
        .to('final'),
    );
    const out = driver.createOutputTopic<Windowed<string>, number>('final', Serdes.sessionWindowed(Serdes.string()), Serdes.long());
    await pipe(driver, [['a', 0], ['a', 5], ['a', 15], ['a', 25]]);
    expect(out.isEmpty()).toBe(true);
    await pipe(driver, [['b', 36]]);
    expect(out.readRecordsToList().map((r) => [r.key.window.start, r.key.window.end, r.value])).toEqual([[0, 25, 4]]);
  });

  it('refuses a table that is not windowed', () => {
    expect(() => drive((b) => b.table('t').suppress(Suppressed.untilWindowCloses()))).toThrow(InvalidTopologyError);
  });
});

describe('suppress(untilTimeLimit)', () => {
  it('emits the latest value of a key once the time limit has passed since its first held update', async () => {
    const driver = drive((b) =>
      b
        .stream<string, string>('views', { value: Serdes.string() })
        .groupByKey()
        .count(Materialized.as('counts'))
        .suppress(Suppressed.untilTimeLimit(10))
        .toStream()
        .to('limited', { value: Serdes.long() }),
    );
    await pipe(driver, [['a', 0], ['a', 3], ['b', 5], ['a', 11], ['b', 20]]);
    expect(driver.createOutputTopic<string, number>('limited', Serdes.string(), Serdes.long()).readKeyValuesToList()).toEqual([
      { key: 'a', value: 3 },
      { key: 'b', value: 2 },
    ]);
  });
});
