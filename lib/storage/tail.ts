// The head's tail (see metadata.ts for its layout and commit.ts for the protocol): the
// newest index entries live on the partition head until a flush moves them to the
// segments table. This module owns the flush and the lookups that must see both places.
//
// Flush, ONE TransactWriteItems (atomic: an entry is in the tail or in the table, never
// in both and never in neither):
//   Update head   REMOVE tail[0..k-1]  SET tailBase = tailBase + n(0..k-1), maxTimestamp
//                                      IF tailBase = :read
//   Put page      the k entries as ONE item, a time mark (segmentIndex.ts)  IF not exists
// The tail only grows at its end and only shrinks at its front, and only a flush moves
// tailBase, so an unchanged tailBase means an unchanged prefix: the condition is the whole
// proof that the page holds the entries the Update removes. A flush that loses the race
// (another flush, a transaction in the way) changes nothing; the next one moves them.
//
// The same update drops writers idle for WRITER_IDLE_MS (their sequence is the time of
// their last append, writers.ts), each only if its sequence is still the one read. An
// append resends for at most RESEND_WINDOW_MS (commit.ts), far below that, so no resend
// can outlive the entry that recognises it, unless clocks differ by most of an hour.
//
// Lookups read the head first, then the table: an entry leaves the tail only into the
// table, so whatever the head read missed, the table read that follows it finds.
import { TransactWriteItemsCommand, type TransactWriteItem } from '@aws-sdk/client-dynamodb';
import type { TableClients } from './tables.ts';
import { classifyTransactionError, getItem } from './dynamo.ts';
import { dependencyFailure } from './failures.ts';
import { getHead, headFromItem, headKey, N, num, tpKey, type IndexEntry, type Item, type PartitionHead } from './metadata.ts';
import { getIndexEntry, indexPageItem, PAGE_ENTRIES } from './segmentIndex.ts';
import { WRITER_SEQ_PREFIX, writerAttributes } from './writers.ts';

/** An appender whose entry makes the tail this long (or a multiple of it) flushes it: a page's worth. */
export const FLUSH_AT = PAGE_ENTRIES;
/** No append lengthens a tail past this: it flushes first (a backstop; flushes keep it short). */
export const TAIL_CAP = 64;
/** Entries one flush moves at most (one page: about 100 bytes each). */
const MAX_FLUSH = 48;
/** A writer that has not appended for this long is dropped from the head by a flush. */
export const WRITER_IDLE_MS = 60 * 60_000;
/** Idle writers one flush drops at most. */
const MAX_DROPPED_WRITERS = 16;

export type FlushOutcome = 'flushed' | 'empty' | 'lost' | 'busy';

/** Partitions this process is flushing: a second flush would only race the first and lose. */
const flushing = new Set<string>();

/**
 * Moves the head's tail (up to MAX_FLUSH entries, at least `min`) to the segments table.
 * 'lost' when another writer changed the tail's front meanwhile, 'busy' when this process
 * is flushing the partition already: nothing was written.
 */
export async function flushTail(clients: TableClients, topicId: string, partition: number, min = 1, now: () => number = Date.now): Promise<FlushOutcome> {
  const tp = tpKey(topicId, partition);
  if (flushing.has(tp)) return 'busy';
  flushing.add(tp);
  try {
    return await flushOnce(clients, topicId, partition, min, now());
  } finally {
    flushing.delete(tp);
  }
}

async function flushOnce(clients: TableClients, topicId: string, partition: number, min: number, at: number): Promise<FlushOutcome> {
  const item = await getItem(clients, clients.names.tables.partitions, headKey(topicId, partition));
  const head = headFromItem(topicId, partition, item);
  if (head.tail.length < Math.max(1, min) || item?.tailBase?.N === undefined) return 'empty';
  const moved = head.tail.slice(0, MAX_FLUSH);
  const page = indexPageItem(topicId, partition, moved, num(item.maxTimestamp, -1), true);
  const runningMax = num(page.runMax);
  const put: TransactWriteItem = { Put: { TableName: clients.names.tables.segments, Item: page, ConditionExpression: 'attribute_not_exists(tp)' } };
  const idle = idleWriters(item, at);
  const update: TransactWriteItem = {
    Update: {
      TableName: clients.names.tables.partitions,
      Key: headKey(topicId, partition),
      UpdateExpression:
        `REMOVE ${[...moved.map((_, i) => `tail[${i}]`), ...idle.flatMap((_, i) => [`#ws${i}`, `#wb${i}`])].join(', ')} ` +
        'SET tailBase = :to, maxTimestamp = :max',
      ConditionExpression: ['tailBase = :from', ...idle.map((_, i) => `#ws${i} = :ws${i}`)].join(' AND '),
      ExpressionAttributeValues: {
        ':from': N(head.tailBase),
        ':to': N(moved.at(-1)!.lastOffset + 1),
        ':max': N(runningMax),
        ...Object.fromEntries(idle.map((w, i) => [`:ws${i}`, N(w.seq)])),
      },
      ...(idle.length
        ? { ExpressionAttributeNames: Object.fromEntries(idle.flatMap((w, i) => [[`#ws${i}`, writerAttributes(w.id).seq], [`#wb${i}`, writerAttributes(w.id).base]])) }
        : {}),
    },
  };
  try {
    await clients.ddb.send(new TransactWriteItemsCommand({ TransactItems: [update, put] }));
    return 'flushed';
  } catch (err) {
    const failure = classifyTransactionError(err);
    if (failure.kind === 'failed') throw dependencyFailure('dynamodb', 'TransactWriteItems', err);
    // A lost condition, a conflict, or no answer: either way the tail is as another flush
    // (or this one) left it, never half-moved.
    return 'lost';
  }
}

/** Writers on the head whose last append is older than WRITER_IDLE_MS (at most MAX_DROPPED_WRITERS). */
function idleWriters(item: Item, at: number): { id: string; seq: number }[] {
  const out: { id: string; seq: number }[] = [];
  for (const [attr, v] of Object.entries(item)) {
    if (!attr.startsWith(WRITER_SEQ_PREFIX) || v.N === undefined || at - num(v) < WRITER_IDLE_MS) continue;
    out.push({ id: attr.slice(WRITER_SEQ_PREFIX.length), seq: num(v) });
    if (out.length === MAX_DROPPED_WRITERS) break;
  }
  return out;
}

/** A flush that must not fail its caller: the records it would move are committed already. */
export async function flushQuietly(clients: TableClients, topicId: string, partition: number, min = 1): Promise<void> {
  await flushTail(clients, topicId, partition, min).catch(() => undefined);
}

/**
 * The committed entry ending at `lastOffset`, wherever it is: the tail of the head, then
 * the table (see the header for why in that order).
 */
export async function findEntry(clients: TableClients, topicId: string, partition: number, lastOffset: number): Promise<IndexEntry | undefined> {
  const head = await getHead(clients, topicId, partition);
  if (lastOffset >= head.tailBase) return head.tail.find((e) => e.lastOffset === lastOffset);
  return getIndexEntry(clients, topicId, partition, lastOffset);
}

/** The tail entries holding offsets >= `offset`, in offset order (all of them from below tailBase). */
export function tailFrom(head: PartitionHead, offset: number): IndexEntry[] {
  return head.tail.filter((e) => e.lastOffset >= offset);
}

/**
 * `table` (entries read from the segments table after `head` was read) followed by the
 * head's tail, each offset once: an entry flushed between the two reads is in both.
 */
export function withTail(head: PartitionHead, table: readonly IndexEntry[], offset: number): IndexEntry[] {
  const out = [...table];
  const covered = out.length ? out.at(-1)!.lastOffset : -1;
  for (const e of tailFrom(head, offset)) if (e.baseOffset > covered) out.push(e);
  return out;
}
