// The delivery state of subscriptions, beside their definitions (store.ts, which lays out
// the table): per-partition cursors with their delivery lease, and dead letters. Every
// write after the lease is conditional on the lease and the cursor position, so a
// dispatcher that lost its lease can change nothing; a lost condition comes back as the
// storage layer's result.
import { UpdateItemCommand, type TransactWriteItem } from '@aws-sdk/client-dynamodb';
import { batchWrite, conditional, getItem, N, num, S, str, transact, type Item, type Written } from '../storage/dynamo.ts';
import type { TableClients } from '../storage/tables.ts';
import type { DeadLetterRecord } from './model.ts';
import { bindingPk, itemsUnder } from './store.ts';

export const DEAD_LETTER_RETENTION_DAYS = 14;

const cursorPrefix = (subscriptionId: string) => `cur#${subscriptionId}#`;
const cursorSk = (subscriptionId: string, partition: number) => `${cursorPrefix(subscriptionId)}${String(partition).padStart(6, '0')}`;
const dlPk = (subscriptionId: string) => `dl#${subscriptionId}`;
const pad16 = (n: number) => String(n).padStart(16, '0');

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
  const opt = (v: Item[string] | undefined) => (v?.N === undefined ? undefined : Number(v.N));
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
export function putCursors(clients: TableClients, topicId: string, subscriptionId: string, cursors: { partition: number; offset: number }[]): Promise<void> {
  const requests = cursors.map((c) => ({
    PutRequest: {
      Item: {
        ...cursorKey({ topicId, subscriptionId, partition: c.partition }),
        subscriptionId: S(subscriptionId),
        partition: N(c.partition),
        offset: N(c.offset),
      },
    },
  }));
  return batchWrite(clients, clients.names.tables.subscriptions, requests, 'write the subscription cursors');
}

/** Every cursor of a subscription under one topic id, by partition. */
export async function readCursors(clients: TableClients, topicId: string, subscriptionId: string): Promise<Map<number, CursorState>> {
  const items = await itemsUnder(clients, bindingPk(topicId), cursorPrefix(subscriptionId));
  return new Map(items.map((i) => [num(i.partition), cursorFromItem(i)]));
}

export async function readCursor(clients: TableClients, k: CursorKey): Promise<CursorState | undefined> {
  const item = await getItem(clients, clients.names.tables.subscriptions, cursorKey(k));
  return item ? cursorFromItem(item) : undefined;
}

/** Deletes every cursor of a subscription under one topic id (best effort cleanup). */
export async function deleteCursors(clients: TableClients, topicId: string, subscriptionId: string): Promise<void> {
  const items = await itemsUnder(clients, bindingPk(topicId), cursorPrefix(subscriptionId));
  const requests = items.map((it) => ({ DeleteRequest: { Key: { pk: it.pk!, sk: it.sk! } } }));
  await batchWrite(clients, clients.names.tables.subscriptions, requests, 'delete the subscription cursors');
}

/**
 * Takes the delivery lease of one (subscription, partition) for `owner` until
 * `expiresAt`, if nobody holds an unexpired one; creates the cursor at `startOffset` when
 * it has none. Answers the cursor as it now is; lost when another owner holds it.
 */
export async function acquireLease(
  clients: TableClients,
  k: CursorKey,
  owner: string,
  now: number,
  expiresAt: number,
  startOffset: number,
): Promise<Written<CursorState>> {
  const taken = await conditional('UpdateItem', () =>
    clients.ddb.send(
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
    ),
  );
  return taken.ok ? { ok: true, value: cursorFromItem(taken.value.Attributes!) } : taken;
}

/** Drops the lease (if still ours), leaving the batching window's start or clearing it. */
export function releaseLease(clients: TableClients, k: CursorKey, owner: string, waitingSince?: number): Promise<Written<unknown>> {
  return conditionalUpdate(clients, {
    Key: cursorKey(k),
    UpdateExpression:
      waitingSince === undefined ? 'REMOVE leaseOwner, leaseExpiresAt' : 'SET waitingSince = :ws REMOVE leaseOwner, leaseExpiresAt',
    ConditionExpression: 'leaseOwner = :me',
    ExpressionAttributeValues: { ':me': S(owner), ...(waitingSince === undefined ? {} : { ':ws': N(waitingSince) }) },
  });
}

/** Records when a short batch started waiting for the batching window (lease holder only). */
export function markWaiting(clients: TableClients, k: CursorKey, owner: string, from: number, since: number): Promise<Written<unknown>> {
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
export function advanceCursor(clients: TableClients, k: CursorKey, owner: string, from: number, to: number, now: number): Promise<Written<unknown>> {
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
export function recordFailure(
  clients: TableClients,
  k: CursorKey,
  owner: string,
  from: number,
  f: { attempts: number; pendingLast: number; retryAt: number; error: { code: string; message: string }; now: number },
): Promise<Written<unknown>> {
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
export function deadLetterAndAdvance(clients: TableClients, k: CursorKey, owner: string, dl: DeadLetterRecord): Promise<Written> {
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
  return transact(clients, items, { what: 'record the dead letter' });
}

/** Most recent dead letters of a subscription first, at most `limit`. */
export async function listDeadLetters(clients: TableClients, subscriptionId: string, limit: number): Promise<DeadLetterRecord[]> {
  const items = await itemsUnder(clients, dlPk(subscriptionId), '', { limit, descending: true });
  return items.slice(0, limit).map((i) => JSON.parse(str(i.record)) as DeadLetterRecord);
}

function conditionalUpdate(
  clients: TableClients,
  input: {
    Key: Item;
    UpdateExpression: string;
    ConditionExpression: string;
    ExpressionAttributeNames?: Record<string, string>;
    ExpressionAttributeValues: Item;
  },
): Promise<Written<unknown>> {
  return conditional('UpdateItem', () => clients.ddb.send(new UpdateItemCommand({ TableName: clients.names.tables.subscriptions, ...input })));
}
