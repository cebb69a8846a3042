// DynamoDB access for topics, partition heads and the segment index. Items are mapped by
// hand: the few attribute shapes are fixed by lib/storage/definitions.ts and numbers must
// stay exact.
import {
  BatchGetItemCommand,
  ConditionalCheckFailedException,
  DeleteItemCommand,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  ScanCommand,
  UpdateItemCommand,
  type AttributeValue,
} from '@aws-sdk/client-dynamodb';
import { TopicAlreadyExistsError, UnknownTopicOrPartitionError } from '../core/errors.ts';
import type { TableClients } from './tables.ts';
import { callDynamo, dependencyFailure } from './failures.ts';

export type Item = Record<string, AttributeValue>;
export const S = (s: string): AttributeValue => ({ S: s });
export const N = (n: number | bigint): AttributeValue => ({ N: String(n) });
export const num = (v: AttributeValue | undefined, dflt = 0): number => (v?.N === undefined ? dflt : Number(v.N));
export const str = (v: AttributeValue | undefined): string => v?.S ?? '';

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
  try {
    await clients.ddb.send(
      new PutItemCommand({
        TableName: clients.names.tables.topics,
        Item: topicItem(topic),
        ConditionExpression: 'attribute_not_exists(#n)',
        ExpressionAttributeNames: { '#n': 'name' },
      }),
    );
  } catch (err) {
    if (err instanceof ConditionalCheckFailedException) {
      throw new TopicAlreadyExistsError(`Topic '${topic.name}' already exists.`);
    }
    throw dependencyFailure('dynamodb', 'PutItem', err);
  }
}

export async function getTopic(clients: TableClients, name: string): Promise<TopicRecord | undefined> {
  const res = await callDynamo('GetItem', () =>
    clients.ddb.send(
      new GetItemCommand({ TableName: clients.names.tables.topics, Key: { name: S(name) }, ConsistentRead: true }),
    ),
  );
  return res.Item ? topicFromItem(res.Item) : undefined;
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
      if (attempt > 0) await new Promise((r) => setTimeout(r, Math.random() * Math.min(200, 10 * 2 ** attempt)));
      const res = await callDynamo('BatchGetItem', () =>
        clients.ddb.send(new BatchGetItemCommand({ RequestItems: { [table]: { Keys: keys, ConsistentRead: true } } })),
      );
      for (const item of res.Responses?.[table] ?? []) out.set(str(item.name), topicFromItem(item));
      keys = (res.UnprocessedKeys?.[table]?.Keys ?? []) as Item[];
    }
  }
  return out;
}

export async function listTopicRecords(clients: TableClients): Promise<TopicRecord[]> {
  const out: TopicRecord[] = [];
  let start: Item | undefined;
  do {
    const res = await callDynamo('Scan', () =>
      clients.ddb.send(
        new ScanCommand({ TableName: clients.names.tables.topics, ExclusiveStartKey: start, ConsistentRead: true }),
      ),
    );
    for (const i of res.Items ?? []) out.push(topicFromItem(i));
    start = res.LastEvaluatedKey;
  } while (start);
  return out.sort((a, b) => a.name.localeCompare(b.name));
}

/** Replace partitions and config of the topic with this id; fails if it was deleted or re-created. */
export async function updateTopic(
  clients: TableClients,
  topic: TopicRecord,
): Promise<void> {
  try {
    await clients.ddb.send(
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
    );
  } catch (err) {
    if (err instanceof ConditionalCheckFailedException) {
      throw new UnknownTopicOrPartitionError(`Topic '${topic.name}' changed or was deleted during the update.`);
    }
    throw dependencyFailure('dynamodb', 'UpdateItem', err);
  }
}

export async function deleteTopicRecord(clients: TableClients, name: string): Promise<TopicRecord> {
  try {
    const res = await clients.ddb.send(
      new DeleteItemCommand({
        TableName: clients.names.tables.topics,
        Key: { name: S(name) },
        ConditionExpression: 'attribute_exists(#n)',
        ExpressionAttributeNames: { '#n': 'name' },
        ReturnValues: 'ALL_OLD',
      }),
    );
    return topicFromItem(res.Attributes!);
  } catch (err) {
    if (err instanceof ConditionalCheckFailedException) {
      throw new UnknownTopicOrPartitionError(`Topic '${name}' does not exist.`);
    }
    throw dependencyFailure('dynamodb', 'DeleteItem', err);
  }
}

// ---- partition heads ------------------------------------------------------------------

export const headFromItem = (topicId: string, partition: number, i: Item | undefined): PartitionHead => ({
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

export async function getHead(clients: TableClients, topicId: string, partition: number): Promise<PartitionHead> {
  const res = await callDynamo('GetItem', () =>
    clients.ddb.send(
      new GetItemCommand({
        TableName: clients.names.tables.partitions,
        Key: { topicId: S(topicId), partition: N(partition) },
        ConsistentRead: true,
      }),
    ),
  );
  return headFromItem(topicId, partition, res.Item);
}

/** Heads of partitions 0..count-1; partitions never written read as empty. */
export async function listHeads(clients: TableClients, topicId: string, count: number): Promise<PartitionHead[]> {
  const found = new Map<number, Item>();
  let start: Item | undefined;
  do {
    const res = await callDynamo('Query', () =>
      clients.ddb.send(
        new QueryCommand({
          TableName: clients.names.tables.partitions,
          KeyConditionExpression: 'topicId = :t',
          ExpressionAttributeValues: { ':t': S(topicId) },
          ConsistentRead: true,
          ExclusiveStartKey: start,
        }),
      ),
    );
    for (const i of res.Items ?? []) found.set(num(i.partition), i);
    start = res.LastEvaluatedKey;
  } while (start);
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
  const res = await callDynamo('Query', () =>
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
  const res = await callDynamo('GetItem', () =>
    clients.ddb.send(
      new GetItemCommand({
        TableName: clients.names.tables.segments,
        Key: { tp: S(tpKey(topicId, partition)), lastOffset: N(lastOffset) },
        ConsistentRead: true,
      }),
    ),
  );
  return res.Item ? entryFromItem(res.Item) : undefined;
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
  const res = await callDynamo('Query', () =>
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
