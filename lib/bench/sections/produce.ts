// Produce throughput and latency through the binary path (HTTP, RecordBatch v2 bodies),
// against a baseline measured in the same run on the same emulators: the same batches
// appended in this process by a Log on the dev server's own storage clients, timing only
// its storage calls (S3 PutObject, the topic read, the head's UpdateItem and its share of
// tail flushes) with nothing around them. The two alternate in rounds, so drift in the
// emulators (a growing table, a JIT warming up) hits both alike.
import type { HttpClient } from '../../client/index.ts';
import { Log } from '../../log/index.ts';
import { api, type BenchContext, type LocalPlatform } from '../harness/context.ts';
import { atMost, callList, ms } from '../harness/format.ts';
import { addSnapshots, perRequest, type MeterSnapshot } from '../harness/meter.ts';
import { defineSection, putAll } from '../harness/section.ts';
import { summarize, type Summary } from '../harness/stats.ts';
import { concurrently, createTopic, makeBatch, produceBatch } from '../harness/workload.ts';

export interface ProduceOptions {
  producers: number;
  recordsPerBatch: number;
  recordBytes: number;
  /** Alternating rounds of produce and baseline. */
  rounds: number;
  /** Batches per producer per round. */
  batchesPerRound: number;
  /** Batches per producer sent before measuring (both sides). */
  warmup: number;
}

export interface ProduceResult {
  batches: number;
  batchBytes: number;
  recordsPerSec: number;
  mbPerSec: number;
  latency: Summary;
  baseline?: Summary;
  overheadRatio?: number;
  /** Storage calls and request units per produced batch (local platform only). */
  perBatch?: MeterSnapshot;
  /** Server-side duration per produce request, ms (local platform only). */
  serverMs?: Summary;
}

const workload = { producers: 4, recordsPerBatch: 100, recordBytes: 1024 };

/** Appends one batch to a partition, resolving to the storage time it took. */
type Appender = (partition: number, body: Buffer) => Promise<number>;

/** The baseline: a Log on the server's own clients appending to a topic of its own, timing only its storage calls. */
async function baselineAppender(ctx: BenchContext, local: LocalPlatform, http: HttpClient, partitions: number): Promise<Appender> {
  const topic = await createTopic(ctx, http, `bench-baseline-${ctx.runId}`, partitions);
  const log = new Log(local.server.stack.clients);
  return async (partition, body) => (await local.spans.measure(() => log.append(topic.name, partition, { batches: body }))).storageMs;
}

/** Runs `work` with the meter and the request timer on: its storage calls, and the server time of its produce requests. */
async function metered(local: LocalPlatform, work: () => Promise<void>): Promise<{ calls: MeterSnapshot; serverMs: number[] }> {
  local.meter.reset();
  local.meter.pause(false);
  local.timings.record();
  try {
    await work();
  } finally {
    local.meter.pause(true);
  }
  const serverMs = local.timings.stop().filter((t) => t.method === 'POST' && t.status === 200).map((t) => t.ms);
  return { calls: local.meter.snapshot(), serverMs };
}

export async function runProduceBench(ctx: BenchContext, opts: ProduceOptions): Promise<ProduceResult> {
  const { local, progress } = ctx;
  const http = api(ctx);
  const topic = await createTopic(ctx, http, `bench-produce-${ctx.runId}`, opts.producers);
  const base = local ? await baselineAppender(ctx, local, http, opts.producers) : undefined;
  const batches = Array.from({ length: 8 }, (_, i) => makeBatch(opts.recordsPerBatch, opts.recordBytes, i + 1));
  const batchBytes = batches[0]!.length;

  const produceLat: number[] = [];
  const baseLat: number[] = [];
  let produceMs = 0;
  let produced = 0;
  let producedBytes = 0;
  const perRound = opts.producers * opts.batchesPerRound * (base ? 2 : 1);
  progress.update(0, opts.rounds * perRound);
  let done = 0;

  const produceSlice = async (n: number, record: boolean) => {
    const t0 = performance.now();
    await concurrently(opts.producers, async (p) => {
      for (let i = 0; i < n; i++) {
        const body = batches[(p + i) % batches.length]!;
        const s = performance.now();
        await produceBatch(http, topic.name, p, body);
        if (record) {
          produceLat.push(performance.now() - s);
          produced++;
          producedBytes += body.length;
          progress.update(++done);
        }
      }
    });
    if (record) produceMs += performance.now() - t0;
  };
  const baselineSlice = async (append: Appender, n: number, record: boolean) => {
    await concurrently(opts.producers, async (p) => {
      for (let i = 0; i < n; i++) {
        const ms = await append(p, batches[(p + i) % batches.length]!);
        if (record) {
          baseLat.push(ms);
          progress.update(++done);
        }
      }
    });
  };

  // Warm-up: connections, JIT, the topic caches; nothing recorded.
  await produceSlice(opts.warmup, false);
  if (base) await baselineSlice(base, opts.warmup, false);

  let meterSnapshot: MeterSnapshot | undefined;
  const serverSamples: number[] = [];
  for (let r = 0; r < opts.rounds; r++) {
    if (!local || !base) await produceSlice(opts.batchesPerRound, true);
    else {
      const round = await metered(local, () => produceSlice(opts.batchesPerRound, true));
      meterSnapshot = meterSnapshot ? addSnapshots(meterSnapshot, round.calls) : round.calls;
      serverSamples.push(...round.serverMs);
      await baselineSlice(base, opts.batchesPerRound, true);
    }
  }

  const latency = summarize(produceLat);
  const baseline = base ? summarize(baseLat) : undefined;
  return {
    batches: produced,
    batchBytes,
    recordsPerSec: (produced * opts.recordsPerBatch) / (produceMs / 1000),
    mbPerSec: producedBytes / 1e6 / (produceMs / 1000),
    latency,
    ...(baseline ? { baseline, overheadRatio: latency.p50 / baseline.p50 } : {}),
    ...(meterSnapshot ? { perBatch: perRequest(meterSnapshot, produced) } : {}),
    ...(serverSamples.length ? { serverMs: summarize(serverSamples) } : {}),
  };
}

export const produce = defineSection({
  name: 'produce', where: 'http', reportOrder: 10,
  sizes: { full: { rounds: 6, batchesPerRound: 30, warmup: 4 }, quick: { rounds: 5, batchesPerRound: 10, warmup: 2 } },
  title: (_size, ctx) => (ctx.local ? 'produce: binary batches over HTTP vs the bare storage calls' : 'produce: binary batches over HTTP'),
  run: (ctx, size) => runProduceBench(ctx, { ...workload, ...size }),
  values: (r: ProduceResult, put) =>
    putAll(put, 'produce', {
      recordsPerSec: r.recordsPerSec, mbPerSec: r.mbPerSec, p50Ms: r.latency.p50, p99Ms: r.latency.p99,
      storageBaselineMs: r.baseline?.p50, storageBaselineP99Ms: r.baseline?.p99, overheadRatio: r.overheadRatio,
      serverP50Ms: r.serverMs?.p50, batches: r.batches, batchBytes: r.batchBytes,
      s3RequestsPerBatch: r.perBatch?.s3, dynamodbRequestsPerBatch: r.perBatch?.dynamodb, wruPerBatch: r.perBatch?.wru, rruPerBatch: r.perBatch?.rru,
    }),
  figures(r, row) {
    row('produce.recordsPerSec', String(Math.round(r.recordsPerSec)), `1 KiB records, ${r.batchBytes} B batches of 100, 4 producers`);
    row('produce.mbPerSec', r.mbPerSec.toFixed(2), 'MB/s of encoded batches');
    row('produce.p50Ms / p99Ms', `${ms(r.latency.p50)} / ${ms(r.latency.p99)}`, `${r.batches} batches over HTTP`);
    if (r.baseline) row('produce.storageBaselineMs', `${ms(r.baseline.p50)} / ${ms(r.baseline.p99)}`, 'p50 / p99: PutObject + topic GetItem + head UpdateItem alone');
    if (r.overheadRatio !== undefined) row('produce.overheadRatio', r.overheadRatio.toFixed(2), 'produce p50 / baseline p50');
  },
  targets: (v) => [atMost(v, 'produce.overheadRatio', 1.3)],
  footer: (r) => (r.perBatch ? [`Storage calls per produced batch: ${callList(r.perBatch)}`, ''] : []),
});
