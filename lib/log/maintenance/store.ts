// The log's maintenance store: retention's log-start advance, compaction's index swap,
// release records, and the purge of a deleted topic's heads and index. These are the
// log's own items (the `partitions` and `segments` tables) written by maintenance only;
// the data path's reads and the commit protocol are lib/storage's.
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
import { DeleteItemCommand, UpdateItemCommand, type TransactWriteItem, type Update } from '@aws-sdk/client-dynamodb';
import { ConcurrentModificationError } from '../../core/errors.ts';
import type { StorageClients } from '../../storage/clients.ts';
import { batchWrite, call, conditional, N, num, queryAll, S, scanAll, str, transact, type Item } from '../../storage/dynamo.ts';
import { headKey, tpKey, type CleaningCheckpoint, type IndexEntry } from '../../storage/metadata.ts';
import { entriesFromItem, getIndexEntry, itemOf, type StoredIndexEntry } from '../../storage/segmentIndex.ts';
import { rewriteItems } from './indexItems.ts';

/** DynamoDB's limit on the items of one TransactWriteItems. */
export const MAX_TRANSACTION_ITEMS = 100;


export interface Release {
  /** The item's sort key, as stored (a decimal string; too wide for a JS number). */
  id: string;
  objectKeys: string[];
  since: number;
}

const releaseTp = (topicId: string, partition: number): string => `gc#${tpKey(topicId, partition)}`;
const randomId = (): string => BigInt(`0x${randomBytes(12).toString('hex')}`).toString();

/** Every item of the segments table under one `tp` (index entries or releases). */
const itemsOf = (clients: StorageClients, tp: string): Promise<Item[]> =>
  queryAll(clients, { TableName: clients.names.tables.segments, KeyConditionExpression: 'tp = :tp', ExpressionAttributeValues: { ':tp': S(tp) } });

// ---- reading ---------------------------------------------------------------------------

/** Every index entry of a partition in offset order, pages opened. O(entries): maintenance only. */
export async function readIndex(clients: StorageClients, topicId: string, partition: number): Promise<StoredIndexEntry[]> {
  const items = await itemsOf(clients, tpKey(topicId, partition));
  return items.flatMap(entriesFromItem);
}

export async function readReleases(clients: StorageClients, topicId: string, partition: number): Promise<Release[]> {
  const items = await itemsOf(clients, releaseTp(topicId, partition));
  return items.map((i) => ({ id: i.lastOffset?.N ?? '0', objectKeys: i.objectKeys?.SS ?? [], since: num(i.since) }));
}

/** (topicId, partition) of every partition head: a full scan of the partitions table. */
export async function scanHeadKeys(clients: StorageClients): Promise<{ topicId: string; partition: number }[]> {
  const items = await scanAll(clients, {
    TableName: clients.names.tables.partitions,
    ProjectionExpression: 'topicId, #p',
    ExpressionAttributeNames: { '#p': 'partition' },
  });
  return items.map((i) => ({ topicId: str(i.topicId), partition: num(i.partition) }));
}

/** Partitions of a topic id that have a head. */
export async function listHeadPartitions(clients: StorageClients, topicId: string): Promise<number[]> {
  const items = await queryAll(clients, {
    TableName: clients.names.tables.partitions,
    KeyConditionExpression: 'topicId = :t',
    ExpressionAttributeValues: { ':t': S(topicId) },
    ProjectionExpression: '#p',
    ExpressionAttributeNames: { '#p': 'partition' },
  });
  return items.map((i) => num(i.partition));
}

// ---- retention -------------------------------------------------------------------------

export interface LogStartAdvance {
  topicId: string;
  partition: number;
  /** The head's logStartOffset as read; the write is conditional on it. */
  from: number;
  /** The new logStartOffset: the last removed entry's lastOffset + 1. */
  to: number;
  /** The entries wholly below `to`, removed in the same transaction (the rest of a page they cut kept). */
  entries: StoredIndexEntry[];
  /** Clock value recorded as the release time of their objects. */
  releasedAt: number;
  /** Bytes of the removed entries that key compaction had cleaned (lowers the head's cleanBytes). */
  cleanBytesRemoved?: number;
}

/**
 * Entries one advance may remove: the head update, the release, at most one item per
 * entry, and the rest of a page it cuts through (indexItems.ts).
 */
export const MAX_ENTRIES_PER_ADVANCE = MAX_TRANSACTION_ITEMS - 4;

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
  const conflict = () =>
    new ConcurrentModificationError(`Log start of partition ${a.partition} moved, or its index changed, during retention.`, {
      topicId: a.topicId,
      partition: a.partition,
    });
  const rewrite = await rewriteItems(clients, a.topicId, a.partition, a.entries, []);
  if (!rewrite) throw conflict();
  const bytes = a.entries.reduce((s, e) => s + e.byteLength, 0);
  const clean = a.cleanBytesRemoved ?? 0;
  const items: TransactWriteItem[] = [
    updateHead(clients, a.topicId, a.partition, {
      UpdateExpression: `SET logStartOffset = :to, sizeBytes = sizeBytes - :bytes, segmentCount = segmentCount - :n${clean > 0 ? ', cleanBytes = cleanBytes - :clean' : ''}`,
      ConditionExpression: 'logStartOffset = :from AND nextOffset >= :to',
      ExpressionAttributeValues: {
        ':from': N(a.from), ':to': N(a.to), ':bytes': N(bytes), ':n': N(a.entries.length), ...(clean > 0 ? { ':clean': N(clean) } : {}),
      },
    }),
    ...rewrite,
    releasePut(clients, a.topicId, a.partition, a.entries.map((e) => e.objectKey), a.releasedAt, 'retention'),
  ];
  const advanced = await transact(clients, items, { what: `advance the log start of partition ${a.partition}` });
  if (!advanced.ok) throw conflict();
}

// ---- compaction ------------------------------------------------------------------------

export interface IndexSwap {
  topicId: string;
  partition: number;
  /** Contiguous entries being replaced, in offset order. */
  replaced: StoredIndexEntry[];
  /**
   * Their replacement: contiguous entries covering exactly the same offsets, all in one
   * new object. Each ends where a replaced entry ends, with that entry's running max
   * timestamp, and is a time mark if any entry it replaces was one (so marks stay at most
   * a flush apart).
   */
  written: StoredIndexEntry[];
  releasedAt: number;
  /**
   * 'compaction' merges small segments (at least two, bytes unchanged); 'cleaning' is key
   * compaction, which may rewrite a single entry and gives bytes back. Default compaction.
   */
  reason?: 'compaction' | 'cleaning';
}

/**
 * Entries one swap may replace: with the items they sit in (at most one each), their
 * replacements (at most one each), the rest of the pages it cuts through, the head
 * update and the release, within one transaction (indexItems.ts).
 */
export const MAX_ENTRIES_PER_SWAP = (MAX_TRANSACTION_ITEMS - 6) >> 1;

/**
 * Compaction, atomically: replace a run of index entries by entries pointing into one new
 * object, lower the head's segmentCount, and record the old objects as released. Every
 * item the run touches must still be the one we read (ItemId), and the head's
 * logStartOffset must not have passed the run. The written entries are items of their
 * own; a page the run starts or ends inside keeps its other entries, as a page before
 * the run (a new key) and one after it (the old key, since it ends where the page did).
 * Readers see the old items or the new ones (the old objects stay through the grace
 * period), never a mix of offsets.
 *
 * ConcurrentModificationError when it definitely did not commit (so the new object may be
 * deleted); any other error leaves the outcome unknown.
 */
export async function swapIndexEntries(clients: StorageClients, swap: IndexSwap): Promise<void> {
  const { replaced, written } = swap;
  const reason = swap.reason ?? 'compaction';
  const least = reason === 'cleaning' ? 1 : 2;
  if (replaced.length < least || replaced.length > MAX_ENTRIES_PER_SWAP) {
    throw new RangeError(`a swap replaces ${least}..${MAX_ENTRIES_PER_SWAP} entries, not ${replaced.length}`);
  }
  checkSameOffsets(replaced, written);
  const first = replaced[0]!.baseOffset;
  const last = replaced.at(-1)!.lastOffset;
  const freed = replaced.reduce((s, e) => s + e.byteLength, 0) - written.reduce((s, e) => s + e.byteLength, 0);
  const { topicId, partition } = swap;
  const conflict = () =>
    new ConcurrentModificationError(`The index of partition ${partition} changed during compaction of offsets ${first}..${last}.`, { topicId, partition });
  const rewrite = await rewriteItems(clients, topicId, partition, replaced, written);
  if (!rewrite) throw conflict();
  const items: TransactWriteItem[] = [
    updateHead(clients, topicId, partition, {
      UpdateExpression: 'SET segmentCount = segmentCount - :d, sizeBytes = sizeBytes - :freed',
      ConditionExpression: 'logStartOffset <= :first AND nextOffset > :last',
      ExpressionAttributeValues: { ':d': N(replaced.length - written.length), ':freed': N(freed), ':first': N(first), ':last': N(last) },
    }),
    ...rewrite,
    releasePut(clients, topicId, partition, replaced.map((e) => e.objectKey), swap.releasedAt, reason),
  ];
  if ((await transact(clients, items, { what: `${reason === 'cleaning' ? 'clean' : 'compact'} offsets ${first}..${last} of partition ${partition}` })).ok) return;
  // A lost condition can also be the answer to the SDK's own resend of a request that
  // had already committed: the new object is referenced then, and must stay.
  const probe = written.at(-1)!;
  const now = await getIndexEntry(clients, topicId, partition, probe.lastOffset);
  if (now?.objectKey === probe.objectKey) return;
  throw conflict();
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

/**
 * Key compaction's checkpoint on the head: below `cleanedOffset` the log is cleaned. Never
 * moves back (a slower concurrent pass loses); false when it did not apply.
 */
export async function markCleaned(clients: StorageClients, topicId: string, partition: number, c: CleaningCheckpoint): Promise<boolean> {
  const written = await conditional('UpdateItem', () =>
    clients.ddb.send(
      new UpdateItemCommand({
        TableName: clients.names.tables.partitions,
        Key: headKey(topicId, partition),
        UpdateExpression: 'SET cleanedOffset = :o, cleanBytes = :b, lastCleanedAt = :t',
        ConditionExpression: 'attribute_exists(nextOffset) AND (attribute_not_exists(cleanedOffset) OR cleanedOffset <= :o)',
        ExpressionAttributeValues: { ':o': N(c.cleanedOffset), ':b': N(c.cleanBytes), ':t': N(c.lastCleanedAt) },
      }),
    ),
  );
  return written.ok;
}

/** A conditional update of a partition's head, inside a maintenance transaction. */
function updateHead(clients: StorageClients, topicId: string, partition: number, change: Omit<Update, 'TableName' | 'Key'>): TransactWriteItem {
  return { Update: { TableName: clients.names.tables.partitions, Key: headKey(topicId, partition), ...change } };
}

function releasePut(
  clients: StorageClients,
  topicId: string,
  partition: number,
  objectKeys: string[],
  since: number,
  reason: 'retention' | 'compaction' | 'cleaning',
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

// ---- deleted topics ----------------------------------------------------------------------

/** Deletes a deleted topic's partition's index entries and releases, as read (readIndex, readReleases). */
export async function deletePartitionIndex(
  clients: StorageClients,
  topicId: string,
  partition: number,
  entries: readonly StoredIndexEntry[],
  releases: readonly Release[],
): Promise<void> {
  const keys = new Set(entries.map((e) => itemOf(e).lastOffset));
  await batchDelete(clients, [...keys].map((o) => ({ tp: S(tpKey(topicId, partition)), lastOffset: N(o) })));
  await deleteReleases(clients, topicId, partition, releases.map((r) => r.id));
}

export async function deleteHead(clients: StorageClients, topicId: string, partition: number): Promise<void> {
  await call('DeleteItem', () =>
    clients.ddb.send(
      new DeleteItemCommand({
        TableName: clients.names.tables.partitions,
        Key: headKey(topicId, partition),
      }),
    ),
  );
}

function batchDelete(clients: StorageClients, keys: Item[]): Promise<void> {
  const requests = keys.map((Key) => ({ DeleteRequest: { Key } }));
  return batchWrite(clients, clients.names.tables.segments, requests, 'delete index entries');
}
