// The connectors' items in the `connectors` table (PK pk, SK sk). Sink connectors'
// positions are cursors in the subscriptions table (runtime/sinkKind.ts): sinks are
// subscriptions of another kind and share their lease protocol.
//
//   pk = 'defs'            sk = '{name}'              the definition
//     name, connectorId (fresh per creation), type, config (JSON), targetState
//     (RUNNING | PAUSED | STOPPED), version (+1 on every change), createdAt, updatedAt
//   pk = 'conn#{name}'     sk = 'task#{task:04}'      a task's status
//     state, trace (when FAILED), workerId, updatedAt; a source task's run lease
//     (leaseOwner, leaseExpiresAt), so one poller at a time reads its system
//   pk = 'conn#{name}'     sk = 'off#{partition}'     one source partition's offset
//     partition and offset (JSON), version (+1 on every write), txn (the receipt of the
//     transaction that wrote it); the sort key is the partition as JSON with sorted keys
//
// Source offsets are written by the runtime in the same lib/log transaction as the
// records they account for (runtime/commit.ts), each conditional on the version read, so
// two runners of one task can never both commit from the same offsets.
//
// Changes of a definition are conditional on the version read, so two concurrent changes
// never both win; a lost condition is a retriable CONCURRENT_MODIFICATION.
import { DeleteItemCommand, PutItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import type { ConnectorRunState, ConnectorType, TargetState } from '../core/connectors.ts';
import type { TransactWriteItem } from '@aws-sdk/client-dynamodb';
import { ConcurrentModificationError, ConnectorAlreadyExistsError, UnknownConnectorError } from '../core/errors.ts';
import { batchWrite, conditional, getItem, N, num, queryAll, S, str, type Item } from '../storage/dynamo.ts';
import type { TableClients } from '../storage/tables.ts';
import type { SourceMap } from './data/record.ts';
import type { SourceOffset } from './plugins/define.ts';
import { partitionKey } from './tasks/source.ts';

export interface ConnectorRecord {
  name: string;
  connectorId: string;
  type: ConnectorType;
  config: Record<string, string>;
  targetState: TargetState;
  version: number;
  createdAt: number;
  updatedAt: number;
}

export interface TaskStatusRecord {
  task: number;
  state: ConnectorRunState;
  workerId: string;
  trace?: string;
  updatedAt: number;
}

const DEFS = 'defs';
const connPk = (name: string) => `conn#${name}`;
const taskSk = (task: number) => `task#${String(task).padStart(4, '0')}`;
/** The key of a task's item (its status and, for a source, its run lease). */
const taskKey = (name: string, task: number): Item => ({ pk: S(connPk(name)), sk: S(taskSk(task)) });
const OFFSET_PREFIX = 'off#';
const defKey = (name: string) => ({ pk: S(DEFS), sk: S(name) });
const table = (clients: TableClients) => clients.names.tables.connectors;

function recordFromItem(i: Item): ConnectorRecord {
  return {
    name: str(i.name),
    connectorId: str(i.connectorId),
    type: str(i.type) as ConnectorType,
    config: JSON.parse(str(i.config) || '{}') as Record<string, string>,
    targetState: str(i.targetState) as TargetState,
    version: num(i.version),
    createdAt: num(i.createdAt),
    updatedAt: num(i.updatedAt),
  };
}

function recordItem(r: ConnectorRecord): Item {
  return {
    ...defKey(r.name),
    name: S(r.name),
    connectorId: S(r.connectorId),
    type: S(r.type),
    config: S(JSON.stringify(r.config)),
    targetState: S(r.targetState),
    version: N(r.version),
    createdAt: N(r.createdAt),
    updatedAt: N(r.updatedAt),
  };
}

/** Writes a new connector; CONNECTOR_ALREADY_EXISTS when the name is taken. */
export async function createConnectorRecord(clients: TableClients, r: ConnectorRecord): Promise<void> {
  const put = await conditional('PutItem', () =>
    clients.ddb.send(new PutItemCommand({ TableName: table(clients), Item: recordItem(r), ConditionExpression: 'attribute_not_exists(pk)' })),
  );
  if (!put.ok) throw new ConnectorAlreadyExistsError(`Connector ${r.name} already exists`, { connector: r.name });
}

export async function getConnectorRecord(clients: TableClients, name: string): Promise<ConnectorRecord | undefined> {
  const item = await getItem(clients, table(clients), defKey(name));
  return item ? recordFromItem(item) : undefined;
}

/** The connector or UNKNOWN_CONNECTOR. */
export async function requireConnectorRecord(clients: TableClients, name: string): Promise<ConnectorRecord> {
  const r = await getConnectorRecord(clients, name);
  if (!r) throw new UnknownConnectorError(`Connector ${name} not found`, { connector: name });
  return r;
}

export async function listConnectorRecords(clients: TableClients): Promise<ConnectorRecord[]> {
  const items = await queryAll(clients, { TableName: table(clients), KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': S(DEFS) } });
  return items.map(recordFromItem);
}

/** Replaces the definition if it is still at `r.version`; answers the new record. */
export async function updateConnectorRecord(
  clients: TableClients,
  r: ConnectorRecord,
  change: Partial<Pick<ConnectorRecord, 'config' | 'targetState'>>,
  now: number,
): Promise<ConnectorRecord> {
  const next: ConnectorRecord = { ...r, ...change, version: r.version + 1, updatedAt: now };
  const put = await conditional('PutItem', () =>
    clients.ddb.send(
      new PutItemCommand({
        TableName: table(clients),
        Item: recordItem(next),
        ConditionExpression: 'version = :v AND connectorId = :id',
        ExpressionAttributeValues: { ':v': N(r.version), ':id': S(r.connectorId) },
      }),
    ),
  );
  if (!put.ok) throw new ConcurrentModificationError(`Connector ${r.name} was changed or deleted meanwhile; read it again.`, { connector: r.name });
  return next;
}

/** Deletes the definition (if it is still this incarnation), then its statuses and offsets. */
export async function deleteConnectorRecord(clients: TableClients, r: ConnectorRecord): Promise<void> {
  const del = await conditional('DeleteItem', () =>
    clients.ddb.send(
      new DeleteItemCommand({ TableName: table(clients), Key: defKey(r.name), ConditionExpression: 'connectorId = :id', ExpressionAttributeValues: { ':id': S(r.connectorId) } }),
    ),
  );
  if (!del.ok) throw new UnknownConnectorError(`Connector ${r.name} not found`, { connector: r.name });
  const items = await itemsOf(clients, r.name, '');
  await batchWrite(clients, table(clients), items.map((i) => ({ DeleteRequest: { Key: { pk: i.pk!, sk: i.sk! } } })), 'delete the connector state');
}

function itemsOf(clients: TableClients, name: string, prefix: string): Promise<Item[]> {
  return queryAll(clients, {
    TableName: table(clients),
    KeyConditionExpression: prefix ? 'pk = :pk AND begins_with(sk, :p)' : 'pk = :pk',
    ExpressionAttributeValues: { ':pk': S(connPk(name)), ...(prefix ? { ':p': S(prefix) } : {}) },
  });
}

// ---- task status ----------------------------------------------------------------------------

export async function putTaskStatus(clients: TableClients, name: string, s: TaskStatusRecord): Promise<void> {
  await conditional('UpdateItem', () =>
    clients.ddb.send(
      new UpdateItemCommand({
        TableName: table(clients),
        Key: taskKey(name, s.task),
        UpdateExpression: s.trace === undefined ? 'SET #st = :s, workerId = :w, updatedAt = :t, task = :n REMOVE trace' : 'SET #st = :s, workerId = :w, updatedAt = :t, task = :n, trace = :tr',
        ExpressionAttributeNames: { '#st': 'state' },
        ExpressionAttributeValues: { ':s': S(s.state), ':w': S(s.workerId), ':t': N(s.updatedAt), ':n': N(s.task), ...(s.trace === undefined ? {} : { ':tr': S(s.trace) }) },
      }),
    ),
  );
}

/** Removes the statuses of tasks numbered `from` and up (the connector now runs fewer). */
export async function deleteTaskStatusesFrom(clients: TableClients, name: string, from: number): Promise<void> {
  const stale = (await itemsOf(clients, name, 'task#')).filter((i) => num(i.task) >= from);
  await batchWrite(clients, table(clients), stale.map((i) => ({ DeleteRequest: { Key: { pk: i.pk!, sk: i.sk! } } })), 'remove the statuses of tasks no longer run');
}

export async function readTaskStatuses(clients: TableClients, name: string): Promise<TaskStatusRecord[]> {
  const items = await itemsOf(clients, name, 'task#');
  return items.map((i) => ({
    task: num(i.task),
    state: str(i.state) as ConnectorRunState,
    workerId: str(i.workerId),
    ...(i.trace?.S ? { trace: i.trace.S } : {}),
    updatedAt: num(i.updatedAt),
  }));
}

/** The ids of a connector's tasks that FAILED (a restart clears them). */
export async function readFailedTasks(clients: TableClients, name: string): Promise<Set<number>> {
  return new Set((await readTaskStatuses(clients, name)).filter((s) => s.state === 'FAILED').map((s) => s.task));
}

/**
 * Takes the run lease of a source task for `owner` until `until`, if nobody holds an
 * unexpired one: one poller at a time, whichever container runs it.
 */
export async function claimSourceTask(clients: TableClients, name: string, task: number, owner: string, now: number, until: number): Promise<boolean> {
  const r = await conditional('UpdateItem', () =>
    clients.ddb.send(
      new UpdateItemCommand({
        TableName: table(clients),
        Key: taskKey(name, task),
        UpdateExpression: 'SET leaseOwner = :me, leaseExpiresAt = :until, task = :n',
        ConditionExpression: 'attribute_not_exists(leaseOwner) OR leaseExpiresAt < :now OR leaseOwner = :me',
        ExpressionAttributeValues: { ':me': S(owner), ':until': N(until), ':now': N(now), ':n': N(task) },
      }),
    ),
  );
  return r.ok;
}

export async function releaseSourceTask(clients: TableClients, name: string, task: number, owner: string): Promise<void> {
  await conditional('UpdateItem', () =>
    clients.ddb.send(
      new UpdateItemCommand({
        TableName: table(clients),
        Key: taskKey(name, task),
        UpdateExpression: 'REMOVE leaseOwner, leaseExpiresAt',
        ConditionExpression: 'leaseOwner = :me',
        ExpressionAttributeValues: { ':me': S(owner) },
      }),
    ),
  );
}

// ---- source offsets ----------------------------------------------------------------------

/** A stored source offset and the version it was read at. */
export interface StoredSourceOffset extends SourceOffset {
  version?: number;
}

/** The key of a source partition's offset item. */
export const sourceOffsetKey = (name: string, partition: SourceMap): Item => ({ pk: S(connPk(name)), sk: S(`${OFFSET_PREFIX}${partitionKey(partition)}`) });

/** The attributes of a source offset item besides its key and version. */
export const sourceOffsetAttributes = (o: SourceOffset & { offset: SourceMap }): Item => ({ partition: S(JSON.stringify(o.partition)), offset: S(JSON.stringify(o.offset)) });

export async function readSourceOffsets(clients: TableClients, name: string): Promise<StoredSourceOffset[]> {
  const items = await itemsOf(clients, name, OFFSET_PREFIX);
  return items.map((i) => ({
    partition: JSON.parse(str(i.partition)) as SourceMap,
    offset: JSON.parse(str(i.offset)) as SourceMap,
    ...(i.version?.N ? { version: num(i.version) } : {}),
  }));
}

/**
 * Stores offsets set by hand while the connector is stopped (a null offset removes its
 * partition's). Each write moves the version on, so a runner still holding offsets it
 * read before can no longer commit over them.
 */
export async function writeSourceOffsets(clients: TableClients, name: string, offsets: readonly SourceOffset[]): Promise<void> {
  const versions = new Map((await readSourceOffsets(clients, name)).map((o) => [partitionKey(o.partition), o.version ?? 0]));
  const requests = offsets.map((o) => {
    const Key = sourceOffsetKey(name, o.partition);
    const version = (versions.get(partitionKey(o.partition)) ?? 0) + 1;
    return o.offset === null ? { DeleteRequest: { Key } } : { PutRequest: { Item: { ...Key, ...sourceOffsetAttributes({ ...o, offset: o.offset }), version: N(version) } } };
  });
  await batchWrite(clients, table(clients), requests, 'write the source offsets');
}

export async function deleteSourceOffsets(clients: TableClients, name: string): Promise<void> {
  const items = await itemsOf(clients, name, OFFSET_PREFIX);
  await batchWrite(clients, table(clients), items.map((i) => ({ DeleteRequest: { Key: { pk: i.pk!, sk: i.sk! } } })), 'reset the source offsets');
}

/** A transaction's check that `owner` still holds the run lease of a source task. */
export function sourceLeaseCheck(clients: TableClients, name: string, task: number, owner: string): TransactWriteItem {
  return {
    ConditionCheck: {
      TableName: table(clients),
      Key: taskKey(name, task),
      ConditionExpression: 'leaseOwner = :me',
      ExpressionAttributeValues: { ':me': S(owner) },
    },
  };
}

/** Who holds the run lease of a source task now, if anyone. */
export async function sourceLeaseOwner(clients: TableClients, name: string, task: number): Promise<string | undefined> {
  const item = await getItem(clients, table(clients), taskKey(name, task));
  return item?.leaseOwner?.S;
}
