// CPU cost of the produce and fetch handlers themselves: the Lambda handlers of
// lib/api, called in-process with API Gateway events, over a Log whose storage clients
// are real SDK clients with an HTTP layer that answers from memory (fakeStorage.ts). CPU
// milliseconds per MiB come from process.cpuUsage() over a run without the profiler;
// where the time goes comes from a second run under node:inspector's sampling profiler.
import { findSourceMap } from 'node:module';
import { Session } from 'node:inspector/promises';
import { Logger } from '@aws-lambda-powertools/logger';
import type { Context } from 'aws-lambda';
import { buildV2Event, RECORD_BATCH_TYPE } from '../../api/http.ts';
import { seedPartition } from '../../local/index.ts';
import { createHandler } from '../../local/apiGateway.ts';
import type { ApiHandler } from '../../runtime/http.ts';
import { Log } from '../../log/index.ts';
import { makeBatch, oneRecordBatches } from '../harness/workload.ts';
import { summarizeProfile, type CpuProfile, type Locate, type ProfileSummary } from './analysis.ts';
import { FakeAws } from './fakeStorage.ts';

export interface PathProfile {
  path: string;
  invocations: number;
  /** Data handled per invocation (produce: the request body; fetch: the stored batches read). */
  bytesPerInvocation: number;
  /** Median over the timed repetitions. */
  cpuMsPerMiB: number;
  cpuMsPerInvocation: number;
  /**
   * The same with the SDK clients given a logger without `info`, which stops the SDK from
   * building a redacted copy of every request and response for a logger that discards it.
   */
  cpuMsPerMiBWithoutSdkLogFilter: number;
  /** Time in the in-memory storage stand-in (not part of the handler's real cost). */
  fakeShare: number;
  profile: ProfileSummary;
}

export interface ProfileOptions {
  /** Invocations per measurement. */
  invocations: number;
  /** Timed repetitions per path and client setup (the median is reported). */
  repetitions: number;
  recordsPerBatch: number;
  recordBytes: number;
  /** Records per fetch. */
  fetchRecords: number;
  projectRoot: string;
  onProgress?: (done: number, total: number) => void;
}

const MiB = 1 << 20;

function context(fn: string): Context {
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName: `sluice-${fn}`,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:us-east-1:000000000000:function:sluice-${fn}`,
    memoryLimitInMB: '1024',
    awsRequestId: 'bench',
    logGroupName: `/aws/lambda/sluice-${fn}`,
    logStreamName: 'bench',
    getRemainingTimeInMillis: () => 29_000,
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

/** Source positions for tsx-compiled files, through the source maps tsx registers. */
export const locateWithSourceMaps: Locate = (url, line, column) => {
  if (!url.startsWith('file://') || url.includes('/node_modules/')) return undefined;
  try {
    const entry = findSourceMap(url)?.findEntry(line, column) as { originalSource?: string; originalLine?: number } | undefined;
    if (!entry?.originalSource || entry.originalLine === undefined) return undefined;
    return { file: entry.originalSource, line: entry.originalLine + 1 };
  } catch {
    return undefined;
  }
};

interface Workload {
  path: string;
  bytes: number;
  invoke: () => Promise<unknown>;
}

interface Env {
  workloads: Workload[];
  close(): void;
}

/** Handlers over their own in-memory storage, with the workloads to run on them. */
async function environment(opts: ProfileOptions, withoutInfoLogger: boolean): Promise<Env> {
  const fake = new FakeAws();
  const clients = fake.clients({ withoutInfoLogger });
  const log = new Log(clients);
  const logger = new Logger({ serviceName: 'sluice-bench', logLevel: 'WARN' });
  const produceHandler = createHandler('produce', { log, logger, metrics: false });
  const fetchHandler = createHandler('fetch', { log, logger, metrics: false });

  // Produce: a topic of one partition; the head advances as the stand-in applies commits.
  const produceTopic = await log.createTopic({ name: 'profile-produce', partitions: 1 });
  const bodies = Array.from({ length: 4 }, (_, i) => makeBatch(opts.recordsPerBatch, opts.recordBytes, i + 21));
  const produceEvents = bodies.map((body) =>
    buildV2Event({
      method: 'POST',
      rawPath: `/v1/topics/${produceTopic.name}/records`,
      rawQueryString: 'partition=0',
      headers: { 'content-type': RECORD_BATCH_TYPE, host: 'api.example.com' },
      body,
    }),
  );

  // Fetch: a partition of one-record segments in one object, as the fetch section seeds.
  const fetchTopic = await log.createTopic({ name: 'profile-fetch', partitions: 1 });
  const n = opts.fetchRecords;
  const batches = oneRecordBatches(n, opts.recordBytes);
  const at = batches.reduce((sum, b) => sum + b.length, 0);
  await seedPartition(clients, { topicId: fetchTopic.topicId, partition: 0 }, batches);
  const fetchEvent = (accept: string) =>
    buildV2Event({
      method: 'GET',
      rawPath: `/v1/topics/${fetchTopic.name}/partitions/0/records`,
      rawQueryString: `offset=0&maxRecords=${n}`,
      headers: { accept, host: 'api.example.com' },
    });
  const jsonEvent = fetchEvent('application/json');
  const rawEvent = fetchEvent(RECORD_BATCH_TYPE);

  const call = async (handler: ApiHandler, event: ReturnType<typeof buildV2Event>, fn: string) => {
    const res = await handler(event, context(fn));
    if (res.statusCode !== 200) throw new Error(`profile: ${fn} answered ${res.statusCode}: ${String(res.body).slice(0, 200)}`);
    return res;
  };
  let k = 0;
  return {
    workloads: [
      { path: `produce (binary, ${opts.recordsPerBatch} x ${opts.recordBytes} B)`, bytes: bodies[0]!.length, invoke: () => call(produceHandler, produceEvents[k++ % produceEvents.length]!, 'produce') },
      { path: `fetch (JSON, ${n} records)`, bytes: at, invoke: () => call(fetchHandler, jsonEvent, 'fetch') },
      { path: `fetch (raw batches, ${n} records)`, bytes: at, invoke: () => call(fetchHandler, rawEvent, 'fetch') },
    ],
    close: () => {
      clients.ddb.destroy();
      clients.s3.destroy();
    },
  };
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

export async function runHandlerProfiles(opts: ProfileOptions): Promise<PathProfile[]> {
  const envs = [await environment(opts, false), await environment(opts, true)];
  const paths = envs[0]!.workloads.length;
  const warm = Math.max(200, opts.invocations);
  const total = paths * (2 + 2 * opts.repetitions + 1);
  let done = 0;
  const tick = () => opts.onProgress?.(++done, total);
  const cpu: number[][][] = envs.map(() => Array.from({ length: paths }, () => []));
  const session = new Session();
  session.connect();
  const results: PathProfile[] = [];
  try {
    // Warm every path in both setups first: they share most code, and the JIT should be
    // done with all of it before anything is timed.
    for (const env of envs) {
      for (const w of env.workloads) {
        for (let i = 0; i < warm; i++) await w.invoke();
        tick();
      }
    }
    for (let r = 0; r < opts.repetitions; r++) {
      for (let p = 0; p < paths; p++) {
        for (let e = 0; e < envs.length; e++) {
          const w = envs[e]!.workloads[p]!;
          const c0 = process.cpuUsage();
          for (let i = 0; i < opts.invocations; i++) await w.invoke();
          const c = process.cpuUsage(c0);
          cpu[e]![p]!.push((c.user + c.system) / 1000);
          tick();
        }
      }
    }
    await session.post('Profiler.enable');
    await session.post('Profiler.setSamplingInterval', { interval: 250 });
    for (let p = 0; p < paths; p++) {
      const w = envs[0]!.workloads[p]!;
      await session.post('Profiler.start');
      for (let i = 0; i < opts.invocations; i++) await w.invoke();
      const { profile } = await session.post('Profiler.stop');
      tick();
      const summary = summarizeProfile(profile as unknown as CpuProfile, { projectRoot: opts.projectRoot, locate: locateWithSourceMaps });
      const mib = (w.bytes * opts.invocations) / MiB;
      const ms = median(cpu[0]![p]!);
      results.push({
        path: w.path,
        invocations: opts.invocations,
        bytesPerInvocation: w.bytes,
        cpuMsPerMiB: ms / mib,
        cpuMsPerInvocation: ms / opts.invocations,
        cpuMsPerMiBWithoutSdkLogFilter: median(cpu[1]![p]!) / mib,
        fakeShare: summary.categories['bench harness'] ?? 0,
        profile: summary,
      });
    }
  } finally {
    await session.post('Profiler.disable').catch(() => undefined);
    session.disconnect();
    for (const env of envs) env.close();
  }
  return results;
}
