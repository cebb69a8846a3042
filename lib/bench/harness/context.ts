// What the sections of a run share: the API under test, and when the suite started the
// local platform itself, that platform (dev server, its storage clients, the meter and
// timers tapped onto them, the server-side duration of each request); the progress line;
// and the topics the run created.
import { randomBytes } from 'node:crypto';
import type { HttpClient } from '../../client/index.ts';
import type { DevServer } from '../../local/devServer.ts';
import type { Meter } from './meter.ts';
import type { Progress } from './progress.ts';
import type { StorageSpans } from './spans.ts';

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

/** The local platform the suite started, with what it measures on it. */
export interface LocalPlatform {
  server: DevServer;
  /** Counts and prices every storage call of the server's clients while unpaused. */
  meter: Meter;
  /** Storage time of work done in this process on the server's clients. */
  spans: StorageSpans;
  timings: ServerTimings;
}

export interface BenchContext {
  /** The API under test; absent while the sections that need none run (where: 'process'). */
  http?: HttpClient;
  /** Present when the suite started the local platform itself. */
  local?: LocalPlatform;
  progress: Progress;
  quick: boolean;
  /** Unique suffix for this run's topic names. */
  runId: string;
  /** Topics this run created (deleted afterwards when running against an endpoint). */
  topics: string[];
}

export const newRunId = (): string => `${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;

/** The API, for a section that runs over HTTP. */
export function api(ctx: BenchContext): HttpClient {
  if (!ctx.http) throw new Error('this section runs over HTTP, but no API was given to it');
  return ctx.http;
}

/** The local platform, for a section that needs it (where: 'local'). */
export function localPlatform(ctx: BenchContext): LocalPlatform {
  if (!ctx.local) throw new Error('this section needs the local platform');
  return ctx.local;
}
