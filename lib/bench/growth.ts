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
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { QueryCommand, type AttributeValue } from '@aws-sdk/client-dynamodb';
import { HttpClient } from '../client/http.ts';
import { tpKey } from '../storage/metadata.ts';
import { sleep } from './harness/context.ts';
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

type Stack = { add(m: unknown, o: unknown): void; remove(name: string): boolean };

export async function runGrowth(opts: GrowthOptions): Promise<GrowthWindow[]> {
  const { startDevServer } = await import('../local/devServer.ts');
  const { freePort } = await import('../local/emulators.ts');
  const dataDir = await mkdtemp(join(tmpdir(), 'sluice-growth-'));
  const server = await startDevServer({
    port: await freePort(),
    dataDir,
    quiet: true,
    ...(opts.background ? {} : { maintenanceIntervalMs: 0, subscriptions: false }),
  });
  const windows: GrowthWindow[] = [];
  try {
    const clients = server.stack.clients;
    const http = new HttpClient({ endpoint: server.url, headers: { 'user-agent': 'sluice-bench-growth' } });
    const callMs = new Map<string, number[]>();
    const scaled = new Map<string, number>();
    let scaledMs = 0;
    const listMs: number[] = [];
    const name = `bench-growth-${Math.random().toString(36).slice(2)}`;
    const tableIds = new Map(Object.entries(clients.names.tables).map(([id, table]) => [table, id]));
    for (const [svc, client] of [['s3', clients.s3], ['dynamodb', clients.ddb]] as const) {
      (client.middlewareStack as unknown as Stack).add(
        (next: (a: unknown) => Promise<unknown>, ctx: { commandName?: string }) => async (args: { input?: Record<string, unknown> }) => {
          const op = (ctx.commandName ?? '').replace(/Command$/, '');
          const table = tableIds.get(String(args.input?.TableName)) ?? '';
          const logScaled = (op === 'Query' && args.input?.TableName === clients.names.tables.segments && args.input?.Limit === undefined) || op === 'Scan' || op === 'ListObjectsV2';
          const t = performance.now();
          try {
            return await next(args);
          } finally {
            const ms = performance.now() - t;
            const key = `${svc}.${op}`;
            (callMs.get(key) ?? callMs.set(key, []).get(key)!).push(ms);
            if (logScaled) {
              const k = `${op}${table ? `.${table}` : ''}`;
              scaled.set(k, (scaled.get(k) ?? 0) + 1);
              scaledMs += ms;
              if (op === 'ListObjectsV2') listMs.push(ms);
            }
          }
        },
        { step: 'initialize', name },
      );
    }

    const topic = `growth-${Date.now().toString(36)}`;
    const created = await http.json<{ topicId: string }>({ method: 'POST', path: '/v1/topics', body: { name: topic, partitions: 2 } });
    let networkErrors = 0;
    // A connection reset (the server closing a keep-alive socket as the client reuses it)
    // is retried once and counted; the latency includes the retry.
    const produce = async (i: number, partition: number) => {
      const t = performance.now();
      for (let attempt = 0; ; attempt++) {
        try {
          await http.json({
            method: 'POST',
            path: `/v1/topics/${encodeURIComponent(topic)}/records`,
            body: { records: [{ key: `k${i}`, value: { i, pad: 'x'.repeat(200) }, partition }] },
          });
          return performance.now() - t;
        } catch (err) {
          if (attempt > 0 || (err as { code?: string }).code !== 'NETWORK_EXCEPTION') throw err;
          networkErrors++;
        }
      }
    };
    const indexEntries = async (): Promise<number> => {
      let n = 0;
      let start: Record<string, AttributeValue> | undefined;
      do {
        const r = await clients.ddb.send(
          new QueryCommand({
            TableName: clients.names.tables.segments,
            KeyConditionExpression: 'tp = :tp',
            ExpressionAttributeValues: { ':tp': { S: tpKey(created.topicId, 0) } },
            Select: 'COUNT',
            ConsistentRead: true,
            ...(start ? { ExclusiveStartKey: start } : {}),
          }),
        );
        n += r.Count ?? 0;
        start = r.LastEvaluatedKey;
      } while (start);
      return n;
    };

    const probe: { partition: number; ms: number }[] = [];
    let stop = false;
    const prober = (async () => {
      for (let i = 0; !stop; i++) {
        probe.push({ partition: i % 2, ms: await produce(i, i % 2) });
        await sleep(200);
      }
    })();
    const eld = monitorEventLoopDelay({ resolution: 10 });
    eld.enable();
    const t0 = performance.now();
    let windowStart = t0;
    try {
      for (let records = 1; records <= opts.records; records++) {
        await produce(records, 0);
        if (records % opts.every !== 0 && records !== opts.records) continue;
        // The Query below is ours, not the server's: stop counting while it runs.
        const counts = Object.fromEntries(scaled);
        const spent = scaledMs;
        const lists = [...listMs];
        const p0 = probe.filter((x) => x.partition === 0).map((x) => x.ms);
        const p1 = probe.filter((x) => x.partition === 1).map((x) => x.ms);
        const p99 = (k: string) => percentile(callMs.get(k) ?? [], 0.99);
        const now = performance.now();
        const w: GrowthWindow = {
          records,
          seconds: (now - t0) / 1000,
          appendsPerSec: (records % opts.every || opts.every) / ((now - windowStart) / 1000),
          indexEntries: 0,
          probeP50Ms: percentile(p0, 0.5),
          probeP99Ms: percentile(p0, 0.99),
          probeMaxMs: percentile(p0, 1),
          emptyPartitionP99Ms: percentile(p1, 0.99),
          eventLoopDelayP99Ms: eld.percentile(99) / 1e6,
          eventLoopDelayMaxMs: eld.max / 1e6,
          logScaledCalls: counts,
          logScaledMs: spent,
          listPageMaxMs: lists.length ? Math.max(...lists) : 0,
          callP99Ms: { GetItem: p99('dynamodb.GetItem'), TransactWriteItems: p99('dynamodb.TransactWriteItems'), PutObject: p99('s3.PutObject') },
          networkErrors,
        };
        networkErrors = 0;
        w.indexEntries = await indexEntries();
        windows.push(w);
        opts.out(formatWindow(w));
        probe.length = 0;
        callMs.clear();
        scaled.clear();
        scaledMs = 0;
        listMs.length = 0;
        eld.reset();
        windowStart = performance.now();
      }
    } finally {
      stop = true;
      eld.disable();
      await prober;
    }
  } finally {
    await server.stop().catch(() => undefined);
    await rm(dataDir, { recursive: true, force: true }).catch(() => undefined);
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
