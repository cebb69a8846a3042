// The storage calls of the maintenance pass (lib/log/maintenance.ts): retention's
// log-start advance, compaction's index swap, release records, object listing and
// deletion, and the purge of a deleted topic's heads and index.
//
// Release records ("an object stopped being referenced at time t"). S3's LastModified is
// the upload time, which says nothing about when an index entry stopped pointing at an
// object, and a reader that read the index just before an entry was removed may still be
// about to GET its object. So every transaction that removes index entries also writes,
// in the same transaction, one release item into the segments table:
//
//   tp = "gc#{topicId}#{partition}"   lastOffset = random 96-bit id (unique, never reused)
//   objectKeys = SS of the objects the removed entries pointed at   since = the pass's clock
//
// Garbage collection deletes an unreferenced object once now - since >= grace, where
// since = max(LastModified, every release naming it): a never-committed upload (crash
// between upload and commit) ages from its upload, a released one from its release. A
// release is deleted only once none of its objects exists any more. Release items are
// immutable and never touched by the data path (their tp is not a partition's tp; topic
// ids are base64url, so "gc#..." cannot collide), and they are not in the byTime index
// (no timeKey).
import { randomBytes } from 'node:crypto';
import {
  BatchWriteItemCommand,
  DeleteItemCommand,
  QueryCommand,
  ScanCommand,
  TransactWriteItemsCommand,
  type TransactWriteItem,
  type WriteRequest,
} from '@aws-sdk/client-dynamodb';
import { DeleteObjectsCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { ConcurrentModificationError } from '../core/errors.ts';
import type { StorageClients } from './clients.ts';
import { SEGMENT_PREFIX } from './definitions.ts';
import { callDynamo, callS3, dependencyFailure, errorName } from './failures.ts';
import {
  entryFromItem,
  getIndexEntry,
  indexEntryItem,
  N,
  num,
  S,
  str,
  tpKey,
  type IndexEntry,
  type Item,
} from './metadata.ts';
import { backoffCeiling, sleep } from '../core/time.ts';

/** DynamoDB's limit on the items of one TransactWriteItems. */
export const MAX_TRANSACTION_ITEMS = 100;


/** An index entry as stored, with its byTime sort key. */
export interface StoredIndexEntry extends IndexEntry {
  timeKey: string;
}

export interface Release {
  /** The item's sort key, as stored (a decimal string; too wide for a JS number). */
  id: string;
  objectKeys: string[];
  since: number;
}

export interface StoredObject {
  key: string;
  size: number;
  /** Upload time, epoch ms. */
  lastModified: number;
}

const releaseTp = (topicId: string, partition: number): string => `gc#${tpKey(topicId, partition)}`;
const randomId = (): string => BigInt(`0x${randomBytes(12).toString('hex')}`).toString();



async function queryAll(clients: StorageClients, tp: string, projection?: string): Promise<Item[]> {
  const out: Item[] = [];
  let start: Item | undefined;
  do {
    const res = await callDynamo('Query', () =>
      clients.ddb.send(
        new QueryCommand({
          TableName: clients.names.tables.segments,
          KeyConditionExpression: 'tp = :tp',
          ExpressionAttributeValues: { ':tp': S(tp) },
          ...(projection ? { ProjectionExpression: projection } : {}),
          ConsistentRead: true,
          ExclusiveStartKey: start,
        }),
      ),
    );
    out.push(...(res.Items ?? []));
    start = res.LastEvaluatedKey;
  } while (start);
  return out;
}

// ---- reading ---------------------------------------------------------------------------

/** Every index entry of a partition in offset order. O(entries): maintenance only. */
export async function readIndex(clients: StorageClients, topicId: string, partition: number): Promise<StoredIndexEntry[]> {
  const items = await queryAll(clients, tpKey(topicId, partition));
  return items.map((i) => ({ ...entryFromItem(i), timeKey: str(i.timeKey) }));
}

export async function readReleases(clients: StorageClients, topicId: string, partition: number): Promise<Release[]> {
  const items = await queryAll(clients, releaseTp(topicId, partition));
  return items.map((i) => ({ id: i.lastOffset?.N ?? '0', objectKeys: i.objectKeys?.SS ?? [], since: num(i.since) }));
}

/** (topicId, partition) of every partition head: a full scan of the partitions table. */
export async function scanHeadKeys(clients: StorageClients): Promise<{ topicId: string; partition: number }[]> {
  const out: { topicId: string; partition: number }[] = [];
  let start: Item | undefined;
  do {
    const res = await callDynamo('Scan', () =>
      clients.ddb.send(
        new ScanCommand({
          TableName: clients.names.tables.partitions,
          ProjectionExpression: 'topicId, #p',
          ExpressionAttributeNames: { '#p': 'partition' },
          ConsistentRead: true,
          ExclusiveStartKey: start,
        }),
      ),
    );
    for (const i of res.Items ?? []) out.push({ topicId: str(i.topicId), partition: num(i.partition) });
    start = res.LastEvaluatedKey;
  } while (start);
  return out;
}

/** Partitions of a topic id that have a head. */
export async function listHeadPartitions(clients: StorageClients, topicId: string): Promise<number[]> {
  const out: number[] = [];
  let start: Item | undefined;
  do {
    const res = await callDynamo('Query', () =>
      clients.ddb.send(
        new QueryCommand({
          TableName: clients.names.tables.partitions,
          KeyConditionExpression: 'topicId = :t',
          ExpressionAttributeValues: { ':t': S(topicId) },
          ProjectionExpression: '#p',
          ExpressionAttributeNames: { '#p': 'partition' },
          ConsistentRead: true,
          ExclusiveStartKey: start,
        }),
      ),
    );
    for (const i of res.Items ?? []) out.push(num(i.partition));
    start = res.LastEvaluatedKey;
  } while (start);
  return out;
}

// ---- retention -------------------------------------------------------------------------

export interface LogStartAdvance {
  topicId: string;
  partition: number;
  /** The head's logStartOffset as read; the write is conditional on it. */
  from: number;
  /** The new logStartOffset: the last removed entry's lastOffset + 1. */
  to: number;
  /** The entries wholly below `to`, removed in the same transaction. */
  entries: IndexEntry[];
  /** Clock value recorded as the release time of their objects. */
  releasedAt: number;
}

/** Entries one advance may remove: the head update, the release and one item per entry. */
export const MAX_ENTRIES_PER_ADVANCE = MAX_TRANSACTION_ITEMS - 2;

/**
 * Retention, atomically: advance the head's logStartOffset from `from` to `to` (never past
 * nextOffset) and lower its counters, delete the entries below it (each only if it still
 * points at the object we read) and record their objects as released. Readers check
 * offsets against the head, so nothing below `to` is served once this commits; the
 * objects stay until the grace period has passed. ConcurrentModificationError if the head or
 * any entry changed meanwhile.
 */
export async function advanceLogStart(clients: StorageClients, a: LogStartAdvance): Promise<void> {
  if (a.entries.length === 0 || a.entries.length > MAX_ENTRIES_PER_ADVANCE) {
    throw new RangeError(`an advance removes 1..${MAX_ENTRIES_PER_ADVANCE} entries, not ${a.entries.length}`);
  }
  const bytes = a.entries.reduce((s, e) => s + e.byteLength, 0);
  const items: TransactWriteItem[] = [
    {
      Update: {
        TableName: clients.names.tables.partitions,
        Key: { topicId: S(a.topicId), partition: N(a.partition) },
        UpdateExpression: 'SET logStartOffset = :to, sizeBytes = sizeBytes - :bytes, segmentCount = segmentCount - :n',
        ConditionExpression: 'logStartOffset = :from AND nextOffset >= :to',
        ExpressionAttributeValues: { ':from': N(a.from), ':to': N(a.to), ':bytes': N(bytes), ':n': N(a.entries.length) },
      },
    },
    ...a.entries.map((e) => deleteEntry(clients, a.topicId, a.partition, e)),
    releasePut(clients, a.topicId, a.partition, a.entries.map((e) => e.objectKey), a.releasedAt, 'retention'),
  ];
  try {
    await clients.ddb.send(new TransactWriteItemsCommand({ TransactItems: items }));
  } catch (err) {
    if (errorName(err) === 'TransactionCanceledException') {
      throw new ConcurrentModificationError(
        `Log start of partition ${a.partition} moved, or its index changed, during retention.`,
        { topicId: a.topicId, partition: a.partition },
        err,
      );
    }
    throw dependencyFailure('dynamodb', 'TransactWriteItems', err);
  }
}

// ---- compaction ------------------------------------------------------------------------

export interface IndexSwap {
  topicId: string;
  partition: number;
  /** Contiguous entries being replaced, in offset order. */
  replaced: StoredIndexEntry[];
  /**
   * Their replacement: contiguous entries covering exactly the same offsets, all in one
   * new object. Each ends where a replaced entry ends and takes that entry's timeKey.
   */
  written: StoredIndexEntry[];
  releasedAt: number;
}

/** Entries one swap may replace: one operation each, plus the head update and the release. */
export const MAX_ENTRIES_PER_SWAP = MAX_TRANSACTION_ITEMS - 2;

/**
 * Compaction, atomically: replace a run of index entries by entries pointing into one new
 * object, lower the head's segmentCount, and record the old objects as released. Every
 * replaced entry must still hold the object we read, and the head's logStartOffset must
 * not have passed the run. A written entry ends at the same lastOffset (the same key) as
 * a replaced one, so it is a conditional Put over it; the other replaced entries are
 * conditional Deletes. Readers see the old entries or the new ones (the old objects stay
 * through the grace period), never a mix of offsets.
 *
 * ConcurrentModificationError when it definitely did not commit (so the new object may be
 * deleted); any other error leaves the outcome unknown.
 */
export async function swapIndexEntries(clients: StorageClients, swap: IndexSwap): Promise<void> {
  const { replaced, written } = swap;
  if (replaced.length < 2 || replaced.length > MAX_ENTRIES_PER_SWAP) {
    throw new RangeError(`a swap replaces 2..${MAX_ENTRIES_PER_SWAP} entries, not ${replaced.length}`);
  }
  checkSameOffsets(replaced, written);
  const byLast = new Map(written.map((w) => [w.lastOffset, w]));
  const first = replaced[0]!.baseOffset;
  const last = replaced.at(-1)!.lastOffset;
  const items: TransactWriteItem[] = [
    {
      Update: {
        TableName: clients.names.tables.partitions,
        Key: { topicId: S(swap.topicId), partition: N(swap.partition) },
        UpdateExpression: 'SET segmentCount = segmentCount - :d',
        ConditionExpression: 'logStartOffset <= :first AND nextOffset > :last',
        ExpressionAttributeValues: { ':d': N(replaced.length - written.length), ':first': N(first), ':last': N(last) },
      },
    },
    ...replaced.map((old): TransactWriteItem => {
      const w = byLast.get(old.lastOffset);
      if (!w) return deleteEntry(clients, swap.topicId, swap.partition, old);
      return {
        Put: {
          TableName: clients.names.tables.segments,
          Item: { ...indexEntryItem(swap.topicId, swap.partition, w, 0), timeKey: S(old.timeKey) },
          ConditionExpression: 'objectKey = :old',
          ExpressionAttributeValues: { ':old': S(old.objectKey) },
        },
      };
    }),
    releasePut(clients, swap.topicId, swap.partition, replaced.map((e) => e.objectKey), swap.releasedAt, 'compaction'),
  ];
  try {
    await clients.ddb.send(new TransactWriteItemsCommand({ TransactItems: items }));
  } catch (err) {
    if (errorName(err) === 'TransactionCanceledException') {
      // A cancellation can also be the answer to the SDK's own resend of a request that
      // had already committed: the new object is referenced then, and must stay.
      const probe = written.at(-1)!;
      const now = await getIndexEntry(clients, swap.topicId, swap.partition, probe.lastOffset);
      if (now?.objectKey === probe.objectKey) return;
      throw new ConcurrentModificationError(
        `The index of partition ${swap.partition} changed during compaction of offsets ${first}..${last}.`,
        { topicId: swap.topicId, partition: swap.partition },
        err,
      );
    }
    throw dependencyFailure('dynamodb', 'TransactWriteItems', err);
  }
}

function checkSameOffsets(replaced: IndexEntry[], written: IndexEntry[]): void {
  const ends = new Set(replaced.map((e) => e.lastOffset));
  let expect = replaced[0]!.baseOffset;
  for (const w of written) {
    if (w.baseOffset !== expect || !ends.has(w.lastOffset)) {
      throw new RangeError(`written entry ${w.baseOffset}..${w.lastOffset} does not align with the replaced entries`);
    }
    expect = w.lastOffset + 1;
  }
  if (expect !== replaced.at(-1)!.lastOffset + 1) throw new RangeError('written entries do not cover the replaced ones');
}

function deleteEntry(clients: StorageClients, topicId: string, partition: number, e: IndexEntry): TransactWriteItem {
  return {
    Delete: {
      TableName: clients.names.tables.segments,
      Key: { tp: S(tpKey(topicId, partition)), lastOffset: N(e.lastOffset) },
      ConditionExpression: 'objectKey = :k',
      ExpressionAttributeValues: { ':k': S(e.objectKey) },
    },
  };
}

function releasePut(
  clients: StorageClients,
  topicId: string,
  partition: number,
  objectKeys: string[],
  since: number,
  reason: 'retention' | 'compaction',
): TransactWriteItem {
  return {
    Put: {
      TableName: clients.names.tables.segments,
      Item: {
        tp: S(releaseTp(topicId, partition)),
        lastOffset: { N: randomId() },
        objectKeys: { SS: [...new Set(objectKeys)] },
        since: N(since),
        reason: S(reason),
      },
      ConditionExpression: 'attribute_not_exists(tp)',
    },
  };
}

// ---- garbage ---------------------------------------------------------------------------

export async function deleteReleases(clients: StorageClients, topicId: string, partition: number, ids: string[]): Promise<void> {
  const tp = releaseTp(topicId, partition);
  await batchDelete(clients, ids.map((id) => ({ tp: S(tp), lastOffset: { N: id } })));
}

/** Objects under a prefix, every page. */
export async function listObjects(clients: StorageClients, prefix: string): Promise<StoredObject[]> {
  const out: StoredObject[] = [];
  let token: string | undefined;
  do {
    const res = await callS3('ListObjectsV2', () =>
      clients.s3.send(new ListObjectsV2Command({ Bucket: clients.names.bucket, Prefix: prefix, ContinuationToken: token })),
    );
    for (const o of res.Contents ?? []) {
      if (o.Key) out.push({ key: o.Key, size: o.Size ?? 0, lastModified: o.LastModified?.getTime() ?? 0 });
    }
    token = res.IsTruncated ? res.NextContinuationToken : undefined;
  } while (token);
  return out;
}

/**
 * The topic ids that have objects under segments/. One LIST per topic id: each asks for
 * the first key after the previous id's keys (StartAfter), instead of a Delimiter
 * listing, which s3rver gets wrong for nested keys (it reports no common prefixes).
 */
export async function listTopicIdsWithObjects(clients: StorageClients): Promise<string[]> {
  const ids: string[] = [];
  let after: string | undefined;
  for (;;) {
    const res = await callS3('ListObjectsV2', () =>
      clients.s3.send(
        new ListObjectsV2Command({ Bucket: clients.names.bucket, Prefix: SEGMENT_PREFIX, MaxKeys: 1, StartAfter: after }),
      ),
    );
    const key = res.Contents?.[0]?.Key;
    if (!key) return ids;
    const id = key.slice(SEGMENT_PREFIX.length).split('/')[0]!;
    if (ids.at(-1) === id) {
      after = key; // a key sorting after "{id}/~": step over it one by one
      continue;
    }
    ids.push(id);
    // Keys are segments/{id}/{partition}/{uuid}: all of them sort before "{id}/~".
    after = `${SEGMENT_PREFIX}${id}/~`;
  }
}

/** Deletes objects, 1,000 per request; deleting a missing key is not an error. */
export async function deleteObjects(clients: StorageClients, keys: string[]): Promise<void> {
  for (let i = 0; i < keys.length; i += 1000) {
    const chunk = keys.slice(i, i + 1000);
    const res = await callS3('DeleteObjects', () =>
      clients.s3.send(
        new DeleteObjectsCommand({
          Bucket: clients.names.bucket,
          Delete: { Objects: chunk.map((Key) => ({ Key })), Quiet: true },
        }),
      ),
    );
    const failed = (res.Errors ?? []).filter((e) => e.Code !== 'NoSuchKey');
    if (failed.length) {
      const e = failed[0]!;
      throw dependencyFailure('s3', 'DeleteObjects', Object.assign(new Error(`${e.Key}: ${e.Message ?? ''}`), { name: e.Code ?? 'Error' }));
    }
  }
}

// ---- deleted topics ----------------------------------------------------------------------

/** Deletes every index entry and release of a partition; returns how many index entries went. */
export async function deletePartitionIndex(clients: StorageClients, topicId: string, partition: number): Promise<number> {
  const keys = (tp: string) => queryAll(clients, tp, 'tp, lastOffset');
  const entries = await keys(tpKey(topicId, partition));
  await batchDelete(clients, entries);
  await batchDelete(clients, await keys(releaseTp(topicId, partition)));
  return entries.length;
}

export async function deleteHead(clients: StorageClients, topicId: string, partition: number): Promise<void> {
  await callDynamo('DeleteItem', () =>
    clients.ddb.send(
      new DeleteItemCommand({
        TableName: clients.names.tables.partitions,
        Key: { topicId: S(topicId), partition: N(partition) },
      }),
    ),
  );
}

async function batchDelete(clients: StorageClients, keys: Item[]): Promise<void> {
  const table = clients.names.tables.segments;
  for (let i = 0; i < keys.length; i += 25) {
    let requests: WriteRequest[] = keys.slice(i, i + 25).map((Key) => ({ DeleteRequest: { Key } }));
    for (let attempt = 0; requests.length > 0; attempt++) {
      if (attempt > 0) await sleep(backoffCeiling(attempt, { baseMs: 20, maxMs: 1000 }));
      if (attempt >= 8) throw dependencyFailure('dynamodb', 'BatchWriteItem', new Error('items left unprocessed'));
      const res = await callDynamo('BatchWriteItem', () =>
        clients.ddb.send(new BatchWriteItemCommand({ RequestItems: { [table]: requests } })),
      );
      requests = res.UnprocessedItems?.[table] ?? [];
    }
  }
}
