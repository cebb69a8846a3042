// A processor on the platform: a topology registered under its application id, its
// internal topics created, and every task run by TaskRunner (task.ts). Any number of
// instances may run the same processor: each task's commit is conditional on the task
// item's version, so when two run one task, one batch commits and the other runs again
// from what is committed. Nothing is restored on start: state lives in DynamoDB.
//
//   const runtime = await ProcessorRuntime.create(log, topology, { 'application.id': 'wc' }, 'wordCount.ts');
//   await runtime.runOnce();          // every task until caught up (a dispatcher tick)
import { TopicAlreadyExistsError } from '../../core/errors.ts';
import { inParallel } from '../../core/parallel.ts';
import type { Log } from '../../log/index.ts';
import type { StreamsConfig } from '../engine/config.ts';
import { StreamsEngine } from '../engine/engine.ts';
import type { Topology } from '../engine/topology.ts';
import { taskKey, type TaskId } from '../engine/types.ts';
import { Processors } from '../service.ts';
import { DynamoStoreBackend } from '../stores/dynamo/backend.ts';
import { TaskRunner, type TaskOutcome, type TaskRunnerOptions } from './task.ts';

export interface RuntimeOptions extends TaskRunnerOptions {
  /** Tasks run at once (default 4). */
  concurrency?: number;
  /** Who runs it (ProcessorDefinition.host): 'dev' for the dev server. */
  host?: 'dev';
}

export class ProcessorRuntime {
  private constructor(
    private readonly log: Log,
    private readonly processors: Processors,
    readonly engine: StreamsEngine,
    private readonly opts: RuntimeOptions,
  ) {}

  /** Registers the topology as processor `config['application.id']` and creates its internal topics. */
  static async create(log: Log, topology: Topology, config: StreamsConfig, entry: string, opts: RuntimeOptions = {}): Promise<ProcessorRuntime> {
    const counts = new Map((await log.listTopics()).map((t) => [t.name, t.partitions]));
    const engine = new StreamsEngine(topology, config, (t) => counts.get(t));
    for (const t of engine.plan.internalTopics) {
      if (counts.has(t.name)) continue;
      try {
        await log.createTopic({ name: t.name, partitions: t.partitions });
      } catch (err) {
        if (!(err instanceof TopicAlreadyExistsError)) throw err;
      }
    }
    const processors = new Processors(log.clients, opts.now);
    await processors.register(engine, entry, opts.host);
    return new ProcessorRuntime(log, processors, engine, opts);
  }

  get name(): string {
    return this.engine.config.applicationId;
  }

  /** A runner of one task in the processor's current incarnation (read now, so a reset is followed). */
  async runner(task: TaskId): Promise<TaskRunner> {
    const { incarnation } = await this.processors.store.require(this.name);
    const backend = new DynamoStoreBackend(this.log.clients, { application: this.name, incarnation });
    const deps = { log: this.log, store: this.processors.store, backend, engine: this.engine, processor: this.name, incarnation };
    return new TaskRunner(deps, task, this.opts);
  }

  /**
   * Runs every task until it has caught up (or stopped on an error). Tasks of later
   * sub-topologies read what earlier ones wrote to internal topics, so passes repeat
   * until one moves nothing. A stopped processor (Processors.stop) runs nothing.
   */
  async runOnce(): Promise<Record<string, TaskOutcome>> {
    const outcomes: Record<string, TaskOutcome> = {};
    if ((await this.processors.store.require(this.name)).stopped) return outcomes;
    for (let pass = 0; pass < 1 + this.engine.plan.subtopologies.length; pass++) {
      let moved = false;
      await inParallel(this.engine.tasks(), this.opts.concurrency ?? 4, async (task) => {
        const outcome = await (await this.runner(task)).runTask();
        if (outcome.status === 'caught-up' && outcome.records > 0) moved = true;
        outcomes[taskKey(task)] = outcome;
      });
      if (!moved) break;
    }
    return outcomes;
  }
}
