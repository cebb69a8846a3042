// Turns polled counters into the throughput and lag series the charts draw: records/s in
// from the change of high watermarks, records/s out from the change of groups' committed
// offsets, lag as it is. Kept apart from the pages so each page samples the same way.
import type { GroupDescription, TopicDescription } from '../../client/types.ts';
import { seriesFor, type Series } from './series.ts';

export const THROUGHPUT_KEYS = ['in', 'out'] as const;

/** Sum of high watermarks: every record ever appended (log start does not matter). */
export const appended = (t: TopicDescription): number => t.partitions.reduce((n, p) => n + p.highWatermark, 0);

/** Sum of a group's committed offsets, on one topic or all. */
export function consumed(g: GroupDescription, topic?: string): number {
  return g.offsets.reduce((n, o) => n + (o.offset !== null && (topic === undefined || o.topic === topic) ? o.offset : 0), 0);
}

/**
 * Samples records/s in and out for a set of topics into the series named `name`; out
 * counts every group's progress on those topics. Returns the series and the newest rates.
 */
export function sampleThroughput(
  name: string,
  topics: readonly TopicDescription[],
  groups: readonly GroupDescription[],
  t = Date.now(),
): { series: Series; in?: number; out?: number } {
  const { series, rates } = seriesFor(name, THROUGHPUT_KEYS);
  const names = new Set(topics.map((x) => x.name));
  const counters: Record<string, number> = {
    in: topics.reduce((n, x) => n + appended(x), 0),
    out: groups.reduce((n, g) => n + g.offsets.reduce((m, o) => m + (o.offset !== null && names.has(o.topic) ? o.offset : 0), 0), 0),
  };
  const r = rates.update(t, counters);
  series.push(t, r);
  return { series, ...(r.in !== undefined ? { in: r.in } : {}), ...(r.out !== undefined ? { out: r.out } : {}) };
}
