// A processor as a long-running process (a container, a VM, a developer's shell): the
// same ProcessorRuntime as the dev server and the deployed dispatcher, driven by a loop.
//
//   const app = new StreamsApp(wordCount(), { 'application.id': 'word-count' });
//   await app.start();      // registers the processor, then runs passes in the background
//   ...
//   await app.stop();       // lets the pass in progress commit (or not), then returns
//
// Each pass runs every task until it has caught up (runOnce). After a pass that moved
// records the next follows at once; after an idle one the loop waits, doubling the wait
// from idle.minMs up to idle.maxMs, and a pass that moves records again resets it. An
// idle pass is also the wall-clock tick that closes idle windows and runs wall-clock
// punctuators. A stopped processor (`sluice processors stop`) makes every pass idle.
//
// Any number of instances may run one processor (for availability or throughput): each
// task's commit is conditional on the version it read, so a batch commits once, and an
// instance killed at any point (even mid-batch) leaves nothing to restore or repair: the
// others carry on from what is committed. Storage comes from the environment the
// platform's functions read (SLUICE_TABLE_*, SLUICE_BUCKET; AWS credentials and region as
// for any AWS SDK client), or is given as `clients`.
import { sleep } from '../../core/time.ts';
import { Log } from '../../log/index.ts';
import { storageClientsFromEnv, type StorageClients } from '../../log/clientsFromEnv.ts';
import type { StreamsConfig } from '../engine/config.ts';
import type { Topology } from '../engine/topology.ts';
import { ProcessorRuntime, type RuntimeOptions } from './processor.ts';

export interface StreamsAppOptions extends RuntimeOptions {
  /** The platform's storage (default: from the environment). */
  clients?: StorageClients;
  /** What describe shows as the processor's entry (default 'process'). */
  entry?: string;
  /** Waits between idle passes: from minMs, doubling to maxMs (defaults 50 ms and 1 s). */
  idle?: { minMs: number; maxMs: number };
  /** Told of a pass that failed as a whole (storage unreachable, ...); the loop backs off and goes on. */
  onError?: (err: unknown) => void;
}

export class StreamsApp {
  private runtime: ProcessorRuntime | undefined;
  private loop: Promise<void> | undefined;
  private readonly abort = new AbortController();

  constructor(
    private readonly topology: Topology,
    private readonly config: StreamsConfig,
    private readonly opts: StreamsAppOptions = {},
  ) {}

  /** Registers the processor (and its internal topics), then runs it until stop(). */
  async start(): Promise<void> {
    if (this.runtime) throw new Error('this StreamsApp has already been started');
    const log = new Log(this.opts.clients ?? storageClientsFromEnv());
    this.runtime = await ProcessorRuntime.create(log, this.topology, this.config, this.opts.entry ?? 'process', this.opts);
    this.loop = this.run(this.runtime);
  }

  /** Stops after the pass in progress; resolves when the loop has ended. */
  async stop(): Promise<void> {
    this.abort.abort();
    await this.loop;
  }

  /** The processor's name (its application.id). */
  get name(): string {
    return this.config['application.id'];
  }

  private async run(runtime: ProcessorRuntime): Promise<void> {
    const { minMs, maxMs } = this.opts.idle ?? { minMs: 50, maxMs: 1_000 };
    let wait = minMs;
    while (!this.abort.signal.aborted) {
      let moved = false;
      try {
        const outcomes = Object.values(await runtime.runOnce());
        moved = outcomes.some((o) => o.status === 'caught-up' && o.records > 0);
      } catch (err) {
        this.opts.onError?.(err);
      }
      if (moved) {
        wait = minMs;
        continue;
      }
      await sleep(wait, this.abort.signal).catch(() => {});
      wait = Math.min(maxMs, wait * 2);
    }
  }
}
