// Live charts' arithmetic: records/s from counters sampled over time, and the bounded
// series the charts draw.
import { describe, expect, it } from 'vitest';
import { CounterRates, Series } from '../../../lib/console/app/series.ts';
import { sampleThroughput } from '../../../lib/console/app/sampling.ts';
import type { GroupDescription, TopicDescription } from '../../../lib/client/types.ts';

describe('CounterRates', () => {
  it('gives no rate for the first sample, then the change per second', () => {
    const rates = new CounterRates();
    expect(rates.update(1_000, { in: 100 })).toEqual({ in: undefined });
    expect(rates.update(3_000, { in: 300 })).toEqual({ in: 100 });
    expect(rates.update(3_500, { in: 300 })).toEqual({ in: 0 });
  });

  it('gives no rate when a counter went backwards (topic re-created, offsets reset)', () => {
    const rates = new CounterRates();
    rates.update(1_000, { out: 50 });
    expect(rates.update(2_000, { out: 10 })).toEqual({ out: undefined });
    expect(rates.update(3_000, { out: 20 })).toEqual({ out: 10 });
  });
});

describe('Series', () => {
  it('keeps at most its capacity of samples, oldest dropped, in uPlot order (seconds)', () => {
    const s = new Series(['lag'], 3);
    for (const [t, lag] of [[1_000, 5], [2_000, 7], [3_000, 2], [4_000, 0]] as const) s.push(t, { lag });
    expect(s.aligned()).toEqual([[2, 3, 4], [7, 2, 0]]);
    expect(s.recent(2)).toEqual([
      { t: 4_000, values: { lag: 0 } },
      { t: 3_000, values: { lag: 2 } },
    ]);
  });

  it('draws a missing value as a gap and ignores a sample older than the last', () => {
    const s = new Series(['in', 'out']);
    s.push(2_000, { in: 1 });
    s.push(1_000, { in: 9, out: 9 });
    expect(s.aligned()).toEqual([[2], [1], [null]]);
  });
});

describe('sampleThroughput', () => {
  const topic = (name: string, hws: number[]) =>
    ({ name, topicId: name, config: {}, partitions: hws.map((h, partition) => ({ partition, logStartOffset: 0, highWatermark: h, sizeBytes: 0, segments: 0 })) }) as TopicDescription;
  const group = (offsets: [string, number, number | null][]) =>
    ({ group: 'g', state: 'Stable', generation: 1, members: [], lag: 0, offsets: offsets.map(([t, partition, offset]) => ({ topic: t, partition, offset, metadata: null, lag: 0, logStartOffset: 0, highWatermark: 0 })) }) as GroupDescription;

  it('derives records/s in from high watermarks and out from committed offsets on those topics', () => {
    const name = `t-${Math.random()}`;
    sampleThroughput(name, [topic('a', [10, 10])], [group([['a', 0, 5], ['b', 0, 100]])], 10_000);
    const r = sampleThroughput(name, [topic('a', [30, 20])], [group([['a', 0, 15], ['a', 1, 5], ['b', 0, 900]])], 12_000);
    expect(r.in).toBe(15);
    expect(r.out).toBe(7.5);
    expect(r.series.aligned()).toEqual([[10, 12], [null, 15], [null, 7.5]]);
  });
});
