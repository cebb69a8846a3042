// How maintenance rewrites items of the segment index (lib/storage/segmentIndex.ts: an
// item is one entry or a flush's page of them). Retention and compaction remove or
// replace runs of ENTRIES; a run may start or end inside a page, whose other entries
// must stay. So a rewrite takes the items the run touches and writes, in the same
// transaction:
//
//   the page's entries before the run    a page of their own (a new key: where they end)
//   the replacement entries, if any      one item each
//   the page's entries after the run     a page under the old key (they end where it did)
//   every touched item not written over  deleted
//
// The touched items are read afresh and must hold the run's entries as planned; every
// write over or delete of one is conditional on it being the item read (its ItemId: last
// entry's objectKey and pageBase), every new key on being free.
import type { Put, TransactWriteItem } from '@aws-sdk/client-dynamodb';
import type { StorageClients } from '../../storage/clients.ts';
import { N, num, queryAll, S, type Item } from '../../storage/dynamo.ts';
import { tpKey, type IndexEntry } from '../../storage/metadata.ts';
import { entriesFromItem, indexEntryItem, indexPageItem, itemOf, pagesFor, type ItemId, type StoredIndexEntry } from '../../storage/segmentIndex.ts';

/** The condition that the item under `id`'s key is still the one `id` names. */
function identityCondition(id: ItemId): Pick<Put, 'ConditionExpression' | 'ExpressionAttributeValues'> {
  return id.pageBase === undefined
    ? { ConditionExpression: 'objectKey = :k AND attribute_not_exists(pageBase)', ExpressionAttributeValues: { ':k': S(id.objectKey) } }
    : { ConditionExpression: 'objectKey = :k AND pageBase = :pb', ExpressionAttributeValues: { ':k': S(id.objectKey), ':pb': N(id.pageBase) } };
}

/**
 * The items now holding offsets from..to (each as its entries), read afresh: those that
 * end inside the range, and the one after them if the range ends inside it.
 */
async function itemsCovering(clients: StorageClients, topicId: string, partition: number, from: number, to: number): Promise<StoredIndexEntry[][]> {
  const tp = S(tpKey(topicId, partition));
  const query = (condition: string, values: Record<string, ReturnType<typeof N>>, limit?: number) =>
    queryAll(clients, { TableName: clients.names.tables.segments, KeyConditionExpression: `tp = :tp AND ${condition}`, ExpressionAttributeValues: { ':tp': tp, ...values } }, limit);
  const items = (await query('lastOffset BETWEEN :a AND :b', { ':a': N(from), ':b': N(to) })).map(entriesFromItem);
  if (items.at(-1)?.at(-1)?.lastOffset !== to) items.push(...(await query('lastOffset > :b', { ':b': N(to) }, 1)).slice(0, 1).map(entriesFromItem));
  return items;
}

const sameEntry = (a: IndexEntry, b: IndexEntry): boolean =>
  a.baseOffset === b.baseOffset && a.lastOffset === b.lastOffset && a.objectKey === b.objectKey && a.byteStart === b.byteStart && a.byteLength === b.byteLength;

/**
 * The writes that take the entries `run` (contiguous, offset order) out of the index and
 * put `written` (single items: the entries replacing them, covering the same offsets, or
 * none) in their place, keeping the touched pages' other entries. The items are read
 * afresh (an earlier rewrite may have cut a page since the run was planned); undefined
 * when the index no longer holds the run's entries as planned (nothing to write).
 */
export async function rewriteItems(
  clients: StorageClients,
  topicId: string,
  partition: number,
  run: readonly StoredIndexEntry[],
  written: readonly StoredIndexEntry[],
): Promise<TransactWriteItem[] | undefined> {
  const from = run[0]!.baseOffset;
  const to = run.at(-1)!.lastOffset;
  const items = await itemsCovering(clients, topicId, partition, from, to);
  const inRange = items.flat().filter((e) => e.lastOffset >= from && e.baseOffset <= to);
  if (inRange.length !== run.length || inRange.some((e, i) => !sameEntry(e, run[i]!))) return undefined;
  const touched = items.map((entries) => itemOf(entries.at(-1)!));
  const before = items[0]!.filter((e) => e.lastOffset < from);
  const after = items.at(-1)!.filter((e) => e.baseOffset > to);

  const byKey = new Map(touched.map((id) => [id.lastOffset, id]));
  const overwritten = new Set<number>();
  const put = (item: Item): TransactWriteItem => {
    const old = byKey.get(num(item.lastOffset));
    if (old) overwritten.add(old.lastOffset);
    return { Put: { TableName: clients.names.tables.segments, Item: item, ...(old ? identityCondition(old) : { ConditionExpression: 'attribute_not_exists(tp)' }) } };
  };
  // A page of stored entries runs from its first entry's running max: at least the max
  // below it, so every entry keeps its running max.
  const pages = (entries: StoredIndexEntry[], mark: boolean) =>
    pagesFor(entries).map((page, i, all) => put(indexPageItem(topicId, partition, page, page[0]!.runMax, mark && i === all.length - 1)));
  const puts = [
    ...pages(before, false),
    ...written.map((w) => put(indexEntryItem(topicId, partition, w, w.runMax, w.timeMark))),
    ...pages(after, after.at(-1)?.timeMark ?? false),
  ];
  const deletes = touched
    .filter((id) => !overwritten.has(id.lastOffset))
    .map((id): TransactWriteItem => ({
      Delete: { TableName: clients.names.tables.segments, Key: { tp: S(tpKey(topicId, partition)), lastOffset: N(id.lastOffset) }, ...identityCondition(id) },
    }));
  return [...puts, ...deletes];
}
