// Processors in the local dev server: `sluice processors run ./topology.ts` (POST
// /v1/processors {"entry"}) loads a topology module (lib/streams/runtime/module.ts) from
// the directories the server allows modules from, registers it (host 'dev' in the
// processors table) and runs it in-process with the platform's ProcessorRuntime: a pass
// (runOnce: every task until caught up) whenever a head moves (the partitions stream
// poller tells us) and on a timer (wall-clock punctuation, idle windows). Passes of one
// processor never overlap; a request for one while one runs makes one more afterwards.
//
// Hot reload: the entry file's directory is watched; when the file changes it is imported
// afresh (a new module URL) and the new topology takes over from the committed positions
// and state once the running pass has ended. Nothing is restored: state is in DynamoDB.
// A file that no longer loads leaves the previous topology running and the error on the
// processor (lastError). Only the entry file is reloaded; modules it imports stay cached.
//
// A restarted dev server runs again every processor whose host is 'dev'. A stopped one
// (`sluice processors stop`) is loaded but runs nothing until started: the runtime checks
// the processor's `stopped` flag before each pass.
import { watch, type FSWatcher } from 'node:fs';
import type { Logger } from '@aws-lambda-powertools/logger';
import { basename, dirname } from 'node:path';
import { InvalidConfigError, InvalidTargetError, SluiceError } from '../core/errors.ts';
import { checkModulePath, importablePath } from '../core/modulePaths.ts';
import type { Log } from '../log/index.ts';
import type { ProcessorSummary } from '../streams/service.ts';
import { Processors } from '../streams/service.ts';
import { importTopology, type LoadedTopology } from '../streams/runtime/module.ts';
import { ProcessorRuntime, type RuntimeOptions } from '../streams/runtime/processor.ts';
import { every, type Timer } from './timers.ts';

export const DEFAULT_PROCESSOR_TICK_MS = 1_000;
const RELOAD_DEBOUNCE_MS = 100;
/** Imports so far in this process: each load its own module URL (the cache is per process, not per server). */
let loads = 0;

export interface LocalProcessorsOptions {
  /** Every processor runs a pass at least this often (wall-clock time); default 1 s, 0: only on head moves. */
  tickIntervalMs?: number;
  /** Reload a processor when its entry file changes (default true). */
  watch?: boolean;
  /** Runtime settings (batch size, retries). */
  runtime?: RuntimeOptions;
}

const messageOf = (err: unknown): string => (err instanceof Error ? err.message : String(err));
/** A load's failure as the processor's lastError. */
const loadError = (err: unknown) => ({ code: err instanceof SluiceError ? err.code : 'INVALID_CONFIG', message: messageOf(err), at: Date.now() });

/** One processor run from a module: its runtime (replaced on reload) and its passes. */
export class Hosted {
  private busy: Promise<void> | undefined;
  private again = false;
  /** A runtime replacing the current one at the start of the next pass (reload). */
  private next: ProcessorRuntime | undefined;
  private watcher: FSWatcher | undefined;
  private debounce: NodeJS.Timeout | undefined;
  closed = false;

  constructor(
    readonly path: string,
    public runtime: ProcessorRuntime,
    private readonly logger: Logger,
  ) {}

  /** Runs a pass; resolves once a pass that started after this call has ended. */
  pass(): Promise<void> {
    if (this.busy) {
      this.again = true;
      return this.busy;
    }
    this.busy = this.loop();
    return this.busy;
  }

  private async loop(): Promise<void> {
    try {
      do {
        this.again = false;
        this.swap();
        try {
          await this.runtime.runOnce();
        } catch (err) {
          this.logger.warn('processor pass failed', { processor: this.runtime.name, error: messageOf(err) });
        }
      } while (this.again && !this.closed);
    } finally {
      // In the same step as the last check of `again`: a pass() after it starts a new loop.
      this.busy = undefined;
    }
  }

  /** Calls `changed` (debounced) when the entry file changes; the directory is watched, as editors replace files. */
  watch(changed: () => void): void {
    const file = basename(this.path);
    this.watcher = watch(dirname(this.path), (_event, name) => {
      if (name !== file || this.closed) return;
      clearTimeout(this.debounce);
      this.debounce = setTimeout(changed, RELOAD_DEBOUNCE_MS);
    });
    this.watcher.on('error', (err) => this.logger.warn('cannot watch processor module', { path: this.path, error: messageOf(err) }));
  }

  /** Waits for the pass in progress, then stops passing and watching. */
  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.debounce);
    this.watcher?.close();
    await this.busy;
  }

  /**
   * Swaps in a new runtime once the pass in progress has ended: every pass that starts
   * after this call runs it, the repeat of a running loop included.
   */
  async replace(runtime: ProcessorRuntime): Promise<void> {
    this.next = runtime;
    await this.busy;
    this.swap();
  }

  private swap(): void {
    if (!this.next) return;
    this.runtime = this.next;
    this.next = undefined;
  }
}

export class LocalProcessors {
  private readonly hosted = new Map<string, Hosted>();
  private readonly processors: Processors;
  private readonly ticks: Timer;

  constructor(
    private readonly log: Log,
    private readonly logger: Logger,
    private readonly moduleDirs: readonly string[],
    private readonly opts: LocalProcessorsOptions = {},
  ) {
    this.processors = new Processors(log.clients);
    this.ticks = every(
      opts.tickIntervalMs ?? DEFAULT_PROCESSOR_TICK_MS,
      () => this.settle(),
      (err) => logger.warn('processor tick failed', { error: messageOf(err) }),
    );
  }

  /** POST /v1/processors: loads the module at `entry`, registers its processor and runs it. */
  async run(entry: unknown): Promise<ProcessorSummary> {
    if (typeof entry !== 'string' || entry.length === 0) {
      throw new InvalidTargetError("'entry' must be the path of a topology module.", { fields: ['entry'] });
    }
    const path = checkModulePath(entry, { dirs: this.moduleDirs, cwd: process.cwd(), field: 'entry' });
    const loaded = await this.load(path);
    const runtime = await this.runtimeOf(loaded, path);
    await this.processors.start(runtime.name);
    await this.host(path, runtime);
    return this.processors.summary(runtime.name);
  }

  /** Runs again the processors a previous dev server ran (host 'dev'); one that no longer loads keeps its error. */
  async resume(): Promise<void> {
    for (const record of await this.processors.store.list()) {
      if (record.host !== 'dev' || this.hosted.has(record.name)) continue;
      try {
        const path = checkModulePath(record.entry, { dirs: this.moduleDirs, cwd: process.cwd(), field: 'entry' });
        await this.host(path, await this.runtimeOf(await this.load(path), path));
      } catch (err) {
        this.logger.warn('processor not resumed', { processor: record.name, entry: record.entry, error: messageOf(err) });
        await this.processors.store.recordError(record.name, loadError(err));
      }
    }
  }

  /** A head moved: every processor runs a pass (those with nothing to read return at once). */
  kick(): void {
    for (const h of this.hosted.values()) void h.pass();
  }

  /** Runs a pass of every processor and waits until each has ended. */
  async settle(): Promise<void> {
    await Promise.all([...this.hosted.values()].map((h) => h.pass()));
  }

  /** The names of the processors this server runs. */
  names(): string[] {
    return [...this.hosted.keys()];
  }

  async stop(): Promise<void> {
    await this.ticks.stop();
    await Promise.all([...this.hosted.values()].map((h) => h.close()));
    this.hosted.clear();
  }

  /** Imports the module afresh (each load its own URL, so a changed file is read again). */
  private async load(path: string): Promise<LoadedTopology> {
    let real: string;
    try {
      real = await importablePath(path, this.moduleDirs);
    } catch (err) {
      throw new InvalidTargetError(`'entry' ${path}: ${messageOf(err)}`, { fields: ['entry'] });
    }
    try {
      return await importTopology(real, ++loads);
    } catch (err) {
      if (err instanceof SluiceError) throw err;
      throw new InvalidConfigError(`The topology module ${path} failed to load: ${messageOf(err)}`, { entry: path });
    }
  }

  private runtimeOf(loaded: LoadedTopology, path: string): Promise<ProcessorRuntime> {
    return ProcessorRuntime.create(this.log, loaded.topology, loaded.config, path, { ...this.opts.runtime, host: 'dev' });
  }

  /** Runs `runtime` (replacing a processor of the same name), watching its file. */
  private async host(path: string, runtime: ProcessorRuntime): Promise<void> {
    await this.hosted.get(runtime.name)?.close();
    const hosted = new Hosted(path, runtime, this.logger);
    this.hosted.set(runtime.name, hosted);
    if (this.opts.watch ?? true) hosted.watch(() => void this.reload(hosted));
    void hosted.pass();
  }

  /** The entry file changed: the new topology takes over from the committed positions. */
  private async reload(hosted: Hosted): Promise<void> {
    if (hosted.closed) return;
    const name = hosted.runtime.name;
    try {
      const runtime = await this.runtimeOf(await this.load(hosted.path), hosted.path);
      if (runtime.name !== name) {
        // A new application.id is a new processor; the old one stays registered, no longer run here.
        await hosted.close();
        this.hosted.delete(name);
        await this.host(hosted.path, runtime);
      } else {
        await hosted.replace(runtime);
        void hosted.pass();
      }
      this.logger.info('processor reloaded', { processor: runtime.name, entry: hosted.path });
    } catch (err) {
      this.logger.warn('processor reload failed; the previous topology keeps running', { processor: name, error: messageOf(err) });
      await this.processors.store.recordError(name, loadError(err)).catch(() => {});
    }
  }
}
