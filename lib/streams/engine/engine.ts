// The stream engine: a topology, its plan and its settings, and the one operation the
// runtime (and the test driver) needs: process a batch of one task. See batch.ts for the
// batch contract and stores/backend.ts for the StoreBackend contract.
import { InvalidRequestError } from '../../core/errors.ts';
import type { StoreBackend } from '../stores/backend.ts';
import { processBatch, type BatchResult } from './batch.ts';
import { engineConfig, type EngineConfig, type StreamsConfig } from './config.ts';
import { planTopology, type TopologyPlan } from './plan.ts';
import { TaskRun, type CommitUsage, type RunEnv } from './run.ts';
import type { NodeSpec, Topology } from './topology.ts';
import { initialTaskState, taskKey, type InputRecord, type TaskId, type TaskState } from './types.ts';

export interface BatchInput {
  task: TaskId;
  /** In processing order; per input partition in offset order. May be empty (a wall-clock tick). */
  records: readonly InputRecord[];
  /** The task's committed state; undefined for a task that never committed. */
  state?: TaskState;
  /** Now, for wall-clock punctuation and idle stream-time advance. */
  wallClockTime: number;
}

export interface BatchOptions {
  /** Whether a commit of this size fits one transaction; the batch stops before it would not. */
  fits?: (usage: CommitUsage) => boolean;
}

export class StreamsEngine {
  readonly plan: TopologyPlan;
  readonly config: EngineConfig;
  private readonly sources = new Map<number, Map<string, NodeSpec>>();

  constructor(
    readonly topology: Topology,
    config: StreamsConfig,
    /** Partition count of each user topic the topology reads (undefined: no such topic). */
    partitions: (topic: string) => number | undefined,
  ) {
    this.config = engineConfig(config);
    this.plan = planTopology(topology, { applicationId: this.config.applicationId, partitions });
    for (const sub of this.plan.subtopologies) {
      const byTopic = new Map<string, NodeSpec>();
      for (const name of sub.nodes) {
        const node = topology.node(name);
        for (const t of node.source?.topics ?? []) byTopic.set(this.plan.topicName(t), node);
      }
      this.sources.set(sub.id, byTopic);
    }
  }

  taskFor(topic: string, partition: number): TaskId {
    return this.plan.taskFor(topic, partition);
  }

  tasks(): TaskId[] {
    return this.plan.tasks();
  }

  /** Processes one batch of one task. Reads through `backend`; writes nothing anywhere. */
  async processBatch(input: BatchInput, backend: StoreBackend, options: BatchOptions = {}): Promise<BatchResult> {
    for (const r of input.records) {
      const owner = this.plan.taskFor(r.topic, r.partition);
      if (owner.subtopology !== input.task.subtopology || owner.partition !== input.task.partition) {
        throw new InvalidRequestError(`${r.topic}-${r.partition} belongs to task ${taskKey(owner)}, not ${taskKey(input.task)}`, {
          topic: r.topic,
          partition: r.partition,
        });
      }
    }
    return processBatch(this.env(input.task, input.wallClockTime, options), input.records, input.state, backend, this.sources.get(input.task.subtopology)!);
  }

  /**
   * The wall-clock time at which a batch with no records would do something for this task
   * (a wall-clock punctuator, or a window that idle advance would close), or undefined.
   * Each batch's result carries it too (BatchResult.wakeAt), for the state it leaves.
   */
  async wakeAt(task: TaskId, state: TaskState | undefined, backend: StoreBackend, now: number): Promise<number | undefined> {
    const run = new TaskRun(this.env(task, now, {}), state ?? initialTaskState(), backend);
    await run.open();
    const at = await run.wakeAt();
    await run.close();
    return at;
  }

  private env(task: TaskId, wallClockTime: number, options: BatchOptions): RunEnv {
    const sub = this.plan.subtopologies[task.subtopology];
    if (!sub || task.partition < 0 || task.partition >= sub.partitions) {
      throw new InvalidRequestError(`no task ${task.subtopology}_${task.partition} in this topology`, { task });
    }
    return {
      topology: this.topology,
      plan: this.plan,
      subtopology: sub,
      task,
      config: this.config,
      wallClockTime,
      ...(options.fits ? { fits: options.fits } : {}),
    };
  }
}
