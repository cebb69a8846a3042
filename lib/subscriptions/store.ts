// The subscriptions' items: definitions and bindings here, cursors and dead letters in
// cursorStore.ts. Lost conditional writes come back as the storage layer's condition
// result (the caller re-reads or gives the partition up), uniqueness and existence
// failures as the domain errors that say why.
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
import type { TransactWriteItem } from '@aws-sdk/client-dynamodb';
import { RequestTimedOutError, SubscriptionAlreadyExistsError, UnknownSubscriptionError } from '../core/errors.ts';
import { getItem, N, num, queryAll, S, str, transact, type Item, type Written } from '../storage/dynamo.ts';
import type { TableClients } from '../storage/tables.ts';
import { specOf, type SubscriptionRecord, type SubscriptionSpec } from './model.ts';

const DEF_PK = 'subs';
const defSk = (topic: string, name: string) => `${topic}#${name}`;
export const bindingPk = (topicId: string): string => `id#${topicId}`;
const bindingSk = (name: string) => `sub#${name}`;

/** The items under one partition key (those whose sort key starts with `prefix`), at most `limit`, newest first with `descending`. */
export function itemsUnder(clients: TableClients, pk: string, prefix: string, opts: { limit?: number; descending?: boolean } = {}): Promise<Item[]> {
  return queryAll(
    clients,
    {
      TableName: clients.names.tables.subscriptions,
      KeyConditionExpression: prefix ? 'pk = :pk AND begins_with(sk, :p)' : 'pk = :pk',
      ExpressionAttributeValues: { ':pk': S(pk), ...(prefix ? { ':p': S(prefix) } : {}) },
      ...(opts.descending ? { ScanIndexForward: false } : {}),
    },
    opts.limit,
  );
}

// ---- definitions and bindings -----------------------------------------------------------

function recordAttributes(r: SubscriptionRecord): Item {
  return {
    topic: S(r.topic),
    name: S(r.name),
    subscriptionId: S(r.subscriptionId),
    spec: S(JSON.stringify(specOf(r))),
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
  if (!(await transact(clients, items, { what: 'create the subscription' })).ok) {
    throw new SubscriptionAlreadyExistsError(`Subscription '${r.name}' of topic '${r.topic}' already exists.`, {
      topic: r.topic,
      subscription: r.name,
    });
  }
}

export async function getSubscription(clients: TableClients, topic: string, name: string): Promise<SubscriptionRecord | undefined> {
  const item = await getItem(clients, clients.names.tables.subscriptions, definitionKey(topic, name));
  return item ? recordFromItem(item) : undefined;
}

/** Definitions of one topic name, or of every topic; sorted by topic, then name. */
export async function listSubscriptionRecords(clients: TableClients, topic?: string): Promise<SubscriptionRecord[]> {
  const items = await itemsUnder(clients, DEF_PK, topic === undefined ? '' : `${topic}#`);
  return items.map(recordFromItem);
}

/** The subscriptions bound to a topic id: what the dispatcher delivers for its partitions. */
export async function listBindings(clients: TableClients, topicId: string): Promise<SubscriptionRecord[]> {
  const items = await itemsUnder(clients, bindingPk(topicId), 'sub#');
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
    if ((await transact(clients, items, { what: 'delete the subscription' })).ok) return current;
  }
  throw new RequestTimedOutError(`Subscription '${name}' of topic '${topic}' kept changing; retry.`, { dependency: 'dynamodb', retryAfterSeconds: 1 });
}

/**
 * Binds a definition to a topic id (a pending one to its now existing topic, or one
 * bound to a deleted incarnation to the new one): definition and bindings change in one
 * transaction, conditional on the definition being as read. Lost when it changed.
 */
export function bindSubscription(clients: TableClients, r: SubscriptionRecord, topicId: string): Promise<Written> {
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
  return transact(clients, items, { what: 'bind the subscription' });
}

/** Replaces the spec of an existing definition (and its binding); lost when it changed meanwhile. */
export function updateSubscriptionSpec(clients: TableClients, r: SubscriptionRecord): Promise<Written> {
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
  return transact(clients, items, { what: 'update the subscription' });
}
