// Tumbling and hopping windows against hand-computed counts, with out-of-order records
// inside the grace period and late records outside it (dropped and counted), the
// windowed key layout of the output, and retention (expired windows hidden and deleted).
import { describe, expect, it } from 'vitest';
import { Materialized, Serdes, TimeWindows, type Windowed } from '../../../lib/streams/index.ts';
import { InvalidTopologyError } from '../../../lib/core/errors.ts';
import { drive } from './support.ts';

function windowedCount(windows: TimeWindows, retentionMs?: number) {
  return drive((b) =>
    b
      .stream<string, string>('clicks', { value: Serdes.string() })
      .groupByKey()
      .windowedBy(windows)
      .count(Materialized.as('clicks-per-window', retentionMs === undefined ? {} : { retentionMs }))
      .toStream()
      .to('counts'),
  );
}

type Row = [string, number, number, number, number];
function rows(records: Array<{ key: Windowed<string>; value: number; timestamp: number }>): Row[] {
  return records.map((r) => [r.key.key, r.key.window.start, r.key.window.end, r.value, r.timestamp]);
}

async function pipe(driver: ReturnType<typeof drive>, input: Array<[string, number]>) {
  const topic = driver.createInputTopic<string, string>('clicks', Serdes.string(), Serdes.string());
  for (const [key, ts] of input) await topic.pipeInput(key, 'x', ts);
}

const out = (driver: ReturnType<typeof drive>, size: number) =>
  driver.createOutputTopic<Windowed<string>, number>('counts', Serdes.timeWindowed(Serdes.string(), size), Serdes.long());

describe('tumbling windows', () => {
  it('counts per window, accepts out-of-order records within grace and drops later ones', async () => {
    const driver = windowedCount(TimeWindows.ofSizeAndGrace(10, 5));
    await pipe(driver, [['a', 1], ['a', 5], ['a', 12], ['a', 3], ['a', 21], ['a', 8], ['a', 14]]);
    expect(rows(out(driver, 10).readRecordsToList())).toEqual([
      ['a', 0, 10, 1, 1],
      ['a', 0, 10, 2, 5],
      ['a', 10, 20, 1, 12],
      ['a', 0, 10, 3, 5],
      ['a', 20, 30, 1, 21],
      ['a', 10, 20, 2, 14],
    ]);
    expect(Object.entries(driver.metrics())).toEqual([[expect.stringMatching(/^dropped-late:/), 1]]);
  });

  it('aligns windows to the epoch, whatever the first timestamp', async () => {
    const driver = windowedCount(TimeWindows.ofSizeWithNoGrace(1000));
    await pipe(driver, [['a', 1_000_003], ['a', 1_000_999]]);
    expect(rows(out(driver, 1000).readRecordsToList()).map((r) => [r[1], r[2], r[3]])).toEqual([
      [1_000_000, 1_001_000, 1],
      [1_000_000, 1_001_000, 2],
    ]);
  });

  it('treats a record at exactly end + grace as late', async () => {
    const driver = windowedCount(TimeWindows.ofSizeAndGrace(10, 5));
    await pipe(driver, [['a', 14], ['a', 9], ['a', 15], ['a', 9]]);
    expect(rows(out(driver, 10).readRecordsToList()).map((r) => [r[1], r[3]])).toEqual([
      [10, 1],
      [0, 1],
      [10, 2],
    ]);
    expect(Object.values(driver.metrics())).toEqual([1]);
  });
});

describe('hopping windows', () => {
  it('updates every window a record falls in; a record partly late counts once as dropped', async () => {
    const driver = windowedCount(TimeWindows.ofSizeWithNoGrace(10).advanceBy(5));
    await pipe(driver, [['a', 7], ['a', 12], ['a', 9]]);
    expect(rows(out(driver, 10).readRecordsToList()).map((r) => [r[1], r[2], r[3]])).toEqual([
      [0, 10, 1],
      [5, 15, 1],
      [5, 15, 2],
      [10, 20, 1],
      [5, 15, 3],
    ]);
    expect(Object.values(driver.metrics())).toEqual([1]);
  });

  it('accepts an out-of-order record while every window it falls in is within grace, and drops one whose windows all closed', async () => {
    const driver = windowedCount(TimeWindows.ofSizeAndGrace(10, 5).advanceBy(5));
    await pipe(driver, [['a', 7], ['a', 12], ['a', 3], ['a', 21], ['a', 9], ['a', 16]]);
    expect(rows(out(driver, 10).readRecordsToList()).map((r) => [r[1], r[2], r[3]])).toEqual([
      [0, 10, 1],
      [5, 15, 1],
      [5, 15, 2],
      [10, 20, 1],
      [0, 10, 2],
      [15, 25, 1],
      [20, 30, 1],
      [10, 20, 2],
      [15, 25, 2],
    ]);
    expect(Object.entries(driver.metrics())).toEqual([[expect.stringMatching(/^dropped-late:/), 1]]);
  });

  it('rejects an advance larger than the size, and a retention shorter than size + grace', () => {
    expect(() => TimeWindows.ofSizeWithNoGrace(10).advanceBy(11)).toThrow(InvalidTopologyError);
    expect(() => windowedCount(TimeWindows.ofSizeAndGrace(10, 5), 14)).toThrow(InvalidTopologyError);
  });
});

describe('window store retention', () => {
  it('keeps windows queryable by key and time range until start + retention, then deletes them', async () => {
    const driver = windowedCount(TimeWindows.ofSizeWithNoGrace(10), 30);
    await pipe(driver, [['a', 1], ['a', 15], ['b', 16]]);
    const store = driver.getWindowStore<string, number>('clicks-per-window');
    expect(await store.fetch('a', 0, 100)).toEqual([
      { start: 0, end: 10, value: 1, timestamp: 1 },
      { start: 10, end: 20, value: 1, timestamp: 15 },
    ]);
    expect((await store.fetch('a', 5, 100)).map((w) => w.start)).toEqual([10]);

    await pipe(driver, [['a', 35]]);
    expect((await store.fetch('a', 0, 100)).map((w) => w.start)).toEqual([10, 30]);
    const held = driver.internals.memory!.dump('clicks-per-window').length;
    expect(held).toBe(3);
  });
});
