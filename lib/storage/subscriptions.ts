// DynamoDB access for subscriptions: the storage boundary of lib/subscriptions. Lost
// conditional writes come back as `false` (the caller re-reads or gives the partition
// up), uniqueness and existence failures as the domain errors that say why.
//
// Items in the `subscriptions` table (PK pk, SK sk):
//
//   pk = 'subs'             sk = '{topic}#{name}'       the definition (source of truth)
//     topic, name, subscriptionId, spec (JSON), createdAt, topicId (once bound)
//   pk = 'id#{topicId}'     sk = 'sub#{name}'           the binding: a copy of the definition
//     under the topic id the partition stream speaks in, so the dispatcher finds a
//     topic's subscriptions with one Query. Written and deleted in the same transaction
//     as the definition (definitions are immutable but for a CDK update of the spec).
//   pk = 'id#{topicId}'     sk = 'cur#{subscriptionId}#{partition:06}'   the cursor
//     offset (next to deliver), delivered / deadLettered counters, the retry state of
//     the batch at the cursor (attempts, pendingLast, retryAt, lastError), the batching
//     window's start (waitingSince) and the delivery lease (leaseOwner, leaseExpiresAt).
//     A missing cursor means offset 0 (see the starting position in catalog.ts).
//   pk = 'dl#{subscriptionId}'  sk = '{failedAt:016}#{partition:06}#{firstOffset:016}'
//     one dead-lettered batch; expires by TTL (expiresAt) after DEAD_LETTER_RETENTION_DAYS.
//
// Topic and subscription names cannot contain '#', topic ids are base64url: keys never
// collide.
import {
  BatchWriteItemCommand,
  GetItemCommand,
  QueryCommand,
  TransactWriteItemsCommand,
  UpdateItemCommand,
  type AttributeValue,
  type TransactWriteItem,
} from '@aws-sdk/client-dynamodb';
import {
  RequestTimedOutError,
  SubscriptionAlreadyExistsError,
  UnknownSubscriptionError,
} from '../core/errors.ts';
import type { DeadLetterRecord, SubscriptionRecord, SubscriptionSpec } from '../subscriptions/model.ts';
import type { TableClients } from './tables.ts';
import { callDynamo, cancellationReasons, dependencyFailure, errorName } from './failures.ts';
import { N, num, S, str, type Item } from './metadata.ts';
import { fullJitter, sleep } from '../core/time.ts';

export const DEAD_LETTER_RETENTION_DAYS = 14;

const DEF_PK = 'subs';
const defSk = (topic: string, name: string) => `${topic}#${name}`;
const bindingPk = (topicId: string) => `id#${topicId}`;
const bindingSk = (name: string) => `sub#${name}`;
const cursorPrefix = (subscriptionId: string) => `cur#${subscriptionId}#`;
const cursorSk = (subscriptionId: string, partition: number) => `${cursorPrefix(subscriptionId)}${String(partition).padStart(6, '0')}`;
const dlPk = (subscriptionId: string) => `dl#${subscriptionId}`;
const pad16 = (n: number) => String(n).padStart(16, '0');


const isConditionFailure = (err: unknown) => errorName(err) === 'ConditionalCheckFailedException';

const RETRIABLE_TX = new Set(['TransactionInProgressException', 'ThrottlingException', 'ProvisionedThroughputExceededException', 'RequestLimitExceeded']);

/**
 * One transaction, retried while DynamoDB reports a conflict with another transaction
 * (not a failed condition). Resolves to the cancellation reasons of a failed condition,
 * or undefined on success.
 */
async function transact(clients: TableClients, items: TransactWriteItem[], what: string): Promise<(string | undefined)[] | undefined> {
  let last: unknown;
  for (let attempt = 0; attempt < 10; attempt++) {
    if (attempt > 0) await sleep(fullJitter(attempt, { baseMs: 10, maxMs: 200 }));
    try {
      await clients.ddb.send(new TransactWriteItemsCommand({ TransactItems: items }));
      return undefined;
    } catch (err) {
      last = err;
      const reasons = cancellationReasons(err);
      if (reasons) {
        if (reasons.includes('ConditionalCheckFailed')) return reasons;
        continue; // TransactionConflict: another transaction touched an item
      }
      if (RETRIABLE_TX.has(errorName(err) ?? '')) continue;
      throw dependencyFailure('dynamodb', 'TransactWriteItems', err);
    }
  }
  throw new RequestTimedOutError(`Could not ${what}: ${errorName(last) ?? 'conflict'}; retry.`, { dependency: 'dynamodb', retryAfterSeconds: 1 }, last);
}

// ---- definitions and bindings -----------------------------------------------------------

function recordAttributes(r: SubscriptionRecord): Item {
  const spec: SubscriptionSpec = {
    target: r.target,
    batchSize: r.batchSize,
    maxBatchingWindowMs: r.maxBatchingWindowMs,
    startingPosition: r.startingPosition,
    maxRetries: r.maxRetries,
    ...(r.deadLetter ? { deadLetter: r.deadLetter } : {}),
  };
  return {
    topic: S(r.topic),
    name: S(r.name),
    subscriptionId: S(r.subscriptionId),
    spec: S(JSON.stringify(spec)),
    createdAt: N(r.createdAt),
    ...(r.topicId ? { topicId: S(r.topicId) } : {}),
  };
}

function recordFromItem(i: Item): SubscriptionRecord {
  const spec = JSON.parse(str(i.spec) || '{}') as SubscriptionSpec;
  return {
    ...spec,
    topic: str(i.topic),
    name: str(i.name),
    subscriptionId: str(i.subscriptionId),
    createdAt: num(i.createdAt),
    ...(i.topicId?.S ? { topicId: i.topicId.S } : {}),
  };
}

const definitionKey = (topic: string, name: string) => ({ pk: S(DEF_PK), sk: S(defSk(topic, name)) });
const bindingKey = (topicId: string, name: string) => ({ pk: S(bindingPk(topicId)), sk: S(bindingSk(name)) });

/**
 * Writes a new definition (and its binding when it has a topic id) in one transaction;
 * SUBSCRIPTION_ALREADY_EXISTS if the name is taken for the topic. Cursors must be
 * written before (putCursors) so the dispatcher never sees a binding without them.
 */
export async function putSubscription(clients: TableClients, r: SubscriptionRecord): Promise<void> {
  const TableName = clients.names.tables.subscriptions;
  const items: TransactWriteItem[] = [
    {
      Put: {
        TableName,
        Item: { ...definitionKey(r.topic, r.name), ...recordAttributes(r) },
        ConditionExpression: 'attribute_not_exists(pk)',
      },
    },
  ];
  if (r.topicId) items.push({ Put: { TableName, Item: { ...bindingKey(r.topicId, r.name), ...recordAttributes(r) } } });
  const failed = await transact(clients, items, 'create the subscription');
  if (failed) {
    throw new SubscriptionAlreadyExistsError(`Subscription '${r.name}' of topic '${r.topic}' already exists.`, {
      topic: r.topic,
      subscription: r.name,
    });
  }
}

export async function getSubscription(clients: TableClients, topic: string, name: string): Promise<SubscriptionRecord | undefined> {
  const res = await callDynamo('GetItem', () =>
    clients.ddb.send(
      new GetItemCommand({ TableName: clients.names.tables.subscriptions, Key: definitionKey(topic, name), ConsistentRead: true }),
    ),
  );
  return res.Item ? recordFromItem(res.Item) : undefined;
}

async function queryAll(clients: TableClients, pk: string, prefix: string, opts: { limit?: number; descending?: boolean } = {}): Promise<Item[]> {
  const out: Item[] = [];
  let start: Record<string, AttributeValue> | undefined;
  do {
    const res = await callDynamo('Query', () =>
      clients.ddb.send(
        new QueryCommand({
          TableName: clients.names.tables.subscriptions,
          KeyConditionExpression: prefix ? 'pk = :pk AND begins_with(sk, :p)' : 'pk = :pk',
          ExpressionAttributeValues: { ':pk': S(pk), ...(prefix ? { ':p': S(prefix) } : {}) },
          ConsistentRead: true,
          ExclusiveStartKey: start,
          ...(opts.descending ? { ScanIndexForward: false } : {}),
          ...(opts.limit ? { Limit: Math.min(1000, opts.limit - out.length) } : {}),
        }),
      ),
    );
    out.push(...(res.Items ?? []));
    start = res.LastEvaluatedKey;
  } while (start && (!opts.limit || out.length < opts.limit));
  return out;
}

/** Definitions of one topic name, or of every topic; sorted by topic, then name. */
export async function listSubscriptionRecords(clients: TableClients, topic?: string): Promise<SubscriptionRecord[]> {
  const items = await queryAll(clients, DEF_PK, topic === undefined ? '' : `${topic}#`);
  return items.map(recordFromItem);
}

/** The subscriptions bound to a topic id: what the dispatcher delivers for its partitions. */
export async function listBindings(clients: TableClients, topicId: string): Promise<SubscriptionRecord[]> {
  const items = await queryAll(clients, bindingPk(topicId), 'sub#');
  return items.map(recordFromItem);
}

/** Deletes definition and binding together; UNKNOWN_SUBSCRIPTION if it does not exist. */
export async function deleteSubscriptionRecord(clients: TableClients, topic: string, name: string): Promise<SubscriptionRecord> {
  const TableName = clients.names.tables.subscriptions;
  for (let attempt = 0; attempt < 5; attempt++) {
    const current = await getSubscription(clients, topic, name);
    if (!current) throw new UnknownSubscriptionError(`Subscription '${name}' of topic '${topic}' does not exist.`, { topic, subscription: name });
    const items: TransactWriteItem[] = [
      {
        Delete: {
          TableName,
          Key: definitionKey(topic, name),
          // Bound to the same topic id as read: a concurrent (re)binding makes us re-read.
          ConditionExpression: current.topicId
            ? 'subscriptionId = :sid AND topicId = :tid'
            : 'subscriptionId = :sid AND attribute_not_exists(topicId)',
          ExpressionAttributeValues: { ':sid': S(current.subscriptionId), ...(current.topicId ? { ':tid': S(current.topicId) } : {}) },
        },
      },
    ];
    if (current.topicId) items.push({ Delete: { TableName, Key: bindingKey(current.topicId, name) } });
    const failed = await transact(clients, items, 'delete the subscription');
    if (!failed) return current;
  }
  throw new RequestTimedOutError(`Subscription '${name}' of topic '${topic}' kept changing; retry.`, { dependency: 'dynamodb', retryAfterSeconds: 1 });
}

/**
 * Binds a definition to a topic id (a pending one to its now existing topic, or one
 * bound to a deleted incarnation to the new one): definition and bindings change in one
 * transaction, conditional on the definition being as read. False when it changed.
 */
export async function bindSubscription(clients: TableClients, r: SubscriptionRecord, topicId: string): Promise<boolean> {
  const TableName = clients.names.tables.subscriptions;
  const bound: SubscriptionRecord = { ...r, topicId };
  const items: TransactWriteItem[] = [
    {
      Update: {
        TableName,
        Key: definitionKey(r.topic, r.name),
        UpdateExpression: 'SET topicId = :new',
        ConditionExpression: r.topicId
          ? 'subscriptionId = :sid AND topicId = :old'
          : 'subscriptionId = :sid AND attribute_not_exists(topicId)',
        ExpressionAttributeValues: { ':new': S(topicId), ':sid': S(r.subscriptionId), ...(r.topicId ? { ':old': S(r.topicId) } : {}) },
      },
    },
    { Put: { TableName, Item: { ...bindingKey(topicId, r.name), ...recordAttributes(bound) } } },
  ];
  if (r.topicId && r.topicId !== topicId) items.push({ Delete: { TableName, Key: bindingKey(r.topicId, r.name) } });
  return !(await transact(clients, items, 'bind the subscription'));
}

/** Replaces the spec of an existing definition (and its binding); false when it changed meanwhile. */
export async function updateSubscriptionSpec(clients: TableClients, r: SubscriptionRecord): Promise<boolean> {
  const TableName = clients.names.tables.subscriptions;
  const attrs = recordAttributes(r);
  const items: TransactWriteItem[] = [
    {
      Update: {
        TableName,
        Key: definitionKey(r.topic, r.name),
        UpdateExpression: 'SET spec = :spec',
        ConditionExpression: r.topicId
          ? 'subscriptionId = :sid AND topicId = :tid'
          : 'subscriptionId = :sid AND attribute_not_exists(topicId)',
        ExpressionAttributeValues: { ':spec': attrs.spec!, ':sid': S(r.subscriptionId), ...(r.topicId ? { ':tid': S(r.topicId) } : {}) },
      },
    },
  ];
  if (r.topicId) items.push({ Put: { TableName, Item: { ...bindingKey(r.topicId, r.name), ...attrs } } });
  return !(await transact(clients, items, 'update the subscription'));
}

// ---- cursors -----------------------------------------------------------------------------

export interface CursorKey {
  topicId: string;
  subscriptionId: string;
  partition: number;
}

export interface CursorState {
  partition: number;
  /** Next offset to deliver; undefined when no cursor was written yet (= offset 0). */
  offset?: number;
  delivered: number;
  deadLettered: number;
  /** Failed attempts at the batch at `offset`. */
  attempts: number;
  /** Last offset of the batch being retried: a retry delivers exactly the same records. */
  pendingLast?: number;
  /** Not before this time (epoch ms) is the failed batch tried again. */
  retryAt?: number;
  lastError?: { code: string; message: string; at: number };
  /** When a dispatcher first left a short batch waiting for the batching window. */
  waitingSince?: number;
  leaseOwner?: string;
  leaseExpiresAt?: number;
}

const cursorKey = (k: CursorKey) => ({ pk: S(bindingPk(k.topicId)), sk: S(cursorSk(k.subscriptionId, k.partition)) });

const CURSOR_NAMES = { '#off': 'offset', '#p': 'partition' };

function cursorFromItem(i: Item): CursorState {
  const opt = (v: AttributeValue | undefined) => (v?.N === undefined ? undefined : Number(v.N));
  const lastError = i.lastError?.S ? (JSON.parse(i.lastError.S) as CursorState['lastError']) : undefined;
  const state: CursorState = {
    partition: num(i.partition),
    delivered: num(i.delivered),
    deadLettered: num(i.deadLettered),
    attempts: num(i.attempts),
  };
  const offset = opt(i.offset);
  if (offset !== undefined) state.offset = offset;
  const pendingLast = opt(i.pendingLast);
  if (pendingLast !== undefined) state.pendingLast = pendingLast;
  const retryAt = opt(i.retryAt);
  if (retryAt !== undefined) state.retryAt = retryAt;
  const waitingSince = opt(i.waitingSince);
  if (waitingSince !== undefined) state.waitingSince = waitingSince;
  if (lastError) state.lastError = lastError;
  if (i.leaseOwner?.S) state.leaseOwner = i.leaseOwner.S;
  const leaseExpiresAt = opt(i.leaseExpiresAt);
  if (leaseExpiresAt !== undefined) state.leaseExpiresAt = leaseExpiresAt;
  return state;
}

/** Starting cursors of a new subscription, written before its binding exists. */
export async function putCursors(clients: TableClients, topicId: string, subscriptionId: string, cursors: { partition: number; offset: number }[]): Promise<void> {
  const TableName = clients.names.tables.subscriptions;
  for (let i = 0; i < cursors.length; i += 25) {
    let requests = cursors.slice(i, i + 25).map((c) => ({
      PutRequest: {
        Item: {
          ...cursorKey({ topicId, subscriptionId, partition: c.partition }),
          subscriptionId: S(subscriptionId),
          partition: N(c.partition),
          offset: N(c.offset),
        },
      },
    }));
    for (let attempt = 0; requests.length > 0; attempt++) {
      if (attempt >= 20) throw new RequestTimedOutError('Could not write the subscription cursors; retry.', { dependency: 'dynamodb', retryAfterSeconds: 1 });
      if (attempt > 0) await sleep(fullJitter(attempt, { baseMs: 10, maxMs: 500 }));
      const res = await callDynamo('BatchWriteItem', () => clients.ddb.send(new BatchWriteItemCommand({ RequestItems: { [TableName]: requests } })));
      requests = (res.UnprocessedItems?.[TableName] ?? []) as typeof requests;
    }
  }
}

/** Every cursor of a subscription under one topic id, by partition. */
export async function readCursors(clients: TableClients, topicId: string, subscriptionId: string): Promise<Map<number, CursorState>> {
  const items = await queryAll(clients, bindingPk(topicId), cursorPrefix(subscriptionId));
  return new Map(items.map((i) => [num(i.partition), cursorFromItem(i)]));
}

export async function readCursor(clients: TableClients, k: CursorKey): Promise<CursorState | undefined> {
  const res = await callDynamo('GetItem', () =>
    clients.ddb.send(new GetItemCommand({ TableName: clients.names.tables.subscriptions, Key: cursorKey(k), ConsistentRead: true })),
  );
  return res.Item ? cursorFromItem(res.Item) : undefined;
}

/** Deletes every cursor of a subscription under one topic id (best effort cleanup). */
export async function deleteCursors(clients: TableClients, topicId: string, subscriptionId: string): Promise<void> {
  const TableName = clients.names.tables.subscriptions;
  const items = await queryAll(clients, bindingPk(topicId), cursorPrefix(subscriptionId));
  for (let i = 0; i < items.length; i += 25) {
    let requests = items.slice(i, i + 25).map((it) => ({ DeleteRequest: { Key: { pk: it.pk!, sk: it.sk! } } }));
    for (let attempt = 0; requests.length > 0 && attempt < 20; attempt++) {
      if (attempt > 0) await sleep(fullJitter(attempt, { baseMs: 10, maxMs: 500 }));
      const res = await callDynamo('BatchWriteItem', () => clients.ddb.send(new BatchWriteItemCommand({ RequestItems: { [TableName]: requests } })));
      requests = (res.UnprocessedItems?.[TableName] ?? []) as typeof requests;
    }
  }
}

/**
 * Takes the delivery lease of one (subscription, partition) for `owner` until
 * `expiresAt`, if nobody holds an unexpired one; creates the cursor at `startOffset` when
 * it has none. Returns the cursor as it now is, or undefined when another owner holds it.
 */
export async function acquireLease(
  clients: TableClients,
  k: CursorKey,
  owner: string,
  now: number,
  expiresAt: number,
  startOffset: number,
): Promise<CursorState | undefined> {
  try {
    const res = await clients.ddb.send(
      new UpdateItemCommand({
        TableName: clients.names.tables.subscriptions,
        Key: cursorKey(k),
        UpdateExpression:
          'SET leaseOwner = :me, leaseExpiresAt = :exp, #off = if_not_exists(#off, :start), ' +
          'subscriptionId = :sid, #p = :p',
        ConditionExpression: 'attribute_not_exists(leaseOwner) OR leaseExpiresAt < :now',
        ExpressionAttributeNames: CURSOR_NAMES,
        ExpressionAttributeValues: {
          ':me': S(owner),
          ':exp': N(expiresAt),
          ':start': N(startOffset),
          ':sid': S(k.subscriptionId),
          ':p': N(k.partition),
          ':now': N(now),
        },
        ReturnValues: 'ALL_NEW',
      }),
    );
    return cursorFromItem(res.Attributes!);
  } catch (err) {
    if (isConditionFailure(err)) return undefined;
    throw dependencyFailure('dynamodb', 'UpdateItem', err);
  }
}

/** Drops the lease (if still ours), leaving the batching window's start or clearing it. */
export async function releaseLease(clients: TableClients, k: CursorKey, owner: string, waitingSince?: number): Promise<boolean> {
  return conditionalUpdate(clients, {
    Key: cursorKey(k),
    UpdateExpression:
      waitingSince === undefined ? 'REMOVE leaseOwner, leaseExpiresAt' : 'SET waitingSince = :ws REMOVE leaseOwner, leaseExpiresAt',
    ConditionExpression: 'leaseOwner = :me',
    ExpressionAttributeValues: { ':me': S(owner), ...(waitingSince === undefined ? {} : { ':ws': N(waitingSince) }) },
  });
}

/** Records when a short batch started waiting for the batching window (lease holder only). */
export async function markWaiting(clients: TableClients, k: CursorKey, owner: string, from: number, since: number): Promise<boolean> {
  return conditionalUpdate(clients, {
    Key: cursorKey(k),
    UpdateExpression: 'SET waitingSince = :ws',
    ConditionExpression: 'leaseOwner = :me AND #off = :from',
    ExpressionAttributeNames: { '#off': 'offset' },
    ExpressionAttributeValues: { ':me': S(owner), ':from': N(from), ':ws': N(since) },
  });
}

/**
 * Moves the cursor from `from` to `to` after a delivery: only while `owner` holds the
 * lease and the cursor is still at `from`. Resets the retry state and the window.
 */
export async function advanceCursor(clients: TableClients, k: CursorKey, owner: string, from: number, to: number, now: number): Promise<boolean> {
  return conditionalUpdate(clients, {
    Key: cursorKey(k),
    UpdateExpression:
      'SET #off = :to, attempts = :zero, delivered = if_not_exists(delivered, :zero) + :n, updatedAt = :now ' +
      'REMOVE pendingLast, retryAt, waitingSince',
    ConditionExpression: 'leaseOwner = :me AND #off = :from',
    ExpressionAttributeNames: { '#off': 'offset' },
    ExpressionAttributeValues: { ':me': S(owner), ':from': N(from), ':to': N(to), ':zero': N(0), ':n': N(to - from), ':now': N(now) },
  });
}

/** Records a failed attempt at the batch [from, pendingLast] and when to try again. */
export async function recordFailure(
  clients: TableClients,
  k: CursorKey,
  owner: string,
  from: number,
  f: { attempts: number; pendingLast: number; retryAt: number; error: { code: string; message: string }; now: number },
): Promise<boolean> {
  return conditionalUpdate(clients, {
    Key: cursorKey(k),
    UpdateExpression: 'SET attempts = :a, pendingLast = :last, retryAt = :at, lastError = :err, updatedAt = :now',
    ConditionExpression: 'leaseOwner = :me AND #off = :from',
    ExpressionAttributeNames: { '#off': 'offset' },
    ExpressionAttributeValues: {
      ':me': S(owner),
      ':from': N(from),
      ':a': N(f.attempts),
      ':last': N(f.pendingLast),
      ':at': N(f.retryAt),
      ':err': S(JSON.stringify({ ...f.error, at: f.now })),
      ':now': N(f.now),
    },
  });
}

/**
 * Dead-letters the batch at the cursor and moves the cursor past it, in one transaction
 * conditional on the lease and the cursor position: the entry exists exactly when the
 * cursor moved.
 */
export async function deadLetterAndAdvance(
  clients: TableClients,
  k: CursorKey,
  owner: string,
  dl: DeadLetterRecord,
): Promise<boolean> {
  const TableName = clients.names.tables.subscriptions;
  const from = dl.firstOffset;
  const to = dl.lastOffset + 1;
  const items: TransactWriteItem[] = [
    {
      Put: {
        TableName,
        Item: {
          pk: S(dlPk(dl.subscriptionId)),
          sk: S(`${pad16(dl.failedAt)}#${String(dl.partition).padStart(6, '0')}#${pad16(dl.firstOffset)}`),
          record: S(JSON.stringify(dl)),
          expiresAt: N(Math.floor(dl.failedAt / 1000) + DEAD_LETTER_RETENTION_DAYS * 86_400),
        },
        ConditionExpression: 'attribute_not_exists(pk)',
      },
    },
    {
      Update: {
        TableName,
        Key: cursorKey(k),
        UpdateExpression:
          'SET #off = :to, attempts = :zero, deadLettered = if_not_exists(deadLettered, :zero) + :n, ' +
          'lastError = :err, updatedAt = :now REMOVE pendingLast, retryAt, waitingSince',
        ConditionExpression: 'leaseOwner = :me AND #off = :from',
        ExpressionAttributeNames: { '#off': 'offset' },
        ExpressionAttributeValues: {
          ':me': S(owner),
          ':from': N(from),
          ':to': N(to),
          ':zero': N(0),
          ':n': N(to - from),
          ':err': S(JSON.stringify({ ...dl.error, at: dl.failedAt })),
          ':now': N(dl.failedAt),
        },
      },
    },
  ];
  return !(await transact(clients, items, 'record the dead letter'));
}

/** Most recent dead letters of a subscription first, at most `limit`. */
export async function listDeadLetters(clients: TableClients, subscriptionId: string, limit: number): Promise<DeadLetterRecord[]> {
  const items = await queryAll(clients, dlPk(subscriptionId), '', { limit, descending: true });
  return items.slice(0, limit).map((i) => JSON.parse(str(i.record)) as DeadLetterRecord);
}

async function conditionalUpdate(
  clients: TableClients,
  input: {
    Key: Item;
    UpdateExpression: string;
    ConditionExpression: string;
    ExpressionAttributeNames?: Record<string, string>;
    ExpressionAttributeValues: Item;
  },
): Promise<boolean> {
  try {
    await clients.ddb.send(new UpdateItemCommand({ TableName: clients.names.tables.subscriptions, ...input }));
    return true;
  } catch (err) {
    if (isConditionFailure(err)) return false;
    throw dependencyFailure('dynamodb', 'UpdateItem', err);
  }
}
