// TopologyTestDriver: unit-test a topology without the platform, as with Kafka Streams'
// driver of the same name. Input topics take records (with timestamps) and process them
// at once, through the same engine the platform runs, committing each batch to an
// in-memory store backend; output topics are read in order; stores are read by name; the
// wall clock only moves when the test says so, and each move gives every task a tick, so
// wall-clock punctuators run and idle windows close.
import { InvalidRequestError } from '../../core/errors.ts';
import type { StreamsConfig } from '../engine/config.ts';
import type { Topology } from '../engine/topology.ts';
import { taskKey, type Header } from '../engine/types.ts';
import { Serdes, type Serde } from '../serdes.ts';
import { StoreReader, type QueriedWindow } from '../stores/query.ts';
import { MemoryRuntime, type LoggedRecord, type RuntimeOptions } from './memoryRuntime.ts';

export interface TestRecord<K, V> {
  key: K;
  value: V;
  timestamp: number;
  headers: Header[];
  partition: number;
}

export interface TestInputRecord<K, V> {
  key: K | null;
  value: V | null;
  timestamp?: number;
  headers?: Header[];
  partition?: number;
}

export class TestInputTopic<K, V> {
  private nextTimestamp: number;

  /** @internal */
  constructor(
    private readonly runtime: MemoryRuntime,
    readonly name: string,
    private readonly keySerde: Serde<K>,
    private readonly valueSerde: Serde<V>,
    startTimestamp: number,
    private readonly autoAdvanceMs: number,
  ) {
    this.nextTimestamp = startTimestamp;
  }

  /** Pipes one record; without a timestamp it gets the topic's current time (then advanced by autoAdvance). */
  async pipeInput(key: K | null, value: V | null, timestamp?: number): Promise<void> {
    await this.pipeRecord({ key, value, ...(timestamp === undefined ? {} : { timestamp }) });
  }

  async pipeRecord(r: TestInputRecord<K, V>): Promise<void> {
    let timestamp = r.timestamp;
    if (timestamp === undefined) {
      timestamp = this.nextTimestamp;
      this.nextTimestamp += this.autoAdvanceMs;
    }
    await this.runtime.pipe(this.name, {
      key: this.keySerde.serialize(r.key),
      value: this.valueSerde.serialize(r.value),
      timestamp,
      headers: r.headers ?? [],
      ...(r.partition === undefined ? {} : { partition: r.partition }),
    });
  }

  async pipeValueList(values: ReadonlyArray<V | null>): Promise<void> {
    for (const v of values) await this.pipeInput(null, v);
  }

  async pipeKeyValueList(pairs: ReadonlyArray<{ key: K | null; value: V | null }>): Promise<void> {
    for (const p of pairs) await this.pipeInput(p.key, p.value);
  }

  async pipeRecordList(records: ReadonlyArray<TestInputRecord<K, V>>): Promise<void> {
    for (const r of records) await this.pipeRecord(r);
  }

  advanceTime(ms: number): void {
    this.nextTimestamp += ms;
  }
}

export class TestOutputTopic<K, V> {
  private read = 0;

  /** @internal */
  constructor(
    private readonly runtime: MemoryRuntime,
    readonly name: string,
    private readonly keySerde: Serde<K>,
    private readonly valueSerde: Serde<V>,
  ) {}

  private decode(r: LoggedRecord): TestRecord<K, V> {
    return {
      key: this.keySerde.deserialize(r.key) as K,
      value: this.valueSerde.deserialize(r.value) as V,
      timestamp: r.timestamp,
      headers: r.headers ?? [],
      partition: r.partition,
    };
  }

  getQueueSize(): number {
    return this.runtime.records(this.name).length - this.read;
  }

  isEmpty(): boolean {
    return this.getQueueSize() === 0;
  }

  readRecord(): TestRecord<K, V> {
    const r = this.runtime.records(this.name)[this.read];
    if (!r) throw new InvalidRequestError(`output topic ${this.name} has no more records`);
    this.read += 1;
    return this.decode(r);
  }

  readKeyValue(): { key: K; value: V } {
    const { key, value } = this.readRecord();
    return { key, value };
  }

  readValue(): V {
    return this.readRecord().value;
  }

  readRecordsToList(): TestRecord<K, V>[] {
    const out: TestRecord<K, V>[] = [];
    while (!this.isEmpty()) out.push(this.readRecord());
    return out;
  }

  readKeyValuesToList(): Array<{ key: K; value: V }> {
    return this.readRecordsToList().map(({ key, value }) => ({ key, value }));
  }

  readValuesToList(): V[] {
    return this.readRecordsToList().map((r) => r.value);
  }

  /** The latest value per key (a null value removes the key), as a table would hold it. */
  readKeyValuesToMap(): Map<K, V> {
    const m = new Map<K, V>();
    for (const { key, value } of this.readKeyValuesToList()) {
      if (value === null) m.delete(key);
      else m.set(key, value);
    }
    return m;
  }
}

export interface DriverOptions extends RuntimeOptions {}

export class TopologyTestDriver {
  private readonly runtime: MemoryRuntime;

  constructor(topology: Topology, config: Partial<StreamsConfig> = {}, options: DriverOptions = {}) {
    this.runtime = new MemoryRuntime(topology, { 'application.id': 'test-app', ...config }, options);
  }

  createInputTopic<K = string, V = unknown>(
    name: string,
    keySerde: Serde<K> = Serdes.string() as unknown as Serde<K>,
    valueSerde: Serde<V> = Serdes.json<V>(),
    opts: { startTimestamp?: number; autoAdvanceMs?: number } = {},
  ): TestInputTopic<K, V> {
    return new TestInputTopic(this.runtime, name, keySerde, valueSerde, opts.startTimestamp ?? this.runtime.wallClockTime, opts.autoAdvanceMs ?? 0);
  }

  createOutputTopic<K = string, V = unknown>(name: string, keySerde: Serde<K> = Serdes.string() as unknown as Serde<K>, valueSerde: Serde<V> = Serdes.json<V>()): TestOutputTopic<K, V> {
    return new TestOutputTopic(this.runtime, name, keySerde, valueSerde);
  }

  /** Moves the wall clock on; every task gets a tick (wall-clock punctuators, idle window closes). */
  async advanceWallClockTime(ms: number): Promise<void> {
    if (!Number.isSafeInteger(ms) || ms < 0) throw new InvalidRequestError(`advance by a non-negative integer of ms, got ${ms}`);
    await this.runtime.advanceWallClock(ms);
  }

  private reader<K, V>(name: string): StoreReader<K, V> {
    const spec = this.runtime.engine.topology.store(name);
    const tasks = this.runtime.engine.tasks().map(taskKey);
    return new StoreReader<K, V>(this.runtime.backend, spec, () => this.runtime.streamTimeOfStore(name), tasks);
  }

  /** A key-value store (a table, an aggregate, a Processor API store): its values by key. */
  getKeyValueStore<K = string, V = unknown>(name: string) {
    const r = this.reader<K, V>(name);
    return { get: async (key: K): Promise<V | undefined> => (await r.get(key))?.value };
  }

  /** A DSL table or aggregate's store, with each value's timestamp. */
  getTimestampedKeyValueStore<K = string, V = unknown>(name: string) {
    const r = this.reader<K, V>(name);
    return { get: (key: K) => r.get(key) };
  }

  /** A window or session store: a key's windows that start in [from, to] (sessions: overlap it). */
  getWindowStore<K = string, V = unknown>(name: string) {
    const r = this.reader<K, V>(name);
    return { fetch: (key: K, from: number, to: number): Promise<QueriedWindow<V>[]> => r.windows(key, from, to) };
  }

  getSessionStore<K = string, V = unknown>(name: string) {
    return this.getWindowStore<K, V>(name);
  }

  /** Counters of all tasks (dropped-late:NODE, ...). */
  metrics(): Record<string, number> {
    return this.runtime.metrics();
  }

  /** Topics the topology wrote to, internal ones included. */
  producedTopicNames(): string[] {
    return this.runtime.producedTopics();
  }

  /** The in-memory runtime underneath (its backend, task states). */
  get internals(): MemoryRuntime {
    return this.runtime;
  }
}
