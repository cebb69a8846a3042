// The metadata every feature reads: topics and partition heads (the items of the
// `topics` and `partitions` tables), and the index entry's shape. The log writes topics;
// the commit protocol (commit.ts) writes heads, whose tails hold the newest index entries
// until tail.ts moves them to the segments table (segmentIndex.ts); groups and
// subscriptions read topics and heads. Maintenance's own writes to these tables are the
// log's (lib/log/maintenance/store.ts).
import {
  type AttributeValue,
  DeleteItemCommand,
  PutItemCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { TopicAlreadyExistsError, UnknownTopicOrPartitionError } from '../core/errors.ts';
import { segmentPrefix } from './definitions.ts';
import type { TableClients } from './tables.ts';
import { batchGet, conditional, getItem, N, num, queryAll, S, scanAll, str, type Item } from './dynamo.ts';

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
  /** Running maximum of record timestamps (tail included); orders the index's byTime key. */
  maxTimestamp: number;
  /**
   * The newest index entries, held on the head until a flush moves them to the segments
   * table (commit.ts): they cover [tailBase, nextOffset), the table covers what is below.
   */
  tail: IndexEntry[];
  tailBase: number;
  /** False when the partition was never written (no item yet). */
  exists: boolean;
  /** Idempotent producers' state, owned by lib/log/idempotence.ts; stored opaque. */
  producersJson?: string;
  /** Key compaction's progress (compacted topics, once cleaned): owned by lib/log/maintenance. */
  cleaning?: CleaningCheckpoint;
}

/** Where key compaction stands in a partition: below `cleanedOffset` the log is cleaned. */
export interface CleaningCheckpoint {
  /** The first offset not yet cleaned (Kafka's cleaner checkpoint, the first dirty offset). */
  cleanedOffset: number;
  /** Bytes of the cleaned part as the last cleaning left it. */
  cleanBytes: number;
  /** When the last cleaning finished (maintenance clock, epoch ms). */
  lastCleanedAt: number;
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
  /**
   * Key compaction: the entry holds tombstones kept until this time (epoch ms); they go
   * at the first cleaning after it. Absent for entries without kept tombstones.
   */
  deleteHorizon?: number;
}

export const tpKey = (topicId: string, partition: number): string => `${topicId}#${partition}`;

/** The topic id and partition a tpKey names (topic ids hold no '#'; the last one splits). */
export function parseTpKey(tp: string): { topicId: string; partition: number } {
  const cut = tp.lastIndexOf('#');
  return { topicId: tp.slice(0, cut), partition: Number(tp.slice(cut + 1)) };
}

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

/**
 * Several topics by name, strongly consistent, in calls of up to 100 keys (so n names
 * cost ceil(n / 100) calls, not n; batchGet). Names without a topic map to undefined.
 */
export async function getTopics(clients: TableClients, names: readonly string[]): Promise<Map<string, TopicRecord | undefined>> {
  const out = new Map<string, TopicRecord | undefined>(names.map((n) => [n, undefined]));
  const items = await batchGet(clients, clients.names.tables.topics, [...out.keys()].map((n) => ({ name: S(n) })), 'read topics');
  for (const item of items) out.set(str(item.name), topicFromItem(item));
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

export const headFromItem = (topicId: string, partition: number, i: Item | undefined): PartitionHead => {
  const nextOffset = num(i?.nextOffset);
  // A head written before tails existed has none: its index is all in the table.
  const tailBase = i?.tailBase?.N === undefined ? nextOffset : num(i.tailBase);
  const tail = tailEntries(topicId, partition, i?.tail?.L ?? [], tailBase);
  return {
    topicId,
    partition,
    nextOffset,
    logStartOffset: num(i?.logStartOffset),
    sizeBytes: num(i?.sizeBytes),
    segmentCount: num(i?.segmentCount),
    maxTimestamp: tail.reduce((m, e) => Math.max(m, e.maxTimestamp), num(i?.maxTimestamp, -1)),
    tail,
    tailBase,
    exists: i !== undefined,
    ...(i?.producers?.S ? { producersJson: i.producers.S } : {}),
    ...(i?.cleanedOffset?.N
      ? { cleaning: { cleanedOffset: num(i.cleanedOffset), cleanBytes: num(i.cleanBytes), lastCleanedAt: num(i.lastCleanedAt) } }
      : {}),
  };
};

// ---- the head's tail -------------------------------------------------------------------
//
//   tail: L [ M { k: objectKey, s: byteStart, l: byteLength, n: recordCount,
//                 f: firstTimestamp, m: maxTimestamp }, ... ]        oldest first
//         k is '/' + the rest of the key when the object is the partition's own
//         (segments/{topicId}/{p}/...), the whole key otherwise (a shared object)
//   tailBase: N   base offset of tail[0]; tail[i]'s base = tailBase + sum of n before it
//
// An entry carries no base offset, so an appender can add it without knowing where it
// lands (commit.ts). Short names: every byte of the head is paid for at every append.

/** A tail entry as stored: an index entry without its offsets. */
export type TailEntry = Omit<IndexEntry, 'baseOffset' | 'lastOffset' | 'deleteHorizon'>;

export const tailEntryValue = (topicId: string, partition: number, e: TailEntry): AttributeValue => {
  const own = segmentPrefix(topicId, partition);
  return {
    M: {
      k: S(e.objectKey.startsWith(own) ? `/${e.objectKey.slice(own.length)}` : e.objectKey),
      s: N(e.byteStart),
      l: N(e.byteLength),
      n: N(e.recordCount),
      f: N(e.firstTimestamp),
      m: N(e.maxTimestamp),
    },
  };
};

/** Stored tail entries of partition `partition` of `topicId` with their offsets, from `base`. */
export function tailEntries(topicId: string, partition: number, values: readonly AttributeValue[], base: number): IndexEntry[] {
  const own = segmentPrefix(topicId, partition);
  let at = base;
  return values.map((v) => {
    const m = v.M ?? {};
    const recordCount = num(m.n);
    const e: IndexEntry = {
      baseOffset: at,
      lastOffset: at + recordCount - 1,
      objectKey: str(m.k).startsWith('/') ? `${own}${str(m.k).slice(1)}` : str(m.k),
      byteStart: num(m.s),
      byteLength: num(m.l),
      recordCount,
      firstTimestamp: num(m.f),
      maxTimestamp: num(m.m),
    };
    at += recordCount;
    return e;
  });
}

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
