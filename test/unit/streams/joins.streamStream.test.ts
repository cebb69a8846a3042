// Stream-stream joins over JoinWindows (inner, left, outer) against hand-computed
// results: in-window partners, out-of-window records, late records (dropped and counted),
// and the unmatched records of left and outer joins emitted once, when their window closes.
import { describe, expect, it } from 'vitest';
import { JoinWindows, Serdes } from '../../../lib/streams/index.ts';
import { TopicsNotCopartitionedError } from '../../../lib/core/errors.ts';
import { drive } from './support.ts';

const joiner = (l: string | null, r: string | null) => `${l ?? '-'}+${r ?? '-'}`;

function joined(kind: 'inner' | 'left' | 'outer', windows: JoinWindows, partitions?: Record<string, number>) {
  return drive(
    (b) => {
      const l = b.stream<string, string>('L', { value: Serdes.string() });
      const r = b.stream<string, string>('R', { value: Serdes.string() });
      const out = kind === 'inner' ? l.join(r, joiner, windows) : kind === 'left' ? l.leftJoin(r, joiner, windows) : l.outerJoin(r, joiner, windows);
      out.to('out', { value: Serdes.string() });
    },
    {},
    partitions ? { partitions } : {},
  );
}

async function scenario(kind: 'inner' | 'left' | 'outer') {
  const driver = joined(kind, JoinWindows.ofTimeDifferenceAndGrace(10, 5));
  const L = driver.createInputTopic<string, string>('L', Serdes.string(), Serdes.string());
  const R = driver.createInputTopic<string, string>('R', Serdes.string(), Serdes.string());
  await L.pipeInput('k', 'l1', 0);
  await R.pipeInput('k', 'r1', 5);
  await R.pipeInput('k', 'r2', 30);
  await L.pipeInput('k', 'l2', 18);
  await L.pipeInput('k', 'l3', 14);
  await R.pipeInput('k', 'r3', 25);
  await L.pipeInput('k', 'l4', 31);
  await L.pipeInput('k', 'l5', 45);
  await R.pipeInput('k', 'r4', 60);
  await L.pipeInput('k', 'l6', 80);
  const rows = driver.createOutputTopic<string, string>('out', Serdes.string(), Serdes.string()).readRecordsToList().map((r) => [r.value, r.timestamp]);
  return { rows, dropped: Object.values(driver.metrics()) };
}

const matched = [
  ['l1+r1', 5],
  ['l2+r3', 25],
  ['l4+r3', 31],
  ['l4+r2', 31],
];

describe('stream-stream join', () => {
  it('inner: joins records of both sides within the window; a record later than its grace is dropped', async () => {
    const { rows, dropped } = await scenario('inner');
    expect(rows).toEqual(matched);
    expect(dropped).toEqual([1]);
  });

  it('left: also emits each left record that found no partner, once, when its window closes', async () => {
    const { rows } = await scenario('left');
    expect(rows).toEqual([...matched, ['l5+-', 45]]);
  });

  it('outer: emits the unmatched records of both sides when their windows close', async () => {
    const { rows } = await scenario('outer');
    expect(rows).toEqual([...matched, ['l5+-', 45], ['-+r4', 60]]);
  });

  it('waits through the grace period before emitting an unmatched record, so a late partner still joins', async () => {
    const driver = joined('left', JoinWindows.ofTimeDifferenceAndGrace(10, 20));
    const L = driver.createInputTopic<string, string>('L', Serdes.string(), Serdes.string());
    const R = driver.createInputTopic<string, string>('R', Serdes.string(), Serdes.string());
    await L.pipeInput('k', 'l1', 0);
    await L.pipeInput('k', 'l2', 25);
    await R.pipeInput('k', 'r1', 9);
    await L.pipeInput('k', 'l3', 100);
    const out = driver.createOutputTopic<string, string>('out', Serdes.string(), Serdes.string()).readValuesToList();
    expect(out).toEqual(['l1+r1', 'l2+-']);
  });

  it('honours asymmetric windows: after(0) joins only right records at or before the left one', async () => {
    const driver = joined('inner', JoinWindows.ofTimeDifferenceAndGrace(10, 100).after(0));
    const L = driver.createInputTopic<string, string>('L', Serdes.string(), Serdes.string());
    const R = driver.createInputTopic<string, string>('R', Serdes.string(), Serdes.string());
    await L.pipeInput('k', 'l', 10);
    await R.pipeInput('k', 'later', 15);
    await R.pipeInput('k', 'earlier', 5);
    expect(driver.createOutputTopic<string, string>('out', Serdes.string(), Serdes.string()).readValuesToList()).toEqual(['l+earlier']);
  });

  it('joins only equal keys, and outer-joins a record without a key at once', async () => {
    const driver = joined('outer', JoinWindows.ofTimeDifferenceWithNoGrace(10));
    const L = driver.createInputTopic<string, string>('L', Serdes.string(), Serdes.string());
    const R = driver.createInputTopic<string, string>('R', Serdes.string(), Serdes.string());
    await L.pipeInput('a', 'la', 0);
    await R.pipeInput('b', 'rb', 1);
    await L.pipeInput(null, 'ln', 2);
    await L.pipeInput('z', 'lz', 50);
    expect(driver.createOutputTopic<string, string>('out', Serdes.string(), Serdes.string()).readValuesToList()).toEqual(['ln+-', 'la+-', '-+rb']);
  });

  it('requires both streams to be co-partitioned', () => {
    expect(() => joined('inner', JoinWindows.ofTimeDifferenceWithNoGrace(10), { L: 4, R: 2 })).toThrow(TopicsNotCopartitionedError);
  });
});
