// lib/bench: the benchmarks behind `sluice bench`. They reach the product only through
// its public surfaces: the HTTP API through the SDK's client, the local stack (the dev
// server and its Kafka port, taps on its storage clients, seeding), the Log class, and
// the Lambda handlers of lib/api. None of this ships in a Lambda bundle.
//
//   sections.ts   every section, in run order: one file under sections/ and one line
//   sections/     produce, codec, fetch, gateway, e2e, compaction, cost, profile
//   harness/      the suite, the section contract, the local platform, the request meter
//                 and storage timer (taps), statistics, progress, the report
//   codec/ cost/ profile/   what the larger sections are made of
//   growth.ts     `sluice bench growth`, a separate experiment on one growing partition
//
// The CLI only parses arguments and calls the functions below, which return the text to
// print and the document for --json, or throw errors whose message is for the user.
import type { HttpClient } from '../client/index.ts';
import type { ProgressStream } from './harness/progress.ts';
import { SectionSkipped } from './harness/section.ts';
import type { CodecBenchOptions } from './codec/measure.ts';

export interface BenchOutput {
  text: string;
  json: Record<string, unknown>;
}

export interface SuiteCommandOptions {
  quick: boolean;
  /** Run against this API instead of a local platform started for the run. */
  endpoint?: HttpClient;
  /** false leaves out the handler CPU profiles. */
  profile: boolean;
  /** Run only these sections (by name); all when absent. */
  only?: readonly string[];
  stderr: ProgressStream;
}

/** `sluice bench`: the whole suite. */
export async function benchSuite(opts: SuiteCommandOptions): Promise<BenchOutput> {
  const { runSuite } = await import('./harness/suite.ts');
  const { renderReport } = await import('./harness/report.ts');
  try {
    const { SECTIONS } = await import('./sections.ts');
    const unknown = opts.only?.filter((name) => !SECTIONS.some((s) => s.name === name)) ?? [];
    if (unknown.length) throw new Error(`no section ${unknown.join(', ')}; the sections are ${SECTIONS.map((s) => s.name).join(', ')}`);
    const skip = SECTIONS.map((s) => s.name).filter((name) => (opts.only ? !opts.only.includes(name) : name === 'profile' && !opts.profile));
    const r = await runSuite({ quick: opts.quick, stderr: opts.stderr, ...(opts.endpoint ? { endpoint: opts.endpoint } : {}), skip });
    return { text: `${renderReport(r.meta, r.parts, r.values)}\n`, json: { ...r.values, meta: r.meta } };
  } catch (err) {
    throw new Error(`benchmark failed: ${(err as Error).message}`, { cause: err });
  }
}

export interface CodecCommandOptions extends Pick<CodecBenchOptions, 'seconds' | 'records'> {
  recordBytes: number;
  stderr: ProgressStream;
}

/** `sluice bench codec`: the codec comparison alone, with its own table and JSON. */
export async function benchCodec(opts: CodecCommandOptions): Promise<BenchOutput> {
  const { measureCodec, renderCodecTable } = await import('./sections/codec.ts');
  const tty = Boolean(opts.stderr.isTTY);
  let result;
  try {
    result = await measureCodec({
      ...(opts.seconds !== undefined ? { seconds: opts.seconds } : {}),
      ...(opts.records !== undefined ? { records: opts.records } : {}),
      recordBytes: opts.recordBytes,
      ...(tty ? { onProgress: (f: number) => opts.stderr.write(`\rmeasuring… ${Math.round(f * 100)}%`) } : {}),
    });
  } catch (err) {
    if (err instanceof SectionSkipped) throw new Error(`the codec benchmark cannot run: ${err.message}`, { cause: err });
    throw new Error(`codec benchmark failed: ${(err as Error).message}`, { cause: err });
  } finally {
    if (tty) opts.stderr.write('\r\x1b[K');
  }
  return {
    text: `${renderCodecTable(result, opts.recordBytes)}\n`,
    json: { benchmark: 'codec', recordBytes: opts.recordBytes, recordsPerBatch: opts.records ?? 100, node: process.version, ...result },
  };
}

export interface GrowthCommandOptions {
  records: number;
  every: number;
  background: boolean;
  out: (line: string) => void;
}

/** `sluice bench growth`: latency of the dev server as one partition grows. */
export async function benchGrowth(opts: GrowthCommandOptions): Promise<void> {
  const { runGrowth } = await import('./growth.ts');
  try {
    await runGrowth(opts);
  } catch (err) {
    throw new Error(`growth benchmark failed: ${(err as Error).message}`, { cause: err });
  }
}
