// Sliding windows against hand-computed counts: the windows Kafka Streams creates (each
// record's left window, right windows where records follow), out-of-order records that
// update and create windows, records before the first full window, and late records.
import { describe, expect, it } from 'vitest';
import { Serdes, SlidingWindows, type Windowed } from '../../../lib/streams/index.ts';
import { drive } from './support.ts';

function slidingCount(windows: SlidingWindows) {
  return drive((b) =>
    b.stream<string, string>('in', { value: Serdes.string() }).groupByKey().windowedBy(windows).count().toStream().to('out'),
  );
}

async function run(windows: SlidingWindows, timestamps: number[]) {
  const driver = slidingCount(windows);
  const input = driver.createInputTopic<string, string>('in', Serdes.string(), Serdes.string());
  for (const ts of timestamps) await input.pipeInput('a', 'x', ts);
  const out = driver.createOutputTopic<Windowed<string>, number>('out', Serdes.timeWindowed(Serdes.string(), windows.timeDifferenceMs), Serdes.long());
  return { driver, rows: out.readRecordsToList().map((r) => [r.key.window.start, r.key.window.end, r.value, r.timestamp]) };
}

describe('sliding windows', () => {
  it('creates the left window of each record and the right window of the one before it', async () => {
    const { rows } = await run(SlidingWindows.ofTimeDifferenceAndGrace(10, 100), [10, 15]);
    expect(rows).toEqual([
      [0, 10, 1, 10],
      [11, 21, 1, 15],
      [5, 15, 2, 15],
    ]);
  });

  it('places an out-of-order record in every window holding it and creates its own windows', async () => {
    const { rows } = await run(SlidingWindows.ofTimeDifferenceAndGrace(10, 100), [10, 15, 12]);
    expect(rows.slice(3)).toEqual([
      [5, 15, 3, 15],
      [11, 21, 2, 15],
      [2, 12, 2, 12],
      [13, 23, 1, 15],
    ]);
  });

  it('gathers records earlier than the window size in the window [0, size]', async () => {
    const { rows } = await run(SlidingWindows.ofTimeDifferenceAndGrace(10, 100), [2, 5]);
    expect(rows).toEqual([
      [0, 10, 1, 2],
      [3, 13, 1, 5],
      [0, 10, 2, 5],
    ]);
  });

  it('drops a record whose windows have all closed, and counts it', async () => {
    const { rows, driver } = await run(SlidingWindows.ofTimeDifferenceWithNoGrace(10), [10, 15, 3]);
    expect(rows).toHaveLength(3);
    expect(Object.values(driver.metrics())).toEqual([1]);
  });
});
