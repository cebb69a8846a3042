// `sluice bench`: the whole suite. Starts the local platform itself (dev server on a free
// port over a temporary data directory, stopped afterwards) unless an endpoint is given,
// in which case only the parts that go through HTTP run (produce, end-to-end) besides the
// in-process ones (codec, handler profiles).
import { mkdtemp, rm } from 'node:fs/promises';
import { cpus, loadavg, platform, release, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FUNCTIONS } from '../../api/routes.ts';
import { HttpClient } from '../../client/http.ts';
import { newRunId, ServerTimings, type BenchContext } from './context.ts';
import { runCostProbe } from './costprobe.ts';
import { costPerGiB, headReadsPerIdlePoll, idleLongPollUsdPerHour } from './cost.ts';
import { runE2eBench } from './e2e.ts';
import { runFetchBench } from './fetch.ts';
import { GATEWAY_SIZES, runGatewayBench } from './gateway.ts';
import { Meter } from './meter.ts';
import { runProduceBench } from './produce.ts';
import { runHandlerProfiles } from './profile.ts';
import { Progress, type ProgressStream } from './progress.ts';
import { buildValues, type BenchMeta, type BenchParts, type Values } from './report.ts';

export interface SuiteOptions {
  quick: boolean;
  /** Run against this API instead of a local platform started for the run. */
  endpoint?: HttpClient;
  stderr: ProgressStream;
  /** Skip the handler CPU profiles. */
  noProfile?: boolean;
}

export interface SuiteResult {
  meta: BenchMeta;
  parts: BenchParts;
  values: Values;
}

/** Workload sizes: full, and --quick (under two minutes on two cores). */
export const SIZES = {
  full: {
    codecSeconds: 8,
    produce: { rounds: 6, batchesPerRound: 30, warmup: 4 },
    cost: { batches1MiB: 16, batches16KiB: 60 },
    fetch: { smallSegments: 100, largeSegments: 10_000, fetches: 200 },
    e2e: { messages: 200 },
    compaction: { segments: 1000 },
    profile: { invocations: 300, repetitions: 3 },
  },
  quick: {
    codecSeconds: 3,
    produce: { rounds: 5, batchesPerRound: 10, warmup: 2 },
    cost: { batches1MiB: 6, batches16KiB: 20 },
    fetch: { smallSegments: 100, largeSegments: 2_000, fetches: 60 },
    e2e: { messages: 50 },
    compaction: { segments: 1000 },
    profile: { invocations: 150, repetitions: 2 },
  },
} as const;

const PROJECT_ROOT = resolve(fileURLToPath(new URL('../../..', import.meta.url)));
const RECORD_BYTES = 1024;

export async function runSuite(opts: SuiteOptions): Promise<SuiteResult> {
  const size = opts.quick ? SIZES.quick : SIZES.full;
  const started = performance.now();
  const loadBefore = loadavg()[0]!;
  const local = !opts.endpoint;
  const phases = (local ? 9 : 4) - (opts.noProfile ? 1 : 0);
  const progress = new Progress(opts.stderr, phases);
  const parts: BenchParts = {};
  const notes: string[] = [];

  // In-process, CPU-only parts first, while nothing else runs.
  progress.start('codec: RecordBatch v2 vs kafkajs', 1000);
  const { runCodecBench } = await import('../../records/bench.ts');
  parts.codec = await runCodecBench({ seconds: size.codecSeconds, onProgress: (f) => progress.update(Math.round(f * 1000)) });

  if (!opts.noProfile) {
    progress.start('profile: produce and fetch handlers, storage in memory');
    parts.profiles = await runHandlerProfiles({
      ...size.profile,
      recordsPerBatch: 100,
      recordBytes: RECORD_BYTES,
      fetchRecords: 100,
      projectRoot: PROJECT_ROOT,
      onProgress: (d, t) => progress.update(d, t),
    });
  }

  const topics: string[] = [];
  let dataDir: string | undefined;
  let server: Awaited<ReturnType<typeof import('../../local/devServer.ts').startDevServer>> | undefined;
  const timings = new ServerTimings();
  try {
    let http: HttpClient;
    let meter: Meter | undefined;
    if (opts.endpoint) {
      http = opts.endpoint;
    } else {
      progress.start('starting the local platform (DynamoDB Local, s3rver, dev server)');
      const { startDevServer } = await import('../../local/devServer.ts');
      const { freePort } = await import('../../local/emulators.ts');
      dataDir = await mkdtemp(join(tmpdir(), 'sluice-bench-'));
      // Without the background maintenance pass and subscription dispatcher: deployed,
      // those are other functions, and here they would add their storage calls to the
      // counts and their CPU to the latencies of the requests being measured.
      server = await startDevServer({
        port: await freePort(),
        dataDir,
        quiet: true,
        accessLog: timings.accessLog,
        maintenanceIntervalMs: 0,
        subscriptions: false,
        kafkaPort: await freePort(),
      });
      http = new HttpClient({ endpoint: server.url, headers: { 'user-agent': 'sluice-bench' } });
      meter = new Meter(server.stack.clients).attach();
      meter.pause(true);
    }
    const ctx: BenchContext = {
      http,
      ...(server && meter ? { local: { server, meter, timings } } : {}),
      progress,
      quick: opts.quick,
      runId: newRunId(),
      topics,
    };

    progress.start(local ? 'produce: binary batches over HTTP vs the bare storage calls' : 'produce: binary batches over HTTP');
    parts.produce = await runProduceBench(ctx, { producers: 4, recordsPerBatch: 100, recordBytes: RECORD_BYTES, ...size.produce });

    if (local) {
      progress.start('cost: 1 MiB and 16 KiB batches, 1 MiB reads');
      const probe = await runCostProbe(ctx, { recordBytes: RECORD_BYTES, ...size.cost });
      const waitMs = 20_000;
      parts.cost = {
        ingest1MiB: costPerGiB(probe.ingest1MiB.profile),
        ingest16KiB: costPerGiB(probe.ingest16KiB.profile),
        read1MiB: costPerGiB(probe.read1MiB.profile),
        readJson1MiB: costPerGiB(probe.readJson1MiB.profile),
        idleLongPollUsdPerHour: idleLongPollUsdPerHour({
          waitMs,
          lambdaMemoryMb: FUNCTIONS.fetch.memoryMb,
          // Per poll: the topic lookup and the first head read, both consistent reads of
          // items under 4 KB; then the watch's head reads (another Lambda appends, so
          // nothing wakes the poll early).
          fixedRru: 2,
          headReads: headReadsPerIdlePoll(waitMs),
          rruPerHeadRead: 1,
        }),
        probe,
      };

      progress.start(`fetch: 100 records from ${size.fetch.smallSegments} vs ${size.fetch.largeSegments.toLocaleString('en-US')} segments`);
      parts.fetch = await runFetchBench(ctx, { ...size.fetch, recordBytes: RECORD_BYTES, records: 100 });
    }

    if (local) {
      progress.start('gateway: kafkajs through the Kafka gateway vs the SDK over HTTP');
      parts.gateway = await runGatewayBench(ctx, opts.quick ? GATEWAY_SIZES.quick : GATEWAY_SIZES.full);
    }

    progress.start('end to end: produce → long-polling consumer');
    parts.e2e = await runE2eBench(ctx, { ...size.e2e, recordBytes: RECORD_BYTES, waitMs: 5_000 });

    if (server) {
      progress.start(`compaction: reading 1 MiB from ${size.compaction.segments} small segments, before and after`);
      const { benchCompaction } = await import('../../log/maintenance-bench.ts');
      const segments = size.compaction.segments;
      let after = 0;
      parts.compaction = await benchCompaction(server.stack.clients, {
        segments,
        recordBytes: RECORD_BYTES,
        onProgress: (phase, done) => progress.update(phase === 'append' ? done : segments + Math.min(6, ++after), segments + 6),
      });
    }
    progress.finish();
  } finally {
    progress.finish();
    // Against an endpoint, leave nothing behind (locally the whole data directory goes).
    if (opts.endpoint) {
      for (const name of topics) {
        await opts.endpoint.request({ method: 'DELETE', path: `/v1/topics/${encodeURIComponent(name)}` }).catch(() => undefined);
      }
    }
    if (server) {
      await server.stop().catch(() => undefined);
    }
    if (dataDir) await rm(dataDir, { recursive: true, force: true }).catch(() => undefined);
  }

  if (opts.quick) {
    notes.push(
      `--quick: the large fetch log has ${size.fetch.largeSegments.toLocaleString('en-US')} segments (full run: ${SIZES.full.fetch.largeSegments.toLocaleString('en-US')}); fewer iterations throughout. Key names are unchanged.`,
    );
  }
  if (!local) notes.push('--endpoint: the storage baseline, fetch scaling, request counts, cost model and compaction need the local platform and were skipped.');
  if (local) {
    notes.push(
      'Latencies are on emulators (DynamoDB Local, s3rver) sharing the machine with the server and the load generator; ratios against baselines measured in the same run are the comparable figures, not the absolute milliseconds.',
      'Fetch: the small log holds exactly 100 records, so its fetches start at offset 0; the large log is read at random offsets. End to end: the dev server wakes a long poll in-process the moment an append commits; deployed, the poll runs in another Lambda and sees the new head by polling it every 25-250 ms, which adds up to that much.',
      'Cost: request counts and DynamoDB units are counted on the server\'s own SDK clients; Lambda duration is the dev server\'s handler time against the emulators (AWS latencies differ); API Gateway is metered per 512 KB of the larger of request and response; an LSI write is counted at the table write\'s rate (an upper bound inside transactions).',
    );
  }
  const loadAfter = loadavg()[0]!;
  notes.push(`1-minute load average: ${loadBefore.toFixed(2)} at the start, ${loadAfter.toFixed(2)} at the end (${cpus().length} CPUs); anything else running skews the latencies.`);
  const values = buildValues(parts);
  const cpuList = cpus();
  const meta: BenchMeta = {
    date: new Date().toISOString().slice(0, 10),
    mode: local ? 'local' : 'endpoint',
    endpoint: opts.endpoint?.endpoint.href ?? 'local',
    size: opts.quick ? 'quick' : 'full',
    node: process.version,
    cpus: cpuList.length,
    cpuModel: cpuList[0]?.model.trim() ?? 'unknown CPU',
    platform: `${platform()} ${release()}`,
    durationSec: (performance.now() - started) / 1000,
    notes,
  };
  return { meta, parts, values };
}
