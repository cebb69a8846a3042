// `sluice bench`: the whole suite. Runs the in-process sections first, while nothing
// else runs; then starts the local platform (platform.ts) and runs the sections that need
// an API, unless an endpoint is given, in which case only those that go over HTTP run
// there. A section that cannot run here (SectionSkipped) is noted and the rest go on.
import { cpus, loadavg, platform, release } from 'node:os';
import type { HttpClient } from '../../client/index.ts';
import { SECTIONS } from '../sections.ts';
import { newRunId, ServerTimings, type BenchContext } from './context.ts';
import { Meter } from './meter.ts';
import { startPlatform, type Platform } from './platform.ts';
import { Progress, type ProgressStream } from './progress.ts';
import { buildValues, type BenchMeta, type BenchParts, type Values } from './report.ts';
import { SectionSkipped, type Section } from './section.ts';
import { StorageSpans } from './spans.ts';

export interface SuiteOptions {
  quick: boolean;
  /** Run against this API instead of a local platform started for the run. */
  endpoint?: HttpClient;
  stderr: ProgressStream;
  /** Sections not to run, by name (e.g. `profile` for --no-profile). */
  skip?: readonly string[];
}

export interface SuiteResult {
  meta: BenchMeta;
  parts: BenchParts;
  values: Values;
}

type AnySection = Section<string, any, any>;

const LOCAL_NOTE =
  'Latencies are on emulators (DynamoDB Local, s3rver) sharing the machine with the server and the load generator; ratios against baselines measured in the same run are the comparable figures, not the absolute milliseconds.';
const ENDPOINT_NOTE = '--endpoint: the storage baseline, fetch scaling, request counts, cost model and compaction need the local platform and were skipped.';

export async function runSuite(opts: SuiteOptions, sections: readonly AnySection[] = SECTIONS): Promise<SuiteResult> {
  const size = opts.quick ? 'quick' : 'full';
  const started = performance.now();
  const loadBefore = loadavg()[0]!;
  const local = !opts.endpoint;
  const runnable = sections.filter((s) => !opts.skip?.includes(s.name) && (local || s.where !== 'local'));
  const inProcess = runnable.filter((s) => s.where === 'process');
  const overApi = runnable.filter((s) => s.where !== 'process');
  const progress = new Progress(opts.stderr, runnable.length + (local && overApi.length ? 1 : 0));
  const parts: Record<string, unknown> = {};
  const skipped: string[] = [];
  const ctx: BenchContext = { progress, quick: opts.quick, runId: newRunId(), topics: [] };

  const run = async (s: AnySection) => {
    const workload = s.sizes[size];
    progress.start(s.title(workload, ctx));
    try {
      parts[s.name] = await s.run(ctx, workload);
    } catch (err) {
      if (!(err instanceof SectionSkipped)) throw err;
      const note = `${s.name}: skipped: ${err.message}.`;
      progress.log(note);
      progress.finish('skipped');
      skipped.push(note);
    }
  };

  for (const s of inProcess) await run(s);
  let platformStarted: Platform | undefined;
  try {
    if (overApi.length) {
      if (opts.endpoint) ctx.http = opts.endpoint;
      else {
        progress.start('starting the local platform (DynamoDB Local, s3rver, dev server)');
        const timings = new ServerTimings();
        const spans = new StorageSpans();
        let meter: Meter | undefined;
        platformStarted = await startPlatform({
          name: 'bench',
          accessLog: timings.accessLog,
          taps: (layout) => [(meter = new Meter(layout.tables)).tap, spans.tap],
        });
        meter!.pause(true);
        ctx.http = platformStarted.http;
        ctx.local = { server: platformStarted.server, meter: meter!, spans, timings };
      }
    }
    for (const s of overApi) await run(s);
    progress.finish();
  } finally {
    progress.finish();
    // Against an endpoint, leave nothing behind (locally the whole data directory goes).
    if (opts.endpoint) {
      for (const name of ctx.topics) {
        await opts.endpoint.request({ method: 'DELETE', path: `/v1/topics/${encodeURIComponent(name)}` }).catch(() => undefined);
      }
    }
    await platformStarted?.stop();
  }

  const notes: string[] = [];
  const quickNotes = runnable.flatMap((s) => s.quickNote?.(s.sizes.quick, s.sizes.full) ?? []);
  if (opts.quick) notes.push(`--quick: ${[...quickNotes, 'fewer iterations throughout'].join('; ')}. Key names are unchanged.`);
  if (!local) notes.push(ENDPOINT_NOTE);
  if (local) notes.push(LOCAL_NOTE);
  for (const s of runnable) if (parts[s.name] !== undefined) notes.push(...(s.notes?.(parts[s.name]) ?? []));
  notes.push(...skipped);
  const loadAfter = loadavg()[0]!;
  notes.push(`1-minute load average: ${loadBefore.toFixed(2)} at the start, ${loadAfter.toFixed(2)} at the end (${cpus().length} CPUs); anything else running skews the latencies.`);

  const cpuList = cpus();
  const meta: BenchMeta = {
    date: new Date().toISOString().slice(0, 10),
    mode: local ? 'local' : 'endpoint',
    endpoint: opts.endpoint?.endpoint.href ?? 'local',
    size,
    node: process.version,
    cpus: cpuList.length,
    cpuModel: cpuList[0]?.model.trim() ?? 'unknown CPU',
    platform: `${platform()} ${release()}`,
    durationSec: (performance.now() - started) / 1000,
    notes,
  };
  return { meta, parts: parts as BenchParts, values: buildValues(parts as BenchParts, sections) };
}
