// Time series kept in the browser while the console is open: the API reports counters
// (high watermarks, committed offsets) and gauges (lag), not history, so the console
// samples them on every poll and derives records/s from the change of a counter over
// time. Series live for the page's lifetime, so a chart keeps its history when you
// navigate away and back. Pure code: no DOM, no Preact.

/** Points kept per series: 10 minutes at one sample every 2 s. */
export const SERIES_CAPACITY = 300;

/**
 * Per-second rates of counters between this sample and the previous one of each key.
 * A key seen for the first time, or whose counter went backwards (a topic deleted and
 * created again, offsets reset), has no rate yet.
 */
export class CounterRates {
  private readonly last = new Map<string, { t: number; value: number }>();

  update(t: number, counters: Record<string, number>): Record<string, number | undefined> {
    const rates: Record<string, number | undefined> = {};
    for (const [key, value] of Object.entries(counters)) {
      const prev = this.last.get(key);
      this.last.set(key, { t, value });
      rates[key] = prev && t > prev.t && value >= prev.value ? ((value - prev.value) * 1000) / (t - prev.t) : undefined;
    }
    return rates;
  }
}

/**
 * Samples of named values over time, oldest first, at most `capacity` of them. A value
 * missing from a sample is a gap (null), as uPlot draws it.
 */
export class Series {
  private readonly times: number[] = [];
  private readonly values = new Map<string, (number | null)[]>();

  constructor(
    readonly keys: readonly string[],
    private readonly capacity = SERIES_CAPACITY,
  ) {
    for (const k of keys) this.values.set(k, []);
  }

  /** Adds a sample at epoch ms `t`; a sample older than the last is ignored. */
  push(t: number, sample: Record<string, number | undefined>): void {
    if (this.times.length && t <= this.times[this.times.length - 1]!) return;
    this.times.push(t);
    for (const k of this.keys) this.values.get(k)!.push(sample[k] ?? null);
    if (this.times.length > this.capacity) {
      this.times.shift();
      for (const v of this.values.values()) v.shift();
    }
  }

  get length(): number {
    return this.times.length;
  }

  /** uPlot's aligned data: seconds since the epoch, then one array per key. */
  aligned(): [number[], ...(number | null)[][]] {
    return [this.times.map((t) => t / 1000), ...this.keys.map((k) => [...this.values.get(k)!])];
  }

  /** The newest `n` samples, newest first: [epoch ms, values by key]. */
  recent(n: number): { t: number; values: Record<string, number | null> }[] {
    const out = [];
    for (let i = this.times.length - 1; i >= 0 && out.length < n; i--) {
      out.push({ t: this.times[i]!, values: Object.fromEntries(this.keys.map((k) => [k, this.values.get(k)![i] ?? null])) });
    }
    return out;
  }
}

const store = new Map<string, { series: Series; rates: CounterRates }>();

/** The page-lifetime series (and its counter rates) named `name`, created on first use. */
export function seriesFor(name: string, keys: readonly string[]): { series: Series; rates: CounterRates } {
  let entry = store.get(name);
  if (!entry || entry.series.keys.join('\0') !== keys.join('\0')) {
    entry = { series: new Series(keys), rates: new CounterRates() };
    store.set(name, entry);
  }
  return entry;
}
