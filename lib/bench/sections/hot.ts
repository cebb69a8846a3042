// A hot partition: JSON produce of 10-record requests to ONE partition by 1, 4 and 16
// concurrent producers, each level for a fixed time, one after the other on one topic.
// Kafka's partition leader appends sequentially and gets faster with more producers; the
// commit protocol (lib/storage/commit.ts) must at least not get slower: appends/s with 16
// producers against 1 (`hot.scaling`), and the tail latency at 16 against its median. On
// the local platform the storage calls are metered: DynamoDB write units per append,
// flushes of the head's tail to the index included.
import type { HttpClient } from '../../client/index.ts';
import { api, type BenchContext } from '../harness/context.ts';
import { atLeast, atMost, callList, figure, ms } from '../harness/format.ts';
import { perRequest, type MeterSnapshot } from '../harness/meter.ts';
import { defineSection, putAll } from '../harness/section.ts';
import { summarize, type Summary } from '../harness/stats.ts';
import { concurrently, createTopic, jsonValue } from '../harness/workload.ts';

export interface HotSizes {
  /** Measured time per producer count. */
  seconds: number;
  /** Unmeasured time before each level: connections, caches, JIT. */
  warmupSeconds: number;
}

export interface HotLevel {
  producers: number;
  appends: number;
  appendsPerSec: number;
  latency: Summary;
  /** Storage calls per append (local platform only). */
  perAppend?: MeterSnapshot;
}

export interface HotResult {
  levels: HotLevel[];
}

const LEVELS = [1, 4, 16] as const;
const RECORDS_PER_REQUEST = 10;
const RECORD_BYTES = 100;

function requestBody(seed: number) {
  return {
    encoding: 'string',
    records: Array.from({ length: RECORDS_PER_REQUEST }, (_, i) => ({ value: jsonValue(RECORD_BYTES, seed * 100 + i).toString('utf8'), partition: 0 })),
  };
}

async function produceJson(http: HttpClient, topic: string, body: unknown): Promise<void> {
  await http.json({ method: 'POST', path: `/v1/topics/${encodeURIComponent(topic)}/records`, body });
}

/** `producers` loops producing to partition 0 until `ms` has passed; the latency of each request. */
async function drive(http: HttpClient, topic: string, producers: number, ms: number, onAppend: () => void): Promise<{ latencies: number[]; elapsedMs: number }> {
  const latencies: number[] = [];
  const t0 = performance.now();
  const until = t0 + ms;
  await concurrently(producers, async (p) => {
    for (let i = 0; performance.now() < until; i++) {
      const s = performance.now();
      await produceJson(http, topic, requestBody(p * 1_000 + (i % 1_000)));
      latencies.push(performance.now() - s);
      onAppend();
    }
  });
  return { latencies, elapsedMs: performance.now() - t0 };
}

export async function runHotBench(ctx: BenchContext, size: HotSizes): Promise<HotResult> {
  const http = api(ctx);
  const topic = await createTopic(ctx, http, `bench-hot-${ctx.runId}`, 1);
  const levels: HotLevel[] = [];
  let done = 0;
  ctx.progress.update(0, LEVELS.length);
  for (const producers of LEVELS) {
    await drive(http, topic.name, producers, size.warmupSeconds * 1000, () => undefined);
    ctx.local?.meter.reset();
    ctx.local?.meter.pause(false);
    const run = await drive(http, topic.name, producers, size.seconds * 1000, () => undefined).finally(() => ctx.local?.meter.pause(true));
    const appends = run.latencies.length;
    levels.push({
      producers,
      appends,
      appendsPerSec: appends / (run.elapsedMs / 1000),
      latency: summarize(run.latencies),
      ...(ctx.local ? { perAppend: perRequest(ctx.local.meter.snapshot(), appends) } : {}),
    });
    ctx.progress.update(++done);
  }
  return { levels };
}

const level = (r: HotResult, n: number): HotLevel | undefined => r.levels.find((l) => l.producers === n);

export const hot = defineSection({
  name: 'hot', where: 'http', reportOrder: 13,
  sizes: { full: { seconds: 8, warmupSeconds: 1 }, quick: { seconds: 3, warmupSeconds: 0.5 } },
  title: (s) => `hot partition: JSON produce of ${RECORDS_PER_REQUEST} records to one partition, ${LEVELS.join('/')} producers, ${s.seconds} s each`,
  run: runHotBench,
  values(r, put) {
    for (const l of r.levels) put(`hot.appendsPerSec${l.producers}`, l.appendsPerSec);
    const one = level(r, 1);
    const sixteen = level(r, 16);
    putAll(put, 'hot', {
      p50Ms1: one?.latency.p50, p99Ms1: one?.latency.p99, p50Ms4: level(r, 4)?.latency.p50, p99Ms4: level(r, 4)?.latency.p99,
      p50Ms16: sixteen?.latency.p50, p99Ms16: sixteen?.latency.p99,
      scaling: one && sixteen ? sixteen.appendsPerSec / one.appendsPerSec : undefined,
      tailRatio16: sixteen ? sixteen.latency.p99 / sixteen.latency.p50 : undefined,
      wruPerAppend1: one?.perAppend?.wru, wruPerAppend16: sixteen?.perAppend?.wru,
    });
  },
  figures(r, row) {
    for (const l of r.levels) {
      row(`hot.appendsPerSec${l.producers}`, String(Math.round(l.appendsPerSec)), `p50 / p99 ${ms(l.latency.p50)} / ${ms(l.latency.p99)} ms, ${l.producers} producer(s), ${l.appends} appends`);
    }
    const one = level(r, 1);
    const sixteen = level(r, 16);
    if (one && sixteen) row('hot.scaling', figure(sixteen.appendsPerSec / one.appendsPerSec), 'appends/s with 16 producers / with 1');
    if (sixteen?.perAppend) row('hot.wruPerAppend16', figure(sixteen.perAppend.wru), 'DynamoDB write units per append, 16 producers');
  },
  targets: (v) => [atLeast(v, 'hot.scaling', 1.5), atMost(v, 'hot.tailRatio16', 5)],
  footer: (r) => {
    const sixteen = level(r, 16);
    return sixteen?.perAppend ? [`Storage calls per append on a hot partition (16 producers): ${callList(sixteen.perAppend)}`, ''] : [];
  },
  quickNote: (quick, full) => `hot runs ${quick.seconds} s per producer count instead of ${full.seconds}`,
});
