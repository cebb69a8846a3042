// Storage time of work done in this process: how long, while `work` ran, at least one of
// the storage calls it made was in flight. Calls are attributed to the work that made
// them through the async context, so concurrent workers on the same clients each get
// their own figure, and the server's own calls (other async contexts) count for nobody.
// This is what a storage baseline measures: the same calls with nothing around them.
import { AsyncLocalStorage } from 'node:async_hooks';
import type { StorageTap } from '../../local/index.ts';

type Interval = [start: number, end: number];

export interface Span {
  /** Milliseconds with at least one storage call in flight. */
  storageMs: number;
  calls: number;
}

export class StorageSpans {
  private readonly scope = new AsyncLocalStorage<Interval[]>();

  constructor(private readonly now: () => number = () => performance.now()) {}

  /** Install on the clients to time (LocalStackOptions.taps). */
  readonly tap: StorageTap = async (_call, send) => {
    const intervals = this.scope.getStore();
    if (!intervals) return send();
    const start = this.now();
    try {
      await send();
    } finally {
      intervals.push([start, this.now()]);
    }
  };

  /** Runs `work` and measures the storage calls it made. */
  async measure(work: () => Promise<unknown>): Promise<Span> {
    const intervals: Interval[] = [];
    await this.scope.run(intervals, work);
    return { storageMs: busyTime(intervals), calls: intervals.length };
  }
}

/** Length of the union of the intervals: overlapping calls count once. */
export function busyTime(intervals: readonly Interval[]): number {
  const sorted = [...intervals].sort((a, b) => a[0] - b[0]);
  let total = 0;
  let end = -Infinity;
  for (const [s, e] of sorted) {
    if (e <= end) continue;
    total += e - Math.max(s, end);
    end = e;
  }
  return total;
}
