// The processors' items: definitions and per-task status. Store items themselves live in
// the `state` table (stores/dynamo/); this table says which processors exist, what their
// topology reads, writes and keeps (describe.ts), which incarnation their state lives
// under, and each task's committed state (input positions, stream time, punctuations,
// counters) with its last error.
//
// Items in the `processors` table (PK pk, SK sk):
//
//   pk = 'processor'        sk = '{name}'                        the definition
//     entry (the topology module), topology (JSON: describe.ts), incarnation,
//     createdAt, updatedAt, lastError (JSON, a failure of the processor as a whole),
//     stopped (BOOL, set by `sluice processors stop`: every runtime leaves it alone until
//     started again), host ('dev' when the dev server runs it from a module, so a
//     restarted dev server runs it again)
//   pk = 'tasks#{name}'     sk = '{incarnation}#{subtopology}_{partition}'   a task
//     state (JSON TaskState: per input partition the next offset, stream time, ...),
//     ver (1 on the first commit, +1 on each), updatedAt, lastError (JSON),
//     wakeAt (epoch ms: when a tick with no new input next has work, e.g. a window to
//     close or a wall-clock punctuator; absent when nothing waits for the clock)
//     A missing task (or one without state) has committed nothing: it starts at the
//     processor's starting offsets with empty stores.
//
// The task item is the processor's cursor: the runtime commits it in the same
// transaction as the batch's outputs and state writes (taskWrite), conditional on the
// version it read, so two instances running one task cannot both commit a batch. A reset
// gives the processor a new incarnation: its tasks and stores start empty at once (new
// keys everywhere), and the old incarnation's items are purged afterwards.
//
// Processor names are application ids ([a-zA-Z0-9._-]) and incarnations hex: keys never
// collide.
import { randomBytes } from 'node:crypto';
import { UpdateItemCommand, type TransactWriteItem } from '@aws-sdk/client-dynamodb';
import { UnknownProcessorError } from '../core/errors.ts';
import type { ProcessorErrorInfo } from '../core/wire.ts';
import { batchWrite, conditional, getItem, N, num, queryAll, S, str, type Item } from '../storage/dynamo.ts';
import type { TableClients } from '../storage/tables.ts';
import type { TopologyDescription } from './describe.ts';
import { taskKey, type TaskId, type TaskState } from './engine/types.ts';

const DEFINITIONS = 'processor';
const tasksPk = (name: string) => `tasks#${name}`;
const taskSk = (incarnation: string, task: TaskId) => `${incarnation}#${taskKey(task)}`;

export interface ProcessorDefinition {
  name: string;
  /** Where the topology comes from: a module path (dev server) or the bundle's entry (CDK). */
  entry: string;
  topology: TopologyDescription;
  /** Who runs it from its entry: 'dev' (the dev server, from a module path). Kept when not given. */
  host?: 'dev';
}

/** A failure as status shows it: the error's code and message, when, and where if known. */
export type ProcessorError = ProcessorErrorInfo;

export interface ProcessorRecord extends ProcessorDefinition {
  incarnation: string;
  createdAt: number;
  updatedAt: number;
  lastError?: ProcessorError;
  /** Stopped by `sluice processors stop`: no runtime runs its tasks until it is started. */
  stopped: boolean;
}

export interface TaskRecord {
  task: TaskId;
  /** Undefined until the task's first commit. */
  state?: TaskState;
  /** The version to make the next commit conditional on (null: never committed). */
  version: number | null;
  updatedAt?: number;
  lastError?: ProcessorError;
  /** The id of the transaction that committed the task last ('' when none said). */
  receipt?: string;
  /** When a tick with no new input next has work for the task (BatchResult.wakeAt). */
  wakeAt?: number;
}

const newIncarnation = (): string => randomBytes(8).toString('hex');
const json = <T>(v: Item[string] | undefined): T | undefined => (v?.S ? (JSON.parse(v.S) as T) : undefined);

function recordOf(item: Item): ProcessorRecord {
  const lastError = json<ProcessorError>(item.lastError);
  return {
    name: str(item.sk),
    entry: str(item.entry),
    topology: json<TopologyDescription>(item.topology)!,
    incarnation: str(item.incarnation),
    createdAt: num(item.createdAt),
    updatedAt: num(item.updatedAt),
    ...(lastError ? { lastError } : {}),
    stopped: item.stopped?.BOOL === true,
    ...(item.host?.S === 'dev' ? { host: 'dev' as const } : {}),
  };
}

function parseTaskKey(key: string): TaskId {
  const [subtopology, partition] = key.split('_').map(Number);
  return { subtopology: subtopology!, partition: partition! };
}

function taskOf(item: Item): TaskRecord {
  const state = json<TaskState>(item.state);
  const lastError = json<ProcessorError>(item.lastError);
  return {
    task: parseTaskKey(str(item.sk).split('#')[1]!),
    ...(state ? { state } : {}),
    version: item.ver?.N === undefined ? null : num(item.ver),
    ...(item.updatedAt ? { updatedAt: num(item.updatedAt) } : {}),
    ...(lastError ? { lastError } : {}),
    ...(item.txn?.S !== undefined ? { receipt: item.txn.S } : {}),
    ...(item.wakeAt?.N !== undefined ? { wakeAt: num(item.wakeAt) } : {}),
  };
}

export class ProcessorStore {
  private readonly table: string;

  constructor(private readonly clients: TableClients) {
    this.table = clients.names.tables.processors;
  }

  private definitionKey(name: string): Item {
    return { pk: S(DEFINITIONS), sk: S(name) };
  }

  private taskKey(name: string, incarnation: string, task: TaskId): Item {
    return { pk: S(tasksPk(name)), sk: S(taskSk(incarnation, task)) };
  }

  /**
   * Creates the processor, or updates the entry and topology of an existing one (a new
   * deployment), keeping its incarnation: its state carries on. A new registration clears
   * the processor's own last error (a failure to load or deploy it); its tasks' stay.
   */
  async register(def: ProcessorDefinition, now: number): Promise<ProcessorRecord> {
    const values = { ':entry': S(def.entry), ':topology': S(JSON.stringify(def.topology)), ':now': N(now), ...(def.host ? { ':host': S(def.host) } : {}) };
    const host = def.host ? ', host = :host' : '';
    for (;;) {
      const updated = await conditional('UpdateItem', () =>
        this.clients.ddb.send(
          new UpdateItemCommand({
            TableName: this.table,
            Key: this.definitionKey(def.name),
            UpdateExpression: `SET entry = :entry, topology = :topology, updatedAt = :now${host} REMOVE lastError`,
            ConditionExpression: 'attribute_exists(pk)',
            ExpressionAttributeValues: values,
            ReturnValues: 'ALL_NEW',
          }),
        ),
      );
      if (updated.ok) return recordOf(updated.value.Attributes!);
      const created = await conditional('UpdateItem', () =>
        this.clients.ddb.send(
          new UpdateItemCommand({
            TableName: this.table,
            Key: this.definitionKey(def.name),
            UpdateExpression: `SET entry = :entry, topology = :topology, incarnation = :inc, createdAt = :now, updatedAt = :now${host}`,
            ConditionExpression: 'attribute_not_exists(pk)',
            ExpressionAttributeValues: { ...values, ':inc': S(newIncarnation()) },
            ReturnValues: 'ALL_NEW',
          }),
        ),
      );
      if (created.ok) return recordOf(created.value.Attributes!);
    }
  }

  async get(name: string): Promise<ProcessorRecord | undefined> {
    const item = await getItem(this.clients, this.table, this.definitionKey(name));
    return item ? recordOf(item) : undefined;
  }

  /** The processor, or UNKNOWN_PROCESSOR. */
  async require(name: string): Promise<ProcessorRecord> {
    const record = await this.get(name);
    if (!record) throw new UnknownProcessorError(`Processor '${name}' does not exist.`, { processor: name });
    return record;
  }

  /** Every processor, by name. */
  async list(): Promise<ProcessorRecord[]> {
    const items = await queryAll(this.clients, {
      TableName: this.table,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': S(DEFINITIONS) },
    });
    return items.map(recordOf);
  }

  /** The tasks of the processor's incarnation that ever committed or failed. */
  async tasks(name: string, incarnation: string): Promise<TaskRecord[]> {
    const items = await queryAll(this.clients, {
      TableName: this.table,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :inc)',
      ExpressionAttributeValues: { ':pk': S(tasksPk(name)), ':inc': S(`${incarnation}#`) },
    });
    return items.map(taskOf);
  }

  async task(name: string, incarnation: string, task: TaskId): Promise<TaskRecord> {
    const item = await getItem(this.clients, this.table, this.taskKey(name, incarnation, task));
    return item ? taskOf(item) : { task, version: null };
  }

  /**
   * The task's commit as a transaction item: its new state, conditional on the version
   * read (null: never committed). The runtime puts it in the batch's one transaction;
   * `receipt` (the transaction's id) lets it recognise its own commit after a lost answer.
   * A commit clears the task's last error: the task moved past it. `wakeAt` replaces the
   * task's wake-up time (none: removed).
   */
  taskWrite(
    name: string,
    incarnation: string,
    task: TaskId,
    state: TaskState,
    expectedVersion: number | null,
    now: number,
    receipt = '',
    wakeAt?: number,
  ): TransactWriteItem {
    const wake: { set: string; remove: string; values: Item } =
      wakeAt === undefined ? { set: '', remove: ', wakeAt', values: {} } : { set: ', wakeAt = :wake', remove: '', values: { ':wake': N(wakeAt) } };
    return {
      Update: {
        TableName: this.table,
        Key: this.taskKey(name, incarnation, task),
        UpdateExpression: `SET #state = :state, ver = :next, updatedAt = :now, txn = :txn${wake.set} REMOVE lastError${wake.remove}`,
        ConditionExpression: expectedVersion === null ? 'attribute_not_exists(ver)' : 'ver = :expected',
        ExpressionAttributeNames: { '#state': 'state' },
        ExpressionAttributeValues: {
          ':state': S(JSON.stringify(state)),
          ':next': N((expectedVersion ?? 0) + 1),
          ':now': N(now),
          ':txn': S(receipt),
          ...wake.values,
          ...(expectedVersion === null ? {} : { ':expected': N(expectedVersion) }),
        },
      },
    };
  }

  /** Records a failure: of one task, or (without a task) of the processor as a whole. */
  async recordError(name: string, error: ProcessorError, at?: { incarnation: string; task: TaskId }): Promise<void> {
    const key = at ? this.taskKey(name, at.incarnation, at.task) : this.definitionKey(name);
    const written = await conditional('UpdateItem', () =>
      this.clients.ddb.send(
        new UpdateItemCommand({
          TableName: this.table,
          Key: key,
          UpdateExpression: 'SET lastError = :error',
          ...(at ? {} : { ConditionExpression: 'attribute_exists(pk)' }),
          ExpressionAttributeValues: { ':error': S(JSON.stringify(error)) },
        }),
      ),
    );
    if (!written.ok) throw new UnknownProcessorError(`Processor '${name}' does not exist.`, { processor: name });
  }

  /** Stops or starts the processor (UNKNOWN_PROCESSOR when there is none); returns its record. */
  async setStopped(name: string, stopped: boolean, now: number): Promise<ProcessorRecord> {
    const written = await conditional('UpdateItem', () =>
      this.clients.ddb.send(
        new UpdateItemCommand({
          TableName: this.table,
          Key: this.definitionKey(name),
          UpdateExpression: 'SET stopped = :stopped, updatedAt = :now',
          ConditionExpression: 'attribute_exists(pk)',
          ExpressionAttributeValues: { ':stopped': { BOOL: stopped }, ':now': N(now) },
          ReturnValues: 'ALL_NEW',
        }),
      ),
    );
    if (!written.ok) throw new UnknownProcessorError(`Processor '${name}' does not exist.`, { processor: name });
    return recordOf(written.value.Attributes!);
  }

  /**
   * Moves the processor to a new incarnation (conditional on the one it has, so two resets
   * at once make one change each); its tasks and stores start empty. Returns the old one.
   */
  async newIncarnation(name: string, now: number): Promise<{ previous: string; incarnation: string }> {
    for (;;) {
      const { incarnation: previous } = await this.require(name);
      const incarnation = newIncarnation();
      const done = await conditional('UpdateItem', () =>
        this.clients.ddb.send(
          new UpdateItemCommand({
            TableName: this.table,
            Key: this.definitionKey(name),
            UpdateExpression: 'SET incarnation = :inc, updatedAt = :now REMOVE lastError',
            ConditionExpression: 'incarnation = :previous',
            ExpressionAttributeValues: { ':inc': S(incarnation), ':now': N(now), ':previous': S(previous) },
          }),
        ),
      );
      if (done.ok) return { previous, incarnation };
    }
  }

  /** Deletes the task items of every incarnation but `keep`; returns how many. */
  async purgeTasks(name: string, keep: string): Promise<number> {
    const items = await queryAll(this.clients, {
      TableName: this.table,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': S(tasksPk(name)) },
      ProjectionExpression: 'pk, sk',
    });
    const stale = items.filter((i) => !str(i.sk).startsWith(`${keep}#`));
    await batchWrite(this.clients, this.table, stale.map((Key) => ({ DeleteRequest: { Key } })), `purge the tasks of processor ${name}`);
    return stale.length;
  }
}
