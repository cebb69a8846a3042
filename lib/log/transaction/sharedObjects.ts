// Objects shared by several partitions: a transaction uploads the data of all its
// partitions as ONE object (segments/~shared/{uuid}), each partition's segment a byte
// range of it. No partition may delete such an object on its own, so the commit writes a
// reference record in the same transaction as the index entries, in the producers table:
//
//   id = 'txnobject#{objectKey}'   refs: { "topicId#partition": lastOffset of its entry,
//                                          or [lastOffset, ...] of its entries (several) }
//                                  unreferencedSince?: epoch ms (set by the sweep)
//
// The sweep (a maintenance pass) deletes a shared object once it is older than the grace
// period and either has no record (its commit never happened: an orphan) or none of its
// referencing entries still exists with this object key (retention, compaction or a
// topic's deletion removed them all) since at least the grace period, so a reader that
// read an entry before it went can still read the object. A record's condition
// (not exists) doubles as the transaction's receipt after an ambiguous attempt.
//
// Only the hourly orphan-scanning pass lists every shared object. Every other pass
// visits just the objects a partition let go of: while a release record of a partition
// names a shared object (retention, compaction), its garbage collection notes the object
// in the segments table, and so does a deleted topic's purge for the objects it drops,
//
//   tp = "gc#~shared"   lastOffset = 52 bits of the object key's SHA-256   objectKey
//
// (idempotent: every partition that lets go of the object writes the same item), and the
// sweep settles each noted object as above: still referenced -> the note goes (the last
// partition to let go notes it again); unreferenced -> deleted after the grace period,
// then its note. So a pass costs O(objects released), not O(objects stored), and an
// object that only the orphan scan can find (its commit never happened) waits for it.
import { createHash } from 'node:crypto';
import { DeleteItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import type { StorageClients } from '../../storage/clients.ts';
import { SHARED_SEGMENT_PREFIX } from '../../storage/definitions.ts';
import { batchWrite, call, getItem, N, num, queryAll, S, str, type Item } from '../../storage/dynamo.ts';
import { findEntry } from '../../storage/tail.ts';
import { deleteObjects, listObjects } from '../../storage/segments.ts';
import type { TxnParticipant } from './types.ts';

const refsKey = (objectKey: string): Item => ({ id: S(`txnobject#${objectKey}`) });

/**
 * The reference record of a shared object, committed with the entries that reference it:
 * every entry the commit adds (a partition with several lists them all). Only committed
 * entries are referenced: bytes of batches a commit left out (an idempotent producer's
 * duplicate or refused batch, judge.ts) are never read, and go with the object.
 */
export function sharedObjectRefs(clients: StorageClients, objectKey: string): TxnParticipant {
  return {
    what: `references of object ${objectKey}`,
    count: 1,
    items: ({ results, lastOffsets }) => [
      {
        Put: {
          TableName: clients.names.tables.producers,
          Item: {
            ...refsKey(objectKey),
            refs: {
              M: Object.fromEntries(
                results.map((r, i) => {
                  const last = lastOffsets[i]!;
                  return [`${r.topicId}#${r.partition}`, last.length === 1 ? N(last[0]!) : { L: last.map((o) => N(o)) }];
                }),
              ),
            },
          },
          ConditionExpression: 'attribute_not_exists(id)',
        },
      },
    ],
    // Only this transaction writes this record: if it exists, an earlier attempt committed.
    explain: async () => 'committed',
  };
}

export interface SharedSweepResult {
  objectsDeleted: number;
  orphansDeleted: number;
  bytesDeleted: number;
  objectsPending: number;
}

/** Where the notes of released shared objects live (the segments table; see the header). */
const NOTES_TP = 'gc#~shared';
const noteKey = (objectKey: string): Item => ({
  tp: S(NOTES_TP),
  lastOffset: N(parseInt(createHash('sha256').update(objectKey).digest('hex').slice(0, 13), 16)),
});

/** Notes shared objects a partition no longer references, for the next sweep to settle. */
export async function noteReleasedSharedObjects(clients: StorageClients, objectKeys: Iterable<string>): Promise<void> {
  const requests = [...new Set(objectKeys)].map((k) => ({ PutRequest: { Item: { ...noteKey(k), objectKey: S(k) } } }));
  if (requests.length > 0) await batchWrite(clients, clients.names.tables.segments, requests, 'note released shared objects');
}

/**
 * One maintenance sweep over the shared objects (see the header): every one of them when
 * `full` (the orphan scan), else only those noted as released.
 */
export async function sweepSharedObjects(
  clients: StorageClients,
  opts: { now: () => number; graceMs: number; full?: boolean },
): Promise<SharedSweepResult> {
  const result: SharedSweepResult = { objectsDeleted: 0, orphansDeleted: 0, bytesDeleted: 0, objectsPending: 0 };
  const now = opts.now();
  const count = (outcome: Outcome, size = 0) => {
    if (outcome === 'pending') result.objectsPending++;
    if (outcome === 'deleted') result.objectsDeleted++;
    if (outcome === 'orphan') result.orphansDeleted++;
    if (outcome === 'deleted' || outcome === 'orphan') result.bytesDeleted += size;
  };
  // The notes before the listing: an object noted and then deleted is absent from it.
  const notes = await queryAll(clients, {
    TableName: clients.names.tables.segments,
    KeyConditionExpression: 'tp = :tp',
    ExpressionAttributeValues: { ':tp': S(NOTES_TP) },
  });
  const outcomes = new Map<string, Outcome>();
  if (opts.full ?? true) {
    for (const o of await listObjects(clients, SHARED_SEGMENT_PREFIX)) {
      const outcome = now - o.lastModified < opts.graceMs ? 'pending' : await settle(clients, o.key, await refsOf(clients, o.key), now, opts.graceMs);
      outcomes.set(o.key, outcome);
      count(outcome, o.size);
    }
  } else {
    for (const key of new Set(notes.map((n) => str(n.objectKey)))) {
      // Only committed objects are noted: no record means an earlier sweep deleted it.
      const record = await refsOf(clients, key);
      const outcome = record ? await settle(clients, key, record, now, opts.graceMs) : 'gone';
      outcomes.set(key, outcome);
      count(outcome);
    }
  }
  // A note is done unless its object is pending: referenced objects are noted anew by
  // the partition that lets go of them last; unlisted ones are gone.
  const done = notes.filter((n) => outcomes.get(str(n.objectKey)) !== 'pending').map((n) => ({ tp: n.tp!, lastOffset: n.lastOffset! }));
  if (done.length > 0) await batchWrite(clients, clients.names.tables.segments, done.map((Key) => ({ DeleteRequest: { Key } })), 'drop settled notes');
  return result;
}

type Outcome = 'referenced' | 'pending' | 'deleted' | 'orphan' | 'gone';

const refsOf = (clients: StorageClients, objectKey: string): Promise<Item | undefined> =>
  getItem(clients, clients.names.tables.producers, refsKey(objectKey));

/**
 * One shared object past its upload's grace period: kept while referenced; without a
 * reference record (never committed) deleted; unreferenced, deleted once it has been so
 * for the grace period (the first sweep to see it unreferenced starts that clock).
 */
async function settle(clients: StorageClients, objectKey: string, record: Item | undefined, now: number, graceMs: number): Promise<Outcome> {
  if (record && (await stillReferenced(clients, objectKey, record))) return 'referenced';
  if (record) {
    const since = record.unreferencedSince?.N === undefined ? undefined : num(record.unreferencedSince);
    if (since === undefined) await markUnreferenced(clients, objectKey, now);
    if (since === undefined || now - since < graceMs) return 'pending';
  }
  await deleteObjects(clients, [objectKey]);
  if (record) await call('DeleteItem', () => clients.ddb.send(new DeleteItemCommand({ TableName: clients.names.tables.producers, Key: refsKey(objectKey) })));
  return record ? 'deleted' : 'orphan';
}

async function stillReferenced(clients: StorageClients, objectKey: string, record: Item): Promise<boolean> {
  for (const [tp, last] of Object.entries(record.refs?.M ?? {})) {
    const cut = tp.lastIndexOf('#');
    for (const offset of last.L ?? [last]) {
      const entry = await findEntry(clients, tp.slice(0, cut), Number(tp.slice(cut + 1)), num(offset));
      if (entry?.objectKey === objectKey) return true;
    }
  }
  return false;
}

function markUnreferenced(clients: StorageClients, objectKey: string, now: number): Promise<unknown> {
  return call('PutItem', () =>
    clients.ddb.send(
      new PutItemCommand({
        TableName: clients.names.tables.producers,
        Item: { ...refsKey(objectKey), refs: { M: {} }, unreferencedSince: N(now) },
        ConditionExpression: 'attribute_exists(id)',
      }),
    ),
  ).catch(() => undefined);
}
