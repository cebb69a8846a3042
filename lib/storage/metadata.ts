// The metadata every feature reads: topics, partition heads and the segment index (the
// items of the `topics`, `partitions` and `segments` tables). The log writes topics; the
// commit protocol (commit.ts) writes heads and index entries; groups and subscriptions
// read topics and heads. Maintenance's own writes to these tables are the log's
// (lib/log/maintenance/store.ts).
import {
  BatchGetItemCommand,
  DeleteItemCommand,
  PutItemCommand,
  QueryCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { TopicAlreadyExistsError, UnknownTopicOrPartitionError } from '../core/errors.ts';
import { fullJitter, sleep } from '../core/time.ts';
import type { TableClients } from './tables.ts';
import { call, conditional, getItem, N, num, queryAll, S, scanAll, str, type Item } from './dynamo.ts';
import { dependencyFailure } from './failures.ts';

// The item helpers, for the modules that read items through this one.
export { N, num, S, str, type Item } from './dynamo.ts';

export interface TopicRecord {
  name: string;
  topicId: string;
  partitions: number;
  config: Record<string, string>;
  createdAt: number;
}

export interface PartitionHead {
  topicId: string;
  partition: number;
  /** Next offset to assign: the high watermark. */
  nextOffset: number;
  logStartOffset: number;
  sizeBytes: number;
  segmentCount: number;
  /** Running maximum of record timestamps; orders the index's byTime key. */
  maxTimestamp: number;
  /** False when the partition was never written (no item yet). */
  exists: boolean;
  /** Idempotent producers' state, owned by lib/log/idempotence.ts; stored opaque. */
  producersJson?: string;
}

export interface IndexEntry {
  baseOffset: number;
  lastOffset: number;
  objectKey: string;
  byteStart: number;
  byteLength: number;
  recordCount: number;
  firstTimestamp: number;
  maxTimestamp: number;
}

export const tpKey = (topicId: string, partition: number): string => `${topicId}#${partition}`;

/** byTime sort key: running max timestamp, then lastOffset, both fixed-width so strings sort as numbers. */
export const timeKey = (runningMaxTimestamp: number, lastOffset: number): string =>
  `${String(Math.max(0, runningMaxTimestamp)).padStart(16, '0')}#${String(lastOffset).padStart(16, '0')}`;


// ---- topics -------------------------------------------------------------------------

const topicItem = (t: TopicRecord): Item => ({
  name: S(t.name),
  topicId: S(t.topicId),
  partitions: N(t.partitions),
  config: { M: Object.fromEntries(Object.entries(t.config).map(([k, v]) => [k, S(v)])) },
  createdAt: N(t.createdAt),
});

const topicFromItem = (i: Item): TopicRecord => ({
  name: str(i.name),
  topicId: str(i.topicId),
  partitions: num(i.partitions),
  config: Object.fromEntries(Object.entries(i.config?.M ?? {}).map(([k, v]) => [k, str(v)])),
  createdAt: num(i.createdAt),
});

export async function putTopic(clients: TableClients, topic: TopicRecord): Promise<void> {
  const put = await conditional('PutItem', () =>
    clients.ddb.send(
      new PutItemCommand({
        TableName: clients.names.tables.topics,
        Item: topicItem(topic),
        ConditionExpression: 'attribute_not_exists(#n)',
        ExpressionAttributeNames: { '#n': 'name' },
      }),
    ),
  );
  if (!put.ok) throw new TopicAlreadyExistsError(`Topic '${topic.name}' already exists.`);
}

export async function getTopic(clients: TableClients, name: string): Promise<TopicRecord | undefined> {
  const item = await getItem(clients, clients.names.tables.topics, { name: S(name) });
  return item ? topicFromItem(item) : undefined;
}

/** BatchGetItem's limit on keys per call. */
const BATCH_GET_KEYS = 100;

/**
 * Several topics by name, strongly consistent, in calls of up to 100 keys (so n names
 * cost ceil(n / 100) calls, not n); keys DynamoDB left unprocessed are asked again with
 * a short backoff. Names without a topic map to undefined.
 */
export async function getTopics(clients: TableClients, names: readonly string[]): Promise<Map<string, TopicRecord | undefined>> {
  const out = new Map<string, TopicRecord | undefined>(names.map((n) => [n, undefined]));
  const table = clients.names.tables.topics;
  const distinct = [...out.keys()];
  for (let i = 0; i < distinct.length; i += BATCH_GET_KEYS) {
    let keys: Item[] = distinct.slice(i, i + BATCH_GET_KEYS).map((n) => ({ name: S(n) }));
    for (let attempt = 0; keys.length > 0; attempt++) {
      if (attempt >= 10) throw dependencyFailure('dynamodb', 'BatchGetItem', new Error('keys left unprocessed after 10 attempts'));
      if (attempt > 0) await sleep(fullJitter(attempt, { baseMs: 10, maxMs: 200 }));
      const res = await call('BatchGetItem', () =>
        clients.ddb.send(new BatchGetItemCommand({ RequestItems: { [table]: { Keys: keys, ConsistentRead: true } } })),
      );
      for (const item of res.Responses?.[table] ?? []) out.set(str(item.name), topicFromItem(item));
      keys = (res.UnprocessedKeys?.[table]?.Keys ?? []) as Item[];
    }
  }
  return out;
}

export async function listTopicRecords(clients: TableClients): Promise<TopicRecord[]> {
  const items = await scanAll(clients, { TableName: clients.names.tables.topics });
  return items.map(topicFromItem).sort((a, b) => a.name.localeCompare(b.name));
}

/** Replace partitions and config of the topic with this id; fails if it was deleted or re-created. */
export async function updateTopic(
  clients: TableClients,
  topic: TopicRecord,
): Promise<void> {
  const update = await conditional('UpdateItem', () =>
    clients.ddb.send(
      new UpdateItemCommand({
        TableName: clients.names.tables.topics,
        Key: { name: S(topic.name) },
        UpdateExpression: 'SET #parts = :p, #cfg = :c',
        // Partitions only grow: a concurrent alter that grew them further wins.
        ConditionExpression: 'topicId = :tid AND #parts <= :p',
        ExpressionAttributeNames: { '#parts': 'partitions', '#cfg': 'config' },
        ExpressionAttributeValues: {
          ':p': N(topic.partitions),
          ':c': topicItem(topic).config!,
          ':tid': S(topic.topicId),
        },
      }),
    ),
  );
  if (!update.ok) throw new UnknownTopicOrPartitionError(`Topic '${topic.name}' changed or was deleted during the update.`);
}

export async function deleteTopicRecord(clients: TableClients, name: string): Promise<TopicRecord> {
  const deleted = await conditional('DeleteItem', () =>
    clients.ddb.send(
      new DeleteItemCommand({
        TableName: clients.names.tables.topics,
        Key: { name: S(name) },
        ConditionExpression: 'attribute_exists(#n)',
        ExpressionAttributeNames: { '#n': 'name' },
        ReturnValues: 'ALL_OLD',
      }),
    ),
  );
  if (!deleted.ok) throw new UnknownTopicOrPartitionError(`Topic '${name}' does not exist.`);
  return topicFromItem(deleted.value.Attributes!);
}

// ---- partition heads ------------------------------------------------------------------

const headFromItem = (topicId: string, partition: number, i: Item | undefined): PartitionHead => ({
  topicId,
  partition,
  nextOffset: num(i?.nextOffset),
  logStartOffset: num(i?.logStartOffset),
  sizeBytes: num(i?.sizeBytes),
  segmentCount: num(i?.segmentCount),
  maxTimestamp: num(i?.maxTimestamp, -1),
  exists: i !== undefined,
  ...(i?.producers?.S ? { producersJson: i.producers.S } : {}),
});

/** The key of a partition's head. */
export const headKey = (topicId: string, partition: number): Item => ({ topicId: S(topicId), partition: N(partition) });

export async function getHead(clients: TableClients, topicId: string, partition: number): Promise<PartitionHead> {
  return headFromItem(topicId, partition, await getItem(clients, clients.names.tables.partitions, headKey(topicId, partition)));
}

/** Heads of partitions 0..count-1; partitions never written read as empty. */
export async function listHeads(clients: TableClients, topicId: string, count: number): Promise<PartitionHead[]> {
  const items = await queryAll(clients, {
    TableName: clients.names.tables.partitions,
    KeyConditionExpression: 'topicId = :t',
    ExpressionAttributeValues: { ':t': S(topicId) },
  });
  const found = new Map(items.map((i) => [num(i.partition), i]));
  return Array.from({ length: count }, (_, p) => headFromItem(topicId, p, found.get(p)));
}

// ---- segment index ---------------------------------------------------------------------

export const entryFromItem = (i: Item): IndexEntry => ({
  baseOffset: num(i.baseOffset),
  lastOffset: num(i.lastOffset),
  objectKey: str(i.objectKey),
  byteStart: num(i.byteStart),
  byteLength: num(i.byteLength),
  recordCount: num(i.recordCount),
  firstTimestamp: num(i.firstTimestamp),
  maxTimestamp: num(i.maxTimestamp),
});

export function indexEntryItem(topicId: string, partition: number, e: IndexEntry, runningMaxTimestamp: number): Item {
  return {
    tp: S(tpKey(topicId, partition)),
    lastOffset: N(e.lastOffset),
    baseOffset: N(e.baseOffset),
    objectKey: S(e.objectKey),
    byteStart: N(e.byteStart),
    byteLength: N(e.byteLength),
    recordCount: N(e.recordCount),
    firstTimestamp: N(e.firstTimestamp),
    maxTimestamp: N(e.maxTimestamp),
    timeKey: S(timeKey(runningMaxTimestamp, e.lastOffset)),
  };
}

/**
 * Entries holding offsets >= `offset`, in offset order. The first is the entry holding
 * `offset` itself: entries are keyed by lastOffset, so `lastOffset >= offset` skips
 * every entry that ends before it without reading it. Cost is independent of log length.
 */
export async function queryIndexFrom(
  clients: TableClients,
  topicId: string,
  partition: number,
  offset: number,
  limit: number,
): Promise<IndexEntry[]> {
  const res = await call('Query', () =>
    clients.ddb.send(
      new QueryCommand({
        TableName: clients.names.tables.segments,
        KeyConditionExpression: 'tp = :tp AND lastOffset >= :o',
        ExpressionAttributeValues: { ':tp': S(tpKey(topicId, partition)), ':o': N(offset) },
        ConsistentRead: true,
        Limit: limit,
      }),
    ),
  );
  return (res.Items ?? []).map(entryFromItem);
}

export async function getIndexEntry(
  clients: TableClients,
  topicId: string,
  partition: number,
  lastOffset: number,
): Promise<IndexEntry | undefined> {
  const item = await getItem(clients, clients.names.tables.segments, { tp: S(tpKey(topicId, partition)), lastOffset: N(lastOffset) });
  return item ? entryFromItem(item) : undefined;
}

/**
 * The first entry whose running max timestamp reaches `timestamp`: the earliest entry
 * that can hold a record with timestamp >= `timestamp` (every earlier entry's records
 * are all older). One query on the byTime index.
 */
export async function queryIndexByTime(
  clients: TableClients,
  topicId: string,
  partition: number,
  timestamp: number,
): Promise<IndexEntry | undefined> {
  const res = await call('Query', () =>
    clients.ddb.send(
      new QueryCommand({
        TableName: clients.names.tables.segments,
        IndexName: 'byTime',
        KeyConditionExpression: 'tp = :tp AND timeKey >= :k',
        ExpressionAttributeValues: { ':tp': S(tpKey(topicId, partition)), ':k': S(timeKey(timestamp, 0)) },
        ConsistentRead: true,
        Limit: 1,
      }),
    ),
  );
  const item = res.Items?.[0];
  return item ? entryFromItem(item) : undefined;
}
