// DynamoDB access for push connections: the storage boundary of lib/push. Items of the
// `push` table (PK pk, SK sk), each expired by TTL (expiresAt, epoch seconds) a little
// after the longest a connection may live (API Gateway closes it at 2 hours; the dev
// server does the same), so what a lost $disconnect leaves behind goes by itself:
//
//   pk = 'c#{connectionId}'  sk = 'c'          an open connection: connectedAt, the heads
//                                               it watches (string set of topicId#partition,
//                                               to drop them at $disconnect) and the group
//                                               member whose session it holds, if any
//   pk = 'w#{topicId}#{p}'   sk = connectionId  a watch: tell this connection once when the
//                                               head passes `offset` (topic: the name it
//                                               was asked by). One Query per moved head finds
//                                               every connection waiting on it.
//   pk = 'g#{groupId}'       sk = memberId      a hold: this connection keeps the member's
//                                               session; heldUntil is the lease the hold
//                                               gave (lib/push/sessions.ts). One Query per
//                                               group change finds whom to tell.
//
// Readers skip items whose expiresAt has passed (TTL deletes lazily).
import {
  BatchWriteItemCommand,
  ConditionalCheckFailedException,
  DeleteItemCommand,
  PutItemCommand,
  QueryCommand,
  UpdateItemCommand,
  type WriteRequest,
} from '@aws-sdk/client-dynamodb';
import { callDynamo, dependencyFailure } from '../storage/failures.ts';
import { N, num, S, str, tpKey, type Item } from '../storage/metadata.ts';
import type { TableClients } from '../storage/tables.ts';

/** API Gateway closes a WebSocket connection after 2 hours; items live a little longer. */
export const CONNECTION_MAX_MS = 2 * 60 * 60 * 1000;
const ITEM_TTL_MS = CONNECTION_MAX_MS + 10 * 60 * 1000;
const BATCH_WRITE_ITEMS = 25;

export interface Watch {
  topicId: string;
  topic: string;
  partition: number;
  offset: number;
}

export interface Watcher {
  connectionId: string;
  topic: string;
  offset: number;
}

export interface Hold {
  memberId: string;
  connectionId: string;
  /** The lease (epoch ms) the hold gave the member. */
  heldUntil: number;
}

const connKey = (id: string): Item => ({ pk: S(`c#${id}`), sk: S('c') });
const watchPk = (topicId: string, partition: number): string => `w#${tpKey(topicId, partition)}`;
const holdPk = (group: string): string => `g#${group}`;
const ttl = (now: number): Item[string] => N(Math.ceil((now + ITEM_TTL_MS) / 1000));
const live = (i: Item, now: number): boolean => num(i.expiresAt) * 1000 > now;

export async function openConnection(clients: TableClients, connectionId: string, now: number): Promise<void> {
  await callDynamo('PutItem', () =>
    clients.ddb.send(new PutItemCommand({ TableName: clients.names.tables.push, Item: { ...connKey(connectionId), connectedAt: N(now), expiresAt: ttl(now) } })),
  );
}

/** Forgets a connection and its watches; the hold it had, if any, for the caller to end. */
export async function closeConnection(clients: TableClients, connectionId: string): Promise<{ group: string; memberId: string } | undefined> {
  const res = await callDynamo('DeleteItem', () =>
    clients.ddb.send(new DeleteItemCommand({ TableName: clients.names.tables.push, Key: connKey(connectionId), ReturnValues: 'ALL_OLD' })),
  );
  const watched = res.Attributes?.watches?.SS ?? [];
  await batchWrite(clients, watched.map((tp) => ({ DeleteRequest: { Key: { pk: S(`w#${tp}`), sk: S(connectionId) } } })));
  const hold = res.Attributes?.hold?.M;
  return hold ? { group: str(hold.group), memberId: str(hold.memberId) } : undefined;
}

/** Arms one watch per partition (replacing this connection's earlier watch of it). */
export async function armWatches(clients: TableClients, connectionId: string, watches: readonly Watch[], now: number): Promise<void> {
  if (watches.length === 0) return;
  await batchWrite(
    clients,
    watches.map((w) => ({
      PutRequest: { Item: { pk: S(watchPk(w.topicId, w.partition)), sk: S(connectionId), topic: S(w.topic), offset: N(w.offset), expiresAt: ttl(now) } },
    })),
  );
  await callDynamo('UpdateItem', () =>
    clients.ddb.send(
      new UpdateItemCommand({
        TableName: clients.names.tables.push,
        Key: connKey(connectionId),
        UpdateExpression: 'ADD watches :w',
        ExpressionAttributeValues: { ':w': { SS: [...new Set(watches.map((w) => tpKey(w.topicId, w.partition)))] } },
      }),
    ),
  );
}

/** The connections waiting on this head (consistent: a watch armed before a head read is never missed). */
export async function watchersOf(clients: TableClients, topicId: string, partition: number, now: number): Promise<Watcher[]> {
  const out: Watcher[] = [];
  let start: Item | undefined;
  do {
    const res = await callDynamo('Query', () =>
      clients.ddb.send(
        new QueryCommand({
          TableName: clients.names.tables.push,
          KeyConditionExpression: 'pk = :pk',
          ExpressionAttributeValues: { ':pk': S(watchPk(topicId, partition)) },
          ConsistentRead: true,
          ExclusiveStartKey: start,
        }),
      ),
    );
    for (const i of res.Items ?? []) if (live(i, now)) out.push({ connectionId: str(i.sk), topic: str(i.topic), offset: num(i.offset) });
    start = res.LastEvaluatedKey;
  } while (start);
  return out;
}

/**
 * Removes a watch that fired (or whose connection is gone), unless it was armed again
 * since at another offset: a consumer that fetched and caught up may re-arm before the
 * notice's sender gets here.
 */
export async function dropWatch(clients: TableClients, topicId: string, partition: number, connectionId: string, offset: number): Promise<void> {
  try {
    await clients.ddb.send(
      new DeleteItemCommand({
        TableName: clients.names.tables.push,
        Key: { pk: S(watchPk(topicId, partition)), sk: S(connectionId) },
        ConditionExpression: '#o = :o',
        ExpressionAttributeNames: { '#o': 'offset' },
        ExpressionAttributeValues: { ':o': N(offset) },
      }),
    );
  } catch (err) {
    if (!(err instanceof ConditionalCheckFailedException)) throw dependencyFailure('dynamodb', 'DeleteItem', err);
  }
}

/** Records that `connectionId` holds the member's session, with the lease it gave. */
export async function putHold(clients: TableClients, group: string, hold: Hold, now: number): Promise<void> {
  await callDynamo('PutItem', () =>
    clients.ddb.send(
      new PutItemCommand({
        TableName: clients.names.tables.push,
        Item: { pk: S(holdPk(group)), sk: S(hold.memberId), connectionId: S(hold.connectionId), heldUntil: N(hold.heldUntil), expiresAt: ttl(now) },
      }),
    ),
  );
  await callDynamo('UpdateItem', () =>
    clients.ddb.send(
      new UpdateItemCommand({
        TableName: clients.names.tables.push,
        Key: connKey(hold.connectionId),
        UpdateExpression: 'SET #h = :h',
        ExpressionAttributeNames: { '#h': 'hold' },
        ExpressionAttributeValues: { ':h': { M: { group: S(group), memberId: S(hold.memberId) } } },
      }),
    ),
  );
}

/** The holds of a group's members. */
export async function holdsOf(clients: TableClients, group: string, now: number): Promise<Hold[]> {
  const res = await callDynamo('Query', () =>
    clients.ddb.send(
      new QueryCommand({
        TableName: clients.names.tables.push,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': S(holdPk(group)) },
        ConsistentRead: true,
      }),
    ),
  );
  return (res.Items ?? []).filter((i) => live(i, now)).map((i) => ({ memberId: str(i.sk), connectionId: str(i.connectionId), heldUntil: num(i.heldUntil) }));
}

/** Removes the member's hold if `connectionId` still has it; the lease it gave, else undefined. */
export async function endHold(clients: TableClients, group: string, memberId: string, connectionId: string): Promise<number | undefined> {
  try {
    const res = await clients.ddb.send(
      new DeleteItemCommand({
        TableName: clients.names.tables.push,
        Key: { pk: S(holdPk(group)), sk: S(memberId) },
        ConditionExpression: 'connectionId = :c',
        ExpressionAttributeValues: { ':c': S(connectionId) },
        ReturnValues: 'ALL_OLD',
      }),
    );
    return res.Attributes ? num(res.Attributes.heldUntil) : undefined;
  } catch (err) {
    if (err instanceof ConditionalCheckFailedException) return undefined;
    throw dependencyFailure('dynamodb', 'DeleteItem', err);
  }
}

async function batchWrite(clients: TableClients, requests: WriteRequest[]): Promise<void> {
  const table = clients.names.tables.push;
  for (let i = 0; i < requests.length; i += BATCH_WRITE_ITEMS) {
    let pending = requests.slice(i, i + BATCH_WRITE_ITEMS);
    for (let attempt = 0; pending.length > 0; attempt++) {
      if (attempt >= 10) throw dependencyFailure('dynamodb', 'BatchWriteItem', new Error('items left unprocessed after 10 attempts'));
      if (attempt > 0) await new Promise((r) => setTimeout(r, Math.random() * Math.min(200, 10 * 2 ** attempt)));
      const res = await callDynamo('BatchWriteItem', () => clients.ddb.send(new BatchWriteItemCommand({ RequestItems: { [table]: pending } })));
      pending = res.UnprocessedItems?.[table] ?? [];
    }
  }
}
