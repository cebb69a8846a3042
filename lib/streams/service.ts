// The processors as the platform serves them: definitions and status (list, describe),
// reset, and interactive queries, each from the processors table and the state table
// alone. No user code runs here: a store's key and value formats come from the
// processor's definition (describe.ts), so the API's functions answer
//
//   GET /v1/processors/{name}/stores/{store}/keys/{key}            -> get()
//   GET /v1/processors/{name}/stores/{store}/keys/{key}/windows    -> windows()
//   range reads of ordered stores                                  -> range()
//
// from any instance, for a key of any partition: state lives in DynamoDB, so there is no
// RPC to the instance that owns the key (Kafka Streams' interactive queries need one).
// Reads are read-committed: what the last committed batch of each task left.
//
// Wall-clock closing: each task item keeps when a tick with no new input next has work
// (wakeAt, see runtime/processor.ts); describe shows it and due() lists the processors
// whose time has come, so a schedule invokes only those.
//
// Expired windows are hidden by the stream time of the store's tasks: the lowest among
// the tasks that processed anything, so a window still alive in a task that lags is never
// hidden (one expired in a task ahead may show until that task's expiry deletes it).
import { UnknownStateStoreError } from '../core/errors.ts';
import type { TableClients } from '../storage/tables.ts';
import { describeTopology, type StoreDescription, type TopologyDescription } from './describe.ts';
import type { StreamsEngine } from './engine/engine.ts';
import type { StoreSpec } from './engine/topology.ts';
import { taskKey } from './engine/types.ts';
import { lagOf, type PartitionLag } from './lag.ts';
import { keyFromText, rangeLimit, toJson, validateProcessorName, validateStoreName, windowRange } from './schema.ts';
import { serdeOfFormat } from './serdes.ts';
import { DynamoStoreBackend } from './stores/dynamo/backend.ts';
import { purgeState } from './stores/dynamo/purge.ts';
import { StoreReader } from './stores/query.ts';
import { ProcessorStore, type ProcessorError, type ProcessorRecord, type TaskRecord } from './store.ts';

export interface ProcessorSummary {
  name: string;
  entry: string;
  inputs: string[];
  outputs: string[];
  /** STOPPED after stop() until start(): no runtime runs its tasks. */
  state: 'RUNNING' | 'STOPPED';
  lastError?: ProcessorError;
}

export interface PartitionPosition {
  topic: string;
  partition: number;
  /** The next offset to process. */
  offset: number;
}

export interface TaskStatus {
  task: string;
  streamTime: number;
  positions: PartitionPosition[];
  metrics: Record<string, number>;
  updatedAt?: number;
  lastError?: ProcessorError;
  /** When a tick with no new input next has work for the task (a window to close, a wall-clock punctuator). */
  wakeAt?: number;
}

export interface ProcessorDescription extends ProcessorSummary {
  incarnation: string;
  internalTopics: TopologyDescription['internalTopics'];
  stores: Array<Pick<StoreDescription, 'name' | 'kind' | 'keyFormat' | 'valueFormat' | 'windowSize' | 'retentionMs'>>;
  tasks: TaskStatus[];
  /** Per input partition (internal topics included), the next offset to process. */
  positions: PartitionPosition[];
  /** Per input partition (internal topics included): position, high watermark and lag. */
  lag: PartitionLag[];
  /** The earliest wakeAt of its tasks: when the processor's wall-clock tick next has work. */
  wakeAt?: number;
}

function summaryOf(r: ProcessorRecord): ProcessorSummary {
  return {
    name: r.name,
    entry: r.entry,
    inputs: r.topology.inputs,
    outputs: r.topology.outputs,
    state: r.stopped ? 'STOPPED' : 'RUNNING',
    ...(r.lastError ? { lastError: r.lastError } : {}),
  };
}

function positionsOf(positions: Record<string, number>): PartitionPosition[] {
  return Object.entries(positions).map(([tp, offset]) => {
    const at = tp.lastIndexOf(':');
    return { topic: tp.slice(0, at), partition: Number(tp.slice(at + 1)), offset };
  });
}

function statusOf(t: TaskRecord): TaskStatus {
  return {
    task: taskKey(t.task),
    streamTime: t.state?.streamTime ?? -1,
    positions: positionsOf(t.state?.positions ?? {}),
    metrics: t.state?.metrics ?? {},
    ...(t.updatedAt !== undefined ? { updatedAt: t.updatedAt } : {}),
    ...(t.lastError ? { lastError: t.lastError } : {}),
    ...(t.wakeAt !== undefined ? { wakeAt: t.wakeAt } : {}),
  };
}

/** The earliest wake-up time of the tasks, if any has one. */
export function earliestWake(tasks: ReadonlyArray<{ wakeAt?: number }>): number | undefined {
  const times = tasks.flatMap((t) => (t.wakeAt === undefined ? [] : [t.wakeAt]));
  return times.length ? Math.min(...times) : undefined;
}

const byTopicPartition = (a: PartitionPosition, b: PartitionPosition) => (a.topic < b.topic ? -1 : a.topic > b.topic ? 1 : a.partition - b.partition);

export class Processors {
  readonly store: ProcessorStore;

  constructor(
    private readonly clients: TableClients,
    private readonly now: () => number = Date.now,
  ) {
    this.store = new ProcessorStore(clients);
  }

  /** Registers (or, on a new deployment, updates) the processor running this engine's topology from `entry`. */
  register(engine: StreamsEngine, entry: string, host?: 'dev'): Promise<ProcessorRecord> {
    return this.store.register({ name: engine.config.applicationId, entry, topology: describeTopology(engine), ...(host ? { host } : {}) }, this.now());
  }

  /**
   * Stops the processor: every runtime (dev server, long-running process, the deployed
   * dispatcher) checks this before each pass and leaves it alone, across restarts, until
   * start(). A batch already running commits; nothing is lost either way.
   */
  async stop(name: string): Promise<ProcessorSummary> {
    return summaryOf(await this.store.setStopped(validateProcessorName(name), true, this.now()));
  }

  /** Starts a stopped processor again, from its committed positions. */
  async start(name: string): Promise<ProcessorSummary> {
    return summaryOf(await this.store.setStopped(validateProcessorName(name), false, this.now()));
  }

  /** One processor's summary (UNKNOWN_PROCESSOR when there is none). */
  async summary(name: string): Promise<ProcessorSummary> {
    return summaryOf(await this.store.require(validateProcessorName(name)));
  }

  async list(): Promise<ProcessorSummary[]> {
    return (await this.store.list()).map(summaryOf);
  }

  async describe(name: string): Promise<ProcessorDescription> {
    const record = await this.store.require(validateProcessorName(name));
    const tasks = (await this.store.tasks(record.name, record.incarnation)).map(statusOf);
    const positions = tasks.flatMap((t) => t.positions).sort(byTopicPartition);
    const inputs = [...record.topology.inputs, ...record.topology.internalTopics.map((t) => t.name)];
    const lag = await lagOf(this.clients, inputs, new Map(positions.map((p) => [`${p.topic}:${p.partition}`, p.offset])));
    const wakeAt = earliestWake(tasks);
    return {
      ...summaryOf(record),
      incarnation: record.incarnation,
      internalTopics: record.topology.internalTopics,
      stores: record.topology.stores
        .filter((s) => s.queryable)
        .map(({ name: storeName, kind, keyFormat, valueFormat, windowSize, retentionMs }) => ({
          name: storeName,
          kind,
          keyFormat,
          valueFormat,
          ...(windowSize !== undefined ? { windowSize } : {}),
          ...(retentionMs !== undefined ? { retentionMs } : {}),
        })),
      tasks,
      positions,
      lag,
      ...(wakeAt !== undefined ? { wakeAt } : {}),
    };
  }

  /** When the processor's wall-clock tick next has work: the earliest wakeAt of its tasks (undefined: none). */
  async nextWakeAt(name: string): Promise<number | undefined> {
    const { incarnation } = await this.store.require(name);
    return earliestWake(await this.store.tasks(name, incarnation));
  }

  /**
   * The processors whose wall-clock tick has work at `now` (a task's wakeAt has come), with
   * that time: what a schedule reads to invoke ProcessorRuntime.tick() only where needed,
   * without loading any topology.
   */
  async due(now = this.now()): Promise<Array<{ name: string; wakeAt: number }>> {
    const out: Array<{ name: string; wakeAt: number }> = [];
    for (const record of await this.store.list()) {
      const wakeAt = earliestWake(await this.store.tasks(record.name, record.incarnation));
      if (wakeAt !== undefined && wakeAt <= now) out.push({ name: record.name, wakeAt });
    }
    return out;
  }

  /**
   * `sluice processors reset NAME` (like kafka-streams-application-reset): the processor
   * starts over from its starting offsets with empty stores. Its incarnation changes first
   * (from then on every task and store is new and empty), then the old incarnation's task
   * items and state are deleted. Meant for a stopped processor, as Kafka's tool is: an
   * instance still running a batch of the old incarnation commits it into the old
   * namespace, which a later reset (or this one run again) purges.
   */
  async reset(name: string): Promise<{ name: string; incarnation: string; deletedTasks: number; deletedStateItems: number }> {
    const processor = validateProcessorName(name);
    const { incarnation } = await this.store.newIncarnation(processor, this.now());
    const deletedTasks = await this.store.purgeTasks(processor, incarnation);
    const deletedStateItems = await purgeState(this.clients, processor, incarnation);
    return { name: processor, incarnation, deletedTasks, deletedStateItems };
  }

  /** A key-value store's value for a key: `{ key, value }`, or undefined when it has none. */
  async get(name: string, store: string, key: string): Promise<{ key: string; value: unknown } | undefined> {
    const { reader, keyFormat } = await this.reader(name, store, key);
    const found = await reader.get(keyFromText(keyFormat, key));
    return found ? { key, value: toJson(found.value) } : undefined;
  }

  /** A window or session store's windows of a key within [from, to] (epoch ms; query strings as given). */
  async windows(name: string, store: string, key: string, from?: unknown, to?: unknown): Promise<{ windows: Array<{ start: number; end: number; value: unknown }> }> {
    const range = windowRange(from, to);
    const { reader, keyFormat } = await this.reader(name, store, key);
    const windows = await reader.windows(keyFromText(keyFormat, key), range.from, range.to);
    return { windows: windows.map((w) => ({ start: w.start, end: w.end, value: toJson(w.value) })) };
  }

  /** An ordered store's entries with from <= key <= to, in key order, at most `limit`. */
  async range(name: string, store: string, q: { from?: string; to?: string; limit?: unknown } = {}): Promise<{ entries: Array<{ key: unknown; value: unknown }> }> {
    const limit = rangeLimit(q.limit);
    const { reader, keyFormat } = await this.reader(name, store);
    const bound = (text: string | undefined) => (text === undefined ? undefined : keyFromText(keyFormat, text));
    const entries = await reader.range(bound(q.from), bound(q.to), limit);
    const keySerde = serdeOfFormat(keyFormat);
    return { entries: entries.map((e) => ({ key: toJson(keySerde.deserialize(e.key)), value: toJson(e.value) })) };
  }

  /** A reader of the store as the processor's definition describes it (keys as bytes, decoded by format). */
  private async reader(name: string, store: string, key?: string) {
    const processor = validateProcessorName(name);
    const storeName = validateStoreName(store);
    // The key's length is checked before anything is read; its form once the format is known.
    if (key !== undefined) keyFromText('string', key);
    const record = await this.store.require(processor);
    const desc = record.topology.stores.find((s) => s.name === storeName && s.queryable);
    if (!desc) {
      throw new UnknownStateStoreError(`Processor '${processor}' has no queryable store '${storeName}'.`, { processor, store: storeName });
    }
    const tasks = await this.store.tasks(processor, record.incarnation);
    const started = tasks.filter((t) => t.task.subtopology === desc.subtopology && (t.state?.streamTime ?? -1) >= 0);
    const streamTime = started.length ? Math.min(...started.map((t) => t.state!.streamTime)) : -1;
    const sub = record.topology.subtopologies.find((s) => s.id === desc.subtopology);
    const taskKeys = Array.from({ length: sub?.partitions ?? 0 }, (_, partition) => taskKey({ subtopology: desc.subtopology, partition }));
    const spec: StoreSpec = {
      name: desc.name,
      kind: desc.kind,
      // Keys arrive as bytes (keyFromText); values are decoded by their format.
      keySerde: serdeOfFormat('bytes'),
      valueSerde: serdeOfFormat(desc.valueFormat),
      timestamped: desc.timestamped,
      ...(desc.windowSize !== undefined ? { windowSize: desc.windowSize } : {}),
      ...(desc.retentionMs !== undefined ? { retentionMs: desc.retentionMs } : {}),
      queryable: true,
    };
    const backend = new DynamoStoreBackend(this.clients, { application: processor, incarnation: record.incarnation });
    return { reader: new StoreReader<Uint8Array, unknown>(backend, spec, () => streamTime, taskKeys), keyFormat: desc.keyFormat };
  }
}
