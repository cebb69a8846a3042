// A processor on the platform: a topology registered under its application id, its
// internal topics created, and every task run by TaskRunner (task.ts). Any number of
// instances may run the same processor: each task's commit is conditional on the task
// item's version, so when two run one task, one batch commits and the other runs again
// from what is committed. Nothing is restored on start: state lives in DynamoDB.
//
//   const runtime = await ProcessorRuntime.create(log, topology, { 'application.id': 'wc' }, 'wordCount.ts');
//   await runtime.runOnce();          // every task until caught up (new input: a dispatcher tick)
//   const { wakeAt } = await runtime.tick();   // wall-clock tick: only the tasks that are due
//
// Wall-clock closing. A quiet input still closes its windows: each committed batch leaves
// on its task item the wall-clock time at which a batch with no records next has work
// (wakeAt: a suppressed window closing as idle advance moves stream time on, an unjoined
// record of an outer join to emit, a wall-clock punctuator, a window to expire). tick()
// runs exactly the tasks whose wakeAt has come, each as an ordinary batch (its outputs,
// state and new wakeAt commit in one transaction, so a crash in a tick is as harmless as
// in any batch), and answers the earliest wakeAt left, so a timer (the dev server's) or a
// schedule (CDK) calls tick() again only then. nextWakeAt() answers the same without
// running anything; Processors.describe shows it per task, from the tables alone.
import { TopicAlreadyExistsError } from '../../core/errors.ts';
import { inParallel } from '../../core/parallel.ts';
import type { Log } from '../../log/index.ts';
import type { StreamsConfig } from '../engine/config.ts';
import { StreamsEngine } from '../engine/engine.ts';
import type { Topology } from '../engine/topology.ts';
import { taskKey, type TaskId } from '../engine/types.ts';
import { earliestWake, Processors } from '../service.ts';
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
    if ((await this.processors.store.require(this.name)).stopped) return {};
    return this.passes({});
  }

  private async passes(outcomes: Record<string, TaskOutcome>): Promise<Record<string, TaskOutcome>> {
    for (let pass = 0; pass < 1 + this.engine.plan.subtopologies.length; pass++) {
      if (!(await this.runTasks(this.engine.tasks(), outcomes))) break;
    }
    return outcomes;
  }

  /**
   * The wall-clock tick of a quiet processor: runs each task whose wakeAt has come (what
   * it does and commits is an ordinary batch with whatever input it finds), then, when the
   * topology has several sub-topologies, every task as runOnce does, since what a due task
   * emitted may be input of a later one (through an internal topic). Answers what ran and the
   * earliest wakeAt left (undefined: nothing waits for the clock; new input is the
   * dispatcher's, which calls runOnce).
   */
  async tick(): Promise<{ outcomes: Record<string, TaskOutcome>; wakeAt?: number }> {
    const now = (this.opts.now ?? Date.now)();
    const { incarnation, stopped } = await this.processors.store.require(this.name);
    if (stopped) return { outcomes: {} };
    const tasks = await this.processors.store.tasks(this.name, incarnation);
    const due = tasks.filter((t) => t.wakeAt !== undefined && t.wakeAt <= now).map((t) => t.task);
    const outcomes: Record<string, TaskOutcome> = {};
    if (due.length > 0) {
      await this.runTasks(due, outcomes);
      if (this.engine.plan.subtopologies.length > 1) await this.passes(outcomes);
    }
    // The tasks read are still current unless some ran.
    const wakeAt = earliestWake(due.length > 0 ? await this.processors.store.tasks(this.name, incarnation) : tasks);
    return { outcomes, ...(wakeAt !== undefined ? { wakeAt } : {}) };
  }

  /** The earliest wall-clock time at which tick() has work (undefined: none waits for the clock). */
  nextWakeAt(): Promise<number | undefined> {
    return this.processors.nextWakeAt(this.name);
  }

  /** Runs the tasks until caught up, adding up their records; whether any consumed records. */
  private async runTasks(tasks: readonly TaskId[], outcomes: Record<string, TaskOutcome>): Promise<boolean> {
    let moved = false;
    await inParallel(tasks, this.opts.concurrency ?? 4, async (task) => {
      const outcome = await (await this.runner(task)).runTask();
      const key = taskKey(task);
      const before = outcomes[key];
      if (outcome.status === 'caught-up' && outcome.records > 0) moved = true;
      outcomes[key] = outcome.status === 'caught-up' && before?.status === 'caught-up' ? { ...outcome, records: before.records + outcome.records } : outcome;
    });
    return moved;
  }
}
