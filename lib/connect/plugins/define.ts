// The interface for writing connectors in TypeScript, built-in or custom: a sink takes
// records (put) and makes them durable (put, then flush); a source polls records and says
// where in its system they came from (source offsets), which Sluice commits together with
// the records. Both declare their settings as a ConfigDef, so they are validated like
// Kafka Connect's, before anything runs.
//
//   export default defineSinkConnector({
//     configDef: new ConfigDef().define({ name: 'url', type: 'STRING', importance: 'HIGH' }),
//     start: ({ config }) => ({ url: config.url as string }),        // the task's state
//     put: async (records, { state }) => { ... },                    // throw to fail the batch
//   });
//
//   export default defineSourceConnector({
//     configDef,
//     taskConfigs: (props, maxTasks) => [props],                     // one task per entry
//     poll: async ({ offsets, state }) => ({
//       records: [{ topic: 'events', value: 'x', sourcePartition: { file: 'a' }, sourceOffset: { line: 1 } }],
//     }),
//   });
//
// Errors: a RetriableException from put or poll is retried (errors.retry.timeout), anything
// else fails the task (its status shows the error). A sink reports a single bad record
// with `reportError` instead: with errors.tolerance=all it goes to the dead-letter topic.
import { ConfigDef, type ConfigKeyInput } from '../config/def.ts';
import type { RecordInput, SinkRecord, SourceMap } from '../data/record.ts';

export interface ConnectorLogger {
  info(message: string, details?: Record<string, unknown>): void;
  warn(message: string, details?: Record<string, unknown>): void;
  error(message: string, details?: Record<string, unknown>): void;
}

/** What a task is started with. */
export interface TaskStartContext {
  /** The connector's name. */
  readonly name: string;
  readonly taskId: number;
  /** The task's settings parsed by the connector's configDef. */
  readonly config: Readonly<Record<string, unknown>>;
  /** The task's settings as given (strings), everything included. */
  readonly props: Readonly<Record<string, string>>;
  readonly logger: ConnectorLogger;
}

/** What each call of a started task gets: the start context and the state start returned. */
export interface TaskContext<State> extends TaskStartContext {
  readonly state: State;
  /** Epoch ms now (a controllable clock in tests). */
  now(): number;
  /** Aborted when the invocation must end; long calls should stop early. */
  readonly signal?: AbortSignal;
}

export interface SinkTaskContext<State> extends TaskContext<State> {
  /**
   * Kafka's ErrantRecordReporter: this record could not be written. With
   * errors.tolerance=all it is dead-lettered and the batch goes on; with none the task
   * fails (this throws).
   */
  reportError(record: SinkRecord, error: unknown): Promise<void>;
}

/** A source record as a connector hands it over: Connect data with its source position. */
export interface SourceRecordInput extends RecordInput {
  sourcePartition?: SourceMap;
  sourceOffset?: SourceMap;
}

export interface SourceOffset {
  partition: SourceMap;
  /** null removes the stored offset (a tombstone). */
  offset: SourceMap | null;
}

export interface PollResult {
  records: SourceRecordInput[];
  /**
   * Offsets to commit with these records, beyond those the records carry (the last
   * sourceOffset per sourcePartition): for a poll that read past data it did not turn
   * into records.
   */
  sourceOffsets?: SourceOffset[];
}

export interface SourceTaskContext<State> extends TaskContext<State> {
  /** The committed offsets (Kafka's OffsetStorageReader). */
  readonly offsets: { get(partition: SourceMap): SourceMap | null };
}

/** What keep() gets: the connector's settings and committed offsets, no started task. */
export interface SourceKeepContext {
  readonly name: string;
  readonly props: Readonly<Record<string, string>>;
  readonly offsets: { get(partition: SourceMap): SourceMap | null };
  readonly logger: ConnectorLogger;
}

/** Settings as a ConfigDef, or as a map from name to definition. */
export type ConfigDefInput = ConfigDef | Record<string, Omit<ConfigKeyInput, 'name'>>;

interface CommonDefinition<State> {
  /** Shown by GET /v1/connector-plugins. */
  version?: string;
  configDef: ConfigDefInput;
  /** Errors beyond the configDef's, by setting name. */
  validate?(props: Readonly<Record<string, string>>): Record<string, string[]> | void;
  /**
   * The settings of each task, at most maxTasks (tasks.max) of them, merged over the
   * connector's. A source names its splits here (tables, files, shards), each task then
   * polling its own source partitions; without it a source runs one task. A sink's tasks
   * share its topic-partitions; without it a sink runs maxTasks tasks.
   */
  taskConfigs?(props: Readonly<Record<string, string>>, maxTasks: number): Record<string, string>[];
  start?(ctx: TaskStartContext): State | Promise<State>;
  stop?(ctx: TaskContext<State>): void | Promise<void>;
}

export interface SinkConnectorDefinition<State = undefined> extends CommonDefinition<State> {
  put(records: SinkRecord[], ctx: SinkTaskContext<State>): void | Promise<void>;
  /** Make everything put so far durable; called after put, before the offsets are committed. */
  flush?(ctx: SinkTaskContext<State>): void | Promise<void>;
}

export interface SourceConnectorDefinition<State = undefined> extends CommonDefinition<State> {
  poll(ctx: SourceTaskContext<State>): PollResult | null | Promise<PollResult | null>;
  /**
   * Kafka's SourceTask.commit: the records and offsets of the polls so far are committed.
   * A source that holds something upstream until then (a replication slot's position,
   * queue messages to delete) releases it here; never before.
   */
  commit?(ctx: SourceTaskContext<State>): void | Promise<void>;
  /**
   * Called on the runtime's schedule (at most once a minute) while the connector is
   * PAUSED or STOPPED and no task runs: a source that holds something upstream keeps it in
   * bounds here (a replication slot's retained WAL). Throwing fails the connector's task
   * with that error.
   */
  keep?(ctx: SourceKeepContext): void | Promise<void>;
  /**
   * Called when the connector is deleted, before its record and offsets go: a source that
   * holds something upstream for its position (a replication slot) releases it for good.
   * Throwing refuses the delete with that error (the connector stays, to be deleted again).
   */
  onDelete?(ctx: { readonly name: string; readonly props: Readonly<Record<string, string>> }): void | Promise<void>;
  /** KIP-875: check offsets a user sets while the connector is stopped; throw to refuse them. */
  alterOffsets?(props: Readonly<Record<string, string>>, offsets: readonly SourceOffset[]): void;
}

interface Defined {
  readonly version: string;
  readonly configDef: ConfigDef;
}

export type SinkConnector<State = unknown> = Omit<SinkConnectorDefinition<State>, 'configDef' | 'version'> & Defined & { readonly type: 'sink' };
export type SourceConnector<State = unknown> = Omit<SourceConnectorDefinition<State>, 'configDef' | 'version'> & Defined & { readonly type: 'source' };
export type Connector = SinkConnector | SourceConnector;

export function toConfigDef(input: ConfigDefInput): ConfigDef {
  if (input instanceof ConfigDef) return input;
  const def = new ConfigDef();
  for (const [name, key] of Object.entries(input)) def.define({ ...key, name });
  return def;
}

export function defineSinkConnector<State = undefined>(def: SinkConnectorDefinition<State>): SinkConnector<State> {
  return { ...def, type: 'sink', version: def.version ?? '1.0', configDef: toConfigDef(def.configDef) };
}

export function defineSourceConnector<State = undefined>(def: SourceConnectorDefinition<State>): SourceConnector<State> {
  return { ...def, type: 'source', version: def.version ?? '1.0', configDef: toConfigDef(def.configDef) };
}

/** A connector made by defineSinkConnector or defineSourceConnector (of any copy of this module). */
export const isConnector = (v: unknown): v is Connector => {
  const c = v as Partial<Connector> | null;
  if (typeof c !== 'object' || c === null || typeof c.configDef?.validate !== 'function') return false;
  return (c.type === 'sink' && typeof (c as SinkConnector).put === 'function') || (c.type === 'source' && typeof (c as SourceConnector).poll === 'function');
};
