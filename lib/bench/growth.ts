// `sluice bench growth`: does the dev server slow down as a partition grows? One
// appender grows partition 0 by single-record produce requests (no commit conflicts)
// while a probe sends one single-record produce every 200 ms, alternating between that
// partition and an empty one. Every `every` records it prints the probe's latency, the
// latency of the storage calls, the event-loop delay of this process (the dev server runs
// in it; s3rver runs in a child process), the index entries of the partition, and the
// storage calls that scale with the log (unbounded segment-index Queries, Scans,
// ListObjectsV2) with their time.
// With `background: false` the dev server runs without its maintenance timer and
// subscription dispatcher, which separates their cost from the emulators'.
import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import type { HttpClient } from '../client/index.ts';
import type { StorageLayout, StorageTap } from '../local/index.ts';
import { Log } from '../log/index.ts';
import { startPlatform } from './harness/platform.ts';
import { percentile } from './harness/stats.ts';

export interface GrowthOptions {
  records: number;
  every: number;
  background: boolean;
  out: (line: string) => void;
}

export interface GrowthWindow {
  records: number;
  seconds: number;
  appendsPerSec: number;
  indexEntries: number;
  probeP50Ms: number;
  probeP99Ms: number;
  probeMaxMs: number;
  emptyPartitionP99Ms: number;
  eventLoopDelayP99Ms: number;
  eventLoopDelayMaxMs: number;
  /** Storage calls that scale with the log, by `operation.table`, and their summed time. */
  logScaledCalls: Record<string, number>;
  logScaledMs: number;
  listPageMaxMs: number;
  callP99Ms: Record<string, number>;
  /** Requests that failed with a connection error and were retried. */
  networkErrors: number;
}

/** Storage calls by `service.Operation` with their times, and those that scale with the log. */
class CallTimes {
  readonly callMs = new Map<string, number[]>();
  readonly scaled = new Map<string, number>();
  scaledMs = 0;
  readonly listMs: number[] = [];
  private tableIds = new Map<string, string>();
  private segments = '';

  /** Knows the tables once the stack's layout is known. */
  use(layout: StorageLayout): StorageTap {
    this.tableIds = new Map(layout.tables.map((t) => [t.name, t.id]));
    this.segments = layout.names.tables.segments;
    return this.tap;
  }

  private readonly tap: StorageTap = async (call, send) => {
    const { operation: op, input } = call;
    const table = this.tableIds.get(String(input.TableName)) ?? '';
    const logScaled = (op === 'Query' && input.TableName === this.segments && input.Limit === undefined) || op === 'Scan' || op === 'ListObjectsV2';
    const t = performance.now();
    try {
      await send();
    } finally {
      const ms = performance.now() - t;
      const key = `${call.service}.${op}`;
      (this.callMs.get(key) ?? this.callMs.set(key, []).get(key)!).push(ms);
      if (logScaled) {
        const k = `${op}${table ? `.${table}` : ''}`;
        this.scaled.set(k, (this.scaled.get(k) ?? 0) + 1);
        this.scaledMs += ms;
        if (op === 'ListObjectsV2') this.listMs.push(ms);
      }
    }
  };

  reset(): void {
    this.callMs.clear();
    this.scaled.clear();
    this.scaledMs = 0;
    this.listMs.length = 0;
  }
}

/** Single-record JSON produce; a connection reset (the server closing a keep-alive socket as the client reuses it) is retried once and counted. */
class Producer {
  networkErrors = 0;
  constructor(private readonly http: HttpClient, private readonly topic: string) {}

  /** Milliseconds the produce took, the retry included. */
  async send(i: number, partition: number): Promise<number> {
    const t = performance.now();
    for (let attempt = 0; ; attempt++) {
      try {
        await this.http.json({
          method: 'POST',
          path: `/v1/topics/${encodeURIComponent(this.topic)}/records`,
          body: { records: [{ key: `k${i}`, value: { i, pad: 'x'.repeat(200) }, partition }] },
        });
        return performance.now() - t;
      } catch (err) {
        if (attempt > 0 || (err as { code?: string }).code !== 'NETWORK_EXCEPTION') throw err;
        this.networkErrors++;
      }
    }
  }
}

interface WindowState {
  records: number;
  every: number;
  t0: number;
  windowStart: number;
  probe: { partition: number; ms: number }[];
  calls: CallTimes;
  eld: IntervalHistogram;
  networkErrors: number;
}

/** The figures of the window that ends now (index entries are read afterwards). */
function closeWindow(s: WindowState): GrowthWindow {
  const p0 = s.probe.filter((x) => x.partition === 0).map((x) => x.ms);
  const p1 = s.probe.filter((x) => x.partition === 1).map((x) => x.ms);
  const p99 = (k: string) => percentile(s.calls.callMs.get(k) ?? [], 0.99);
  const now = performance.now();
  return {
    records: s.records,
    seconds: (now - s.t0) / 1000,
    appendsPerSec: (s.records % s.every || s.every) / ((now - s.windowStart) / 1000),
    indexEntries: 0,
    probeP50Ms: percentile(p0, 0.5),
    probeP99Ms: percentile(p0, 0.99),
    probeMaxMs: percentile(p0, 1),
    emptyPartitionP99Ms: percentile(p1, 0.99),
    eventLoopDelayP99Ms: s.eld.percentile(99) / 1e6,
    eventLoopDelayMaxMs: s.eld.max / 1e6,
    logScaledCalls: Object.fromEntries(s.calls.scaled),
    logScaledMs: s.calls.scaledMs,
    listPageMaxMs: s.calls.listMs.length ? Math.max(...s.calls.listMs) : 0,
    callP99Ms: { GetItem: p99('dynamodb.GetItem'), TransactWriteItems: p99('dynamodb.TransactWriteItems'), PutObject: p99('s3.PutObject') },
    networkErrors: s.networkErrors,
  };
}

export async function runGrowth(opts: GrowthOptions): Promise<GrowthWindow[]> {
  const calls = new CallTimes();
  const platform = await startPlatform({ name: 'bench-growth', background: opts.background, taps: (layout) => [calls.use(layout)] });
  const windows: GrowthWindow[] = [];
  try {
    const log = new Log(platform.server.stack.clients);
    const topic = `growth-${Date.now().toString(36)}`;
    await platform.http.json({ method: 'POST', path: '/v1/topics', body: { name: topic, partitions: 2 } });
    const producer = new Producer(platform.http, topic);
    const probe: WindowState['probe'] = [];
    let stop = false;
    const prober = (async () => {
      for (let i = 0; !stop; i++) {
        probe.push({ partition: i % 2, ms: await producer.send(i, i % 2) });
        await sleep(200);
      }
    })();
    const eld = monitorEventLoopDelay({ resolution: 10 });
    eld.enable();
    const t0 = performance.now();
    let windowStart = t0;
    try {
      for (let records = 1; records <= opts.records; records++) {
        await producer.send(records, 0);
        if (records % opts.every !== 0 && records !== opts.records) continue;
        const w = closeWindow({ records, every: opts.every, t0, windowStart, probe, calls, eld, networkErrors: producer.networkErrors });
        producer.networkErrors = 0;
        // Our own read of the head comes after the window's figures: it is not the server's.
        w.indexEntries = (await log.describeTopic(topic)).partitions[0]!.segments;
        windows.push(w);
        opts.out(formatWindow(w));
        probe.length = 0;
        calls.reset();
        eld.reset();
        windowStart = performance.now();
      }
    } finally {
      stop = true;
      eld.disable();
      await prober;
    }
  } finally {
    await platform.stop();
  }
  return windows;
}

const f = (n: number) => (Number.isFinite(n) ? n.toFixed(n < 10 ? 1 : 0) : 'n/a');

export function formatWindow(w: GrowthWindow): string {
  const scaled = Object.entries(w.logScaledCalls).map(([k, n]) => `${k} ${n}`).join(', ') || 'none';
  return (
    `[${f(w.seconds)} s] ${w.records} records, ${f(w.appendsPerSec)} appends/s, ${w.indexEntries} index entries | ` +
    `probe p50 ${f(w.probeP50Ms)} p99 ${f(w.probeP99Ms)} max ${f(w.probeMaxMs)} ms (empty partition p99 ${f(w.emptyPartitionP99Ms)}) | ` +
    `event loop delay p99 ${f(w.eventLoopDelayP99Ms)} max ${f(w.eventLoopDelayMaxMs)} ms | ` +
    `storage p99: GetItem ${f(w.callP99Ms.GetItem!)} TransactWriteItems ${f(w.callP99Ms.TransactWriteItems!)} PutObject ${f(w.callP99Ms.PutObject!)} ms | ` +
    `log-scaled calls: ${scaled}, ${f(w.logScaledMs)} ms (ListObjectsV2 page max ${f(w.listPageMaxMs)} ms)` +
    (w.networkErrors ? ` | ${w.networkErrors} connection resets retried` : '')
  );
}
