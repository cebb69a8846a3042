// An in-memory runtime: topics as arrays, an InMemoryStoreBackend, task states in a map,
// and the same engine the platform runs. Each call processes a batch of one task and
// commits it whole (outputs appended, mutations applied, state saved), as the platform's
// transaction will; records written to topics the topology reads (its internal topics)
// are processed next, until nothing is left. The test driver is a facade over it.
//
// The state may live elsewhere (`options.state`: any StoreBackend with a way to commit
// mutations), which is how the DynamoDB backend is checked against the same topologies.
import { defaultPartition } from '../../records/index.ts';
import type { BatchResult } from '../engine/batch.ts';
import type { StreamsConfig } from '../engine/config.ts';
import { StreamsEngine, type BatchOptions } from '../engine/engine.ts';
import type { Topology } from '../engine/topology.ts';
import { partitionKey, taskKey, type InputRecord, type OutputRecord, type TaskId, type TaskState } from '../engine/types.ts';
import type { Mutation, StoreBackend } from '../stores/backend.ts';
import { InMemoryStoreBackend } from '../stores/memory.ts';

/** Where a runtime keeps its stores: a backend to read and a way to commit a batch's mutations. */
export interface StateStorage {
  backend: StoreBackend;
  commit(mutations: readonly Mutation[]): Promise<void>;
}

export interface RuntimeOptions {
  /** Partition counts of user topics (default 1 each). */
  partitions?: Record<string, number>;
  initialWallClockTime?: number;
  /** Records per batch when the runtime reads a backlog (default: all of it). */
  maxBatchRecords?: number;
  fits?: BatchOptions['fits'];
  /** The stores (default: in memory). */
  state?: StateStorage;
}

/** A record of a topic, with the order it was appended in across partitions. */
export interface LoggedRecord extends InputRecord {
  sequence: number;
}

export class MemoryRuntime {
  readonly backend: StoreBackend;
  /** The in-memory backend, when the stores are in memory (for dumps in tests). */
  readonly memory: InMemoryStoreBackend | undefined;
  private readonly storage: StateStorage;
  readonly engine: StreamsEngine;
  wallClockTime: number;
  private readonly logs = new Map<string, LoggedRecord[][]>();
  private readonly all = new Map<string, LoggedRecord[]>();
  private readonly states = new Map<string, TaskState>();
  private sequence = 0;
  private readonly produced = new Set<string>();

  constructor(
    topology: Topology,
    config: StreamsConfig,
    private readonly options: RuntimeOptions = {},
  ) {
    this.wallClockTime = options.initialWallClockTime ?? 0;
    if (options.state) {
      this.storage = options.state;
    } else {
      const memory = new InMemoryStoreBackend();
      this.memory = memory;
      this.storage = { backend: memory, commit: async (mutations) => memory.apply(mutations) };
    }
    this.backend = this.storage.backend;
    this.engine = new StreamsEngine(topology, config, (t) => options.partitions?.[t] ?? 1);
  }

  partitionsOf(topic: string): number {
    return this.engine.plan.partitionCount(topic) ?? this.options.partitions?.[topic] ?? 1;
  }

  /** Appends a record; its partition is the given one, else the key's (murmur2), else 0. */
  append(topic: string, r: Omit<OutputRecord, 'topic'>): LoggedRecord {
    const partition = r.partition ?? (r.key ? defaultPartition(r.key, this.partitionsOf(topic)) : 0);
    const logs = this.logs.get(topic) ?? [];
    this.logs.set(topic, logs);
    const log = (logs[partition] ??= []);
    const rec: LoggedRecord = { topic, partition, offset: log.length, timestamp: r.timestamp, key: r.key, value: r.value, headers: r.headers, sequence: this.sequence++ };
    log.push(rec);
    if (!this.all.has(topic)) this.all.set(topic, []);
    this.all.get(topic)!.push(rec);
    return rec;
  }

  /** Every record of a topic, in the order appended. */
  records(topic: string): readonly LoggedRecord[] {
    return this.all.get(topic) ?? [];
  }

  state(task: TaskId): TaskState | undefined {
    return this.states.get(taskKey(task));
  }

  /** Processes what is unread in one input partition, then whatever that produced for this topology. */
  async deliver(topic: string, partition: number): Promise<void> {
    const queue: Array<[string, number]> = [[topic, partition]];
    while (queue.length > 0) {
      const [t, p] = queue.shift()!;
      await this.drainPartition(t, p, queue);
    }
  }

  /** Appends a record to an input topic and processes it at once (as Kafka's TopologyTestDriver does). */
  async pipe(topic: string, r: Omit<OutputRecord, 'topic'>): Promise<LoggedRecord> {
    const rec = this.append(topic, r);
    await this.deliver(topic, rec.partition);
    return rec;
  }

  /** Moves the wall clock and gives every task a tick (a batch with no records). */
  async advanceWallClock(ms: number): Promise<void> {
    this.wallClockTime += ms;
    const queue: Array<[string, number]> = [];
    for (const task of this.engine.tasks()) {
      await this.runBatch(task, [], queue);
      while (queue.length > 0) {
        const [t, p] = queue.shift()!;
        await this.drainPartition(t, p, queue);
      }
    }
  }

  /** Topics records were written to by the topology. */
  producedTopics(): string[] {
    return [...this.produced].sort();
  }

  /** Sum of every task's counters. */
  metrics(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const s of this.states.values()) for (const [k, v] of Object.entries(s.metrics)) out[k] = (out[k] ?? 0) + v;
    return out;
  }

  /** The highest stream time among the tasks of the sub-topology that owns `store`. */
  streamTimeOfStore(store: string): number {
    const sub = this.engine.plan.subtopologies.find((s) => s.stores.includes(store));
    if (!sub) return -1;
    return Math.max(-1, ...this.engine.tasks().filter((t) => t.subtopology === sub.id).map((t) => this.state(t)?.streamTime ?? -1));
  }

  private unread(topic: string, partition: number, task: TaskId): LoggedRecord[] {
    const position = this.state(task)?.positions[partitionKey(topic, partition)] ?? 0;
    return (this.logs.get(topic)?.[partition] ?? []).slice(position);
  }

  private async drainPartition(topic: string, partition: number, queue: Array<[string, number]>): Promise<void> {
    const task = this.engine.taskFor(topic, partition);
    for (;;) {
      const unread = this.unread(topic, partition, task);
      if (unread.length === 0) return;
      const batch = unread.slice(0, this.options.maxBatchRecords ?? unread.length);
      await this.runBatch(task, batch, queue);
    }
  }

  private async runBatch(task: TaskId, records: readonly InputRecord[], queue: Array<[string, number]>): Promise<BatchResult> {
    for (;;) {
      const state = this.states.get(taskKey(task));
      const input = { task, records, wallClockTime: this.wallClockTime, ...(state ? { state } : {}) };
      const result = await this.engine.processBatch(input, this.backend, this.options.fits ? { fits: this.options.fits } : {});
      await this.commit(task, result, queue);
      if (result.error) throw result.error;
      if (!result.pending) return result;
      records = records.slice(result.consumed);
    }
  }

  private async commit(task: TaskId, result: BatchResult, queue: Array<[string, number]>): Promise<void> {
    await this.storage.commit(result.mutations);
    this.states.set(taskKey(task), result.state);
    for (const out of result.outputs) {
      const { topic, ...rest } = out;
      this.produced.add(topic);
      const rec = this.append(topic, rest);
      if (this.readsTopic(topic) && !queue.some(([t, p]) => t === topic && p === rec.partition)) queue.push([topic, rec.partition]);
    }
  }

  private readsTopic(topic: string): boolean {
    return this.engine.plan.subtopologies.some((s) => s.sourceTopics.includes(topic));
  }
}
