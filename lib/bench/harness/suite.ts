// `sluice bench`: the whole suite. Runs the in-process sections first, while nothing
// else runs; then starts the local platform (platform.ts) and runs the sections that need
// an API, unless an endpoint is given, in which case only those that go over HTTP run
// there. A section that cannot run here (SectionSkipped) is noted and the rest go on.
import { cpus, loadavg, platform, release } from 'node:os';
import type { HttpClient } from '../../client/index.ts';
import { SECTIONS } from '../sections.ts';
import { newRunId, type BenchContext } from './context.ts';
import { startMeasuredPlatform, type Platform } from './platform.ts';
import { Progress, type ProgressStream } from './progress.ts';
import { buildValues, inReportOrder, type BenchMeta, type BenchParts, type Values } from './report.ts';
import { SectionSkipped, type Section } from './section.ts';

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

/** What --quick changed, where the run went, and each section's notes on its figures, in report order. */
function suiteNotes(opts: SuiteOptions, runnable: readonly AnySection[], parts: Record<string, unknown>): string[] {
  const notes: string[] = [];
  const sections = inReportOrder(runnable);
  if (opts.quick) {
    const changed = sections.flatMap((s) => s.quickNote?.(s.sizes.quick, s.sizes.full) ?? []);
    notes.push(`--quick: ${[...changed, 'fewer iterations throughout'].join('; ')}. Key names are unchanged.`);
  }
  notes.push(opts.endpoint ? ENDPOINT_NOTE : LOCAL_NOTE);
  for (const s of sections) if (parts[s.name] !== undefined) notes.push(...(s.notes?.(parts[s.name]) ?? []));
  return notes;
}

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
        const started = await startMeasuredPlatform();
        platformStarted = started.platform;
        ctx.http = started.platform.http;
        ctx.local = started.local;
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

  const notes = [
    ...suiteNotes(opts, runnable, parts),
    ...skipped,
    `1-minute load average: ${loadBefore.toFixed(2)} at the start, ${loadavg()[0]!.toFixed(2)} at the end (${cpus().length} CPUs); anything else running skews the latencies.`,
  ];
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
