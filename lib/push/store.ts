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
import { DeleteItemCommand, PutItemCommand, UpdateItemCommand, type WriteRequest } from '@aws-sdk/client-dynamodb';
import { batchWrite, call, conditional, N, num, queryAll, S, str, type Item } from '../storage/dynamo.ts';
import { tpKey } from '../storage/metadata.ts';
import type { TableClients } from '../storage/tables.ts';

/** API Gateway closes a WebSocket connection after 2 hours; items live a little longer. */
export const CONNECTION_MAX_MS = 2 * 60 * 60 * 1000;
const ITEM_TTL_MS = CONNECTION_MAX_MS + 10 * 60 * 1000;

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
  await call('PutItem', () =>
    clients.ddb.send(new PutItemCommand({ TableName: clients.names.tables.push, Item: { ...connKey(connectionId), connectedAt: N(now), expiresAt: ttl(now) } })),
  );
}

/** Forgets a connection and its watches; the hold it had, if any, for the caller to end. */
export async function closeConnection(clients: TableClients, connectionId: string): Promise<{ group: string; memberId: string } | undefined> {
  const res = await call('DeleteItem', () =>
    clients.ddb.send(new DeleteItemCommand({ TableName: clients.names.tables.push, Key: connKey(connectionId), ReturnValues: 'ALL_OLD' })),
  );
  const watched = res.Attributes?.watches?.SS ?? [];
  await writeAll(clients, watched.map((tp) => ({ DeleteRequest: { Key: { pk: S(`w#${tp}`), sk: S(connectionId) } } })), 'drop the watches of a closed connection');
  const hold = res.Attributes?.hold?.M;
  return hold ? { group: str(hold.group), memberId: str(hold.memberId) } : undefined;
}

/** Arms one watch per partition (replacing this connection's earlier watch of it). */
export async function armWatches(clients: TableClients, connectionId: string, watches: readonly Watch[], now: number): Promise<void> {
  if (watches.length === 0) return;
  await writeAll(
    clients,
    watches.map((w) => ({
      PutRequest: { Item: { pk: S(watchPk(w.topicId, w.partition)), sk: S(connectionId), topic: S(w.topic), offset: N(w.offset), expiresAt: ttl(now) } },
    })),
    'arm the watches',
  );
  await call('UpdateItem', () =>
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
  const items = await queryAll(clients, {
    TableName: clients.names.tables.push,
    KeyConditionExpression: 'pk = :pk',
    ExpressionAttributeValues: { ':pk': S(watchPk(topicId, partition)) },
  });
  return items.filter((i) => live(i, now)).map((i) => ({ connectionId: str(i.sk), topic: str(i.topic), offset: num(i.offset) }));
}

/**
 * Removes a watch that fired (or whose connection is gone), unless it was armed again
 * since at another offset: a consumer that fetched and caught up may re-arm before the
 * notice's sender gets here.
 */
export async function dropWatch(clients: TableClients, topicId: string, partition: number, connectionId: string, offset: number): Promise<void> {
  // A lost condition means it was armed again: nothing to do.
  await conditional('DeleteItem', () =>
    clients.ddb.send(
      new DeleteItemCommand({
        TableName: clients.names.tables.push,
        Key: { pk: S(watchPk(topicId, partition)), sk: S(connectionId) },
        ConditionExpression: '#o = :o',
        ExpressionAttributeNames: { '#o': 'offset' },
        ExpressionAttributeValues: { ':o': N(offset) },
      }),
    ),
  );
}

/** Records that `connectionId` holds the member's session, with the lease it gave. */
export async function putHold(clients: TableClients, group: string, hold: Hold, now: number): Promise<void> {
  await call('PutItem', () =>
    clients.ddb.send(
      new PutItemCommand({
        TableName: clients.names.tables.push,
        Item: { pk: S(holdPk(group)), sk: S(hold.memberId), connectionId: S(hold.connectionId), heldUntil: N(hold.heldUntil), expiresAt: ttl(now) },
      }),
    ),
  );
  await call('UpdateItem', () =>
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
  const items = await queryAll(clients, {
    TableName: clients.names.tables.push,
    KeyConditionExpression: 'pk = :pk',
    ExpressionAttributeValues: { ':pk': S(holdPk(group)) },
  });
  return items.filter((i) => live(i, now)).map((i) => ({ memberId: str(i.sk), connectionId: str(i.connectionId), heldUntil: num(i.heldUntil) }));
}

/** Removes the member's hold if `connectionId` still has it; the lease it gave, else undefined. */
export async function endHold(clients: TableClients, group: string, memberId: string, connectionId: string): Promise<number | undefined> {
  const deleted = await conditional('DeleteItem', () =>
    clients.ddb.send(
      new DeleteItemCommand({
        TableName: clients.names.tables.push,
        Key: { pk: S(holdPk(group)), sk: S(memberId) },
        ConditionExpression: 'connectionId = :c',
        ExpressionAttributeValues: { ':c': S(connectionId) },
        ReturnValues: 'ALL_OLD',
      }),
    ),
  );
  return deleted.ok && deleted.value.Attributes ? num(deleted.value.Attributes.heldUntil) : undefined;
}

/** Puts and deletes of push items (not atomic: each stands alone). */
const writeAll = (clients: TableClients, requests: readonly WriteRequest[], what: string): Promise<void> =>
  batchWrite(clients, clients.names.tables.push, requests, what);
