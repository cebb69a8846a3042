// What the benchmark workloads share: the HTTP client, and when the bench started the
// platform itself, the dev server with its storage clients, the request meter on them,
// and the server-side duration of each request (from the dev server's access log).
import { randomBytes } from 'node:crypto';
import type { HttpClient } from '../../client/http.ts';
import type { DevServer } from '../../local/devServer.ts';
import { filler } from '../codec/measure.ts';
import { encodeBatch } from '../../records/index.ts';
import type { RecordInput } from '../../records/types.ts';
import type { Meter } from './meter.ts';
import type { Progress } from './progress.ts';

export const RECORD_BATCH_TYPE = 'application/vnd.kafka.recordbatch';

export interface ServerTiming {
  method: string;
  path: string;
  status: number;
  ms: number;
}

/** Collects the dev server's access-log lines while recording. */
export class ServerTimings {
  private entries: ServerTiming[] = [];
  private on = false;

  readonly accessLog = (line: string): void => {
    if (!this.on) return;
    const m = /^(\S+) (\S+) (\d+) (\d+)ms$/.exec(line);
    if (m) this.entries.push({ method: m[1]!, path: m[2]!, status: Number(m[3]), ms: Number(m[4]) });
  };

  /** Starts a fresh recording. */
  record(): void {
    this.entries = [];
    this.on = true;
  }

  /** Stops recording; the entries recorded. */
  stop(): ServerTiming[] {
    this.on = false;
    return this.entries;
  }
}

export interface BenchContext {
  http: HttpClient;
  /** Present when the bench started the local platform itself. */
  local?: { server: DevServer; meter: Meter; timings: ServerTimings };
  progress: Progress;
  quick: boolean;
  /** Unique suffix for this run's topic names. */
  runId: string;
  /** Topics this run created (deleted afterwards when running against an endpoint). */
  topics: string[];
}

export const newRunId = (): string => `${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;

export { filler };

/** A JSON document of exactly `n` bytes (n >= 16), as a JSON-speaking producer would send. */
export function jsonValue(n: number, i: number): Buffer {
  const head = `{"i":${i},"pad":"`;
  const tail = '"}';
  const pad = Math.max(0, n - head.length - tail.length);
  return Buffer.from(`${head}${'x'.repeat(pad)}${tail}`, 'utf8');
}

/** `count` records of `valueBytes` (16-byte keys) encoded as one RecordBatch v2. */
export function makeBatch(count: number, valueBytes: number, seed: number, value: 'binary' | 'json' = 'binary'): Buffer {
  const t0 = 1_750_000_000_000;
  const records: RecordInput[] = Array.from({ length: count }, (_, i) => ({
    key: filler(16, seed * 7919 + i + 1),
    value: value === 'json' ? jsonValue(valueBytes, seed * 100_000 + i) : filler(valueBytes, seed * 104_729 + i + 1),
    timestamp: t0 + i,
  }));
  return encodeBatch({ records });
}

/** The most records of `valueBytes` whose batch stays within `maxBytes`. */
export function recordsThatFit(maxBytes: number, valueBytes: number): number {
  const one = makeBatch(1, valueBytes, 1).length;
  const two = makeBatch(2, valueBytes, 1).length;
  const per = two - one;
  let n = Math.max(1, Math.floor((maxBytes - (one - per)) / per));
  while (n > 1 && makeBatch(n, valueBytes, 1).length > maxBytes) n--;
  return n;
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Runs `fn` for workers 0..workers-1 concurrently. */
export async function concurrently(workers: number, fn: (worker: number) => Promise<void>): Promise<void> {
  await Promise.all(Array.from({ length: workers }, (_, w) => fn(w)));
}
