// The segment index as the `segments` table stores it: the entries below a partition
// head's tailBase (metadata.ts holds the heads; tail.ts moves their tails here; the
// maintenance store rewrites it). One item per key `lastOffset`, an entry or a page:
//
//   tp, lastOffset   key: the item's LAST entry
//   baseOffset, objectKey, byteStart, byteLength, recordCount, firstTimestamp,
//   maxTimestamp, deleteHorizon?                  the last entry's fields
//   runMax    N  running maximum record timestamp up to lastOffset (monotone in offset)
//   timeKey   S  timeKey(runMax, lastOffset), on time marks only: the byTime index's key
//   page      L  (pages only) the entries before the last, oldest first, in the tail's
//                form (metadata.ts tailEntryValue: offsets implied by their counts)
//   pageBase  N  (pages only) baseOffset of the page's first entry
//   runBase   N  (pages only) running max timestamp below the page's first entry
//
// A flush moves a head's tail here as ONE page: a write costs a unit per KB, so eight
// entries cost one item's units, not eight. Maintenance writes the entries of its own
// objects one item each, and splits a page it cuts through (lib/log/maintenance/store.ts).
// `Query lastOffset >= o` still finds the item holding offset o first. An item is known
// by its last entry's objectKey and its pageBase (ItemId): an item is never rewritten
// in place with the same pair, so maintenance's writes are conditional on both.
//
// The byTime index is sparse: a write to it costs as much as the item's own, so only
// time marks are in it, the last entry of every flush (a page), at most a flush apart.
// A lookup by time finds the first mark reaching the time, then walks back from it
// through the table to the first entry that does (queryIndexByTime). Entries written
// before runMax existed carry it in their timeKey.
import { QueryCommand } from '@aws-sdk/client-dynamodb';
import { call, N, num, S, str, type Item } from './dynamo.ts';
import { parseTpKey, tailEntries, tailEntryValue, tpKey, type IndexEntry } from './metadata.ts';
import type { TableClients } from './tables.ts';

/** byTime sort key: running max timestamp, then lastOffset, both fixed-width so strings sort as numbers. */
export const timeKey = (runningMaxTimestamp: number, lastOffset: number): string =>
  `${String(Math.max(0, runningMaxTimestamp)).padStart(16, '0')}#${String(lastOffset).padStart(16, '0')}`;

/** Which item holds an entry: its key, and what maintenance's conditions check. */
export interface ItemId {
  lastOffset: number;
  /** The item's last entry's object. */
  objectKey: string;
  /** Pages only: the first entry's baseOffset. */
  pageBase?: number;
}

/** An index entry as the table stores it. */
export interface StoredIndexEntry extends IndexEntry {
  runMax: number;
  timeMark: boolean;
  /** The page holding the entry; absent when the entry is an item of its own. */
  item?: ItemId;
}

/** The item holding `e`. */
export const itemOf = (e: StoredIndexEntry): ItemId => e.item ?? { lastOffset: e.lastOffset, objectKey: e.objectKey };

const lastEntryOf = (i: Item): StoredIndexEntry => ({
  baseOffset: num(i.baseOffset),
  lastOffset: num(i.lastOffset),
  objectKey: str(i.objectKey),
  byteStart: num(i.byteStart),
  byteLength: num(i.byteLength),
  recordCount: num(i.recordCount),
  firstTimestamp: num(i.firstTimestamp),
  maxTimestamp: num(i.maxTimestamp),
  ...(i.deleteHorizon?.N ? { deleteHorizon: num(i.deleteHorizon) } : {}),
  runMax: i.runMax?.N !== undefined ? num(i.runMax) : i.timeKey?.S !== undefined ? Number(i.timeKey.S.slice(0, 16)) : -1,
  timeMark: i.timeKey?.S !== undefined,
});

/** The entries of one item, in offset order. */
export function entriesFromItem(i: Item): StoredIndexEntry[] {
  const last = lastEntryOf(i);
  if (i.page?.L === undefined) return [last];
  const { topicId, partition } = parseTpKey(str(i.tp));
  const item: ItemId = { lastOffset: last.lastOffset, objectKey: last.objectKey, pageBase: num(i.pageBase) };
  let runMax = num(i.runBase);
  const before = tailEntries(topicId, partition, i.page.L, item.pageBase!).map(
    (e): StoredIndexEntry => ({ ...e, runMax: (runMax = Math.max(runMax, e.maxTimestamp)), timeMark: false, item }),
  );
  return [...before, { ...last, item }];
}

/** One entry as an item of its own. */
export function indexEntryItem(topicId: string, partition: number, e: IndexEntry, runMax: number, timeMark: boolean): Item {
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
    runMax: N(runMax),
    ...(timeMark ? { timeKey: S(timeKey(runMax, e.lastOffset)) } : {}),
    ...(e.deleteHorizon !== undefined ? { deleteHorizon: N(e.deleteHorizon) } : {}),
  };
}

/**
 * Contiguous entries as ONE item (a page when there are several), `runBase` the running
 * max timestamp below the first. Only the last may carry a delete horizon (the tail's
 * form has none): pagesFor cuts there.
 */
export function indexPageItem(topicId: string, partition: number, entries: readonly IndexEntry[], runBase: number, timeMark: boolean): Item {
  const last = entries.at(-1)!;
  const runMax = entries.reduce((m, e) => Math.max(m, e.maxTimestamp), runBase);
  const item = indexEntryItem(topicId, partition, last, runMax, timeMark);
  if (entries.length === 1) return item;
  const before = entries.slice(0, -1);
  if (before.some((e) => e.deleteHorizon !== undefined)) throw new RangeError('only the last entry of a page may carry a delete horizon');
  return { ...item, page: { L: before.map((e) => tailEntryValue(topicId, partition, e)) }, pageBase: N(entries[0]!.baseOffset), runBase: N(runBase) };
}

/** Contiguous entries cut into pages: after each entry with a delete horizon, else one page. */
export function pagesFor<E extends IndexEntry>(entries: readonly E[]): E[][] {
  const pages: E[][] = [];
  let page: E[] = [];
  for (const e of entries) {
    page.push(e);
    if (e.deleteHorizon !== undefined) {
      pages.push(page);
      page = [];
    }
  }
  if (page.length > 0) pages.push(page);
  return pages;
}

/** Entries a flush writes as one page (tail.ts flushes at this many): what to expect of an item. */
export const PAGE_ENTRIES = 8;
/** Queries one lookup makes at most to gather what it wants. */
const MAX_QUERIES = 4;

/**
 * Entries holding offsets >= `offset`, in offset order: at least `want.entries` of them
 * (or `want.bytes` of data) if the index has them. The first is the entry holding
 * `offset` itself: items are keyed by their last entry's lastOffset, so
 * `lastOffset >= offset` skips every item that ends before it without reading it. Cost is
 * independent of log length. A query asks for as many items as pages would hold the
 * entries wanted (a read is billed by the kilobyte), and goes on for more only where
 * items hold fewer, as many as those it read held.
 */
export async function queryIndexFrom(
  clients: TableClients,
  topicId: string,
  partition: number,
  offset: number,
  want: { entries: number; bytes?: number },
): Promise<StoredIndexEntry[]> {
  const out: StoredIndexEntry[] = [];
  let bytes = 0;
  let items = 0;
  let start: Item | undefined;
  for (let queries = 0; queries < MAX_QUERIES; queries++) {
    // Entries per item: a page's worth at first, then as many as the items read held.
    const perItem = items === 0 ? PAGE_ENTRIES : Math.max(1, out.length / items);
    const res = await call('Query', () =>
      clients.ddb.send(
        new QueryCommand({
          TableName: clients.names.tables.segments,
          KeyConditionExpression: 'tp = :tp AND lastOffset >= :o',
          ExpressionAttributeValues: { ':tp': S(tpKey(topicId, partition)), ':o': N(offset) },
          ConsistentRead: true,
          // The first item may hold entries below `offset` too: one more for those (the
          // entry holding `offset` itself is always in the first).
          Limit: Math.ceil((want.entries - out.length) / perItem) + (items === 0 && want.entries > 1 ? 1 : 0),
          ...(start ? { ExclusiveStartKey: start } : {}),
        }),
      ),
    );
    items += res.Items?.length ?? 0;
    for (const e of (res.Items ?? []).flatMap(entriesFromItem)) {
      if (e.lastOffset < offset) continue;
      out.push(e);
      bytes += e.byteLength;
    }
    start = res.LastEvaluatedKey;
    if (!start || out.length >= want.entries || bytes >= (want.bytes ?? Infinity)) break;
  }
  return out;
}

/** The entry ending at `lastOffset`, an item of its own or inside a page. */
export async function getIndexEntry(clients: TableClients, topicId: string, partition: number, lastOffset: number): Promise<StoredIndexEntry | undefined> {
  return (await queryIndexFrom(clients, topicId, partition, lastOffset, { entries: 1 })).find((e) => e.lastOffset === lastOffset);
}

/** Items one step of the walk back from a time mark reads (marks are at most a flush apart). */
const TIME_WALK_PAGE = 16;

/**
 * The first entry whose running max timestamp reaches `timestamp`: the earliest entry
 * that can hold a record with timestamp >= `timestamp` (every earlier entry's records
 * are all older). The first time mark reaching it (one query on the byTime index), then
 * the entries before that mark, newest first, down to the first that does not reach it:
 * runMax is monotone in offset, so the answer is the last one reaching it on the way.
 * Without such a mark, the walk starts at the table's newest entry.
 */
export async function queryIndexByTime(clients: TableClients, topicId: string, partition: number, timestamp: number): Promise<IndexEntry | undefined> {
  const tp = S(tpKey(topicId, partition));
  const marks = await call('Query', () =>
    clients.ddb.send(
      new QueryCommand({
        TableName: clients.names.tables.segments,
        IndexName: 'byTime',
        KeyConditionExpression: 'tp = :tp AND timeKey >= :k',
        ExpressionAttributeValues: { ':tp': tp, ':k': S(timeKey(timestamp, 0)) },
        ConsistentRead: true,
        Limit: 1,
      }),
    ),
  );
  const mark = marks.Items?.[0];
  let found: StoredIndexEntry | undefined;
  let from: Item | undefined;
  do {
    const page = await call('Query', () =>
      clients.ddb.send(
        new QueryCommand({
          TableName: clients.names.tables.segments,
          KeyConditionExpression: mark ? 'tp = :tp AND lastOffset <= :o' : 'tp = :tp',
          ExpressionAttributeValues: { ':tp': tp, ...(mark ? { ':o': mark.lastOffset! } : {}) },
          ScanIndexForward: false,
          ConsistentRead: true,
          Limit: TIME_WALK_PAGE,
          ...(from ? { ExclusiveStartKey: from } : {}),
        }),
      ),
    );
    for (const item of page.Items ?? []) {
      for (const e of entriesFromItem(item).reverse()) {
        if (e.runMax < timestamp) return found;
        found = e;
      }
    }
    from = page.LastEvaluatedKey;
  } while (from);
  return found;
}
