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
// A produce request's object (lib/log/sharedAppend.ts) is committed by one append per
// partition rather than by a transaction, so its record is written BEFORE the appends,
// naming the partitions that may come to reference it and who each append is on the
// head (its writer and sequence, lib/storage/commit.ts claimAppend), and completed after:
//
//   id = 'txnobject#{objectKey}'   createdAt: epoch ms
//                                  pending: { "topicId#partition": { w: writer, q: seq,
//                                             n: record count } }
//   ... then                       refs as above, pending removed (or left for partitions
//                                  whose append failed: it may still have landed)
//
// A record still pending PENDING_SETTLE_MS after it was written (its writer crashed, or
// could not complete it) is settled by the sweep: by then no append of it can land any
// more (an append resends for at most RESEND_WINDOW_MS). The head says whether each one
// landed and where (its writer's sequence and base, appendLanded); only when it cannot
// tell (the writer appended again since, or the record is very old) does the sweep look
// through the partition's index for the object's entries itself.
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
import { DeleteItemCommand, PutItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import type { StorageClients } from '../../storage/clients.ts';
import { SHARED_SEGMENT_PREFIX } from '../../storage/definitions.ts';
import { appendLanded, RESEND_WINDOW_MS, type AppendClaim } from '../../storage/commit.ts';
import { batchWrite, call, conditional, getItem, N, num, queryAll, S, str, type Item } from '../../storage/dynamo.ts';
import { getHead, headKey, parseTpKey, tpKey } from '../../storage/metadata.ts';
import { entriesFromItem } from '../../storage/segmentIndex.ts';
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
                  return [tpKey(r.topicId, r.partition), last.length === 1 ? N(last[0]!) : { L: last.map((o) => N(o)) }];
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

/** A pending record is the sweep's to settle this long after it was written (see the header). */
export const PENDING_SETTLE_MS = 2 * RESEND_WINDOW_MS;

/** One partition's append of a shared object, as its pending record names it. */
export interface PendingAppend {
  /** `topicId#partition` */
  tp: string;
  claim: AppendClaim;
  recordCount: number;
}

/** Before the appends: the record naming the partitions that may reference the object, and who each append is. */
export async function putPendingRefs(clients: StorageClients, objectKey: string, appends: readonly PendingAppend[], now: number): Promise<void> {
  // A fresh object key: a failed condition is this Put's own earlier attempt, landed.
  await conditional('PutItem', () =>
    clients.ddb.send(
      new PutItemCommand({
        TableName: clients.names.tables.producers,
        Item: { ...refsKey(objectKey), pending: pendingValue(appends), createdAt: N(now) },
        ConditionExpression: 'attribute_not_exists(id)',
      }),
    ),
  );
}

const pendingValue = (appends: readonly PendingAppend[]) => ({
  M: Object.fromEntries(appends.map((a) => [a.tp, { M: { w: S(a.claim.writer.id), q: N(a.claim.seq), n: N(a.recordCount) } }])),
});

/**
 * After the appends: the entries they made (`topicId#partition` -> lastOffset); the
 * appends that failed (they may still have landed) stay pending, for the sweep.
 */
export async function completeRefs(clients: StorageClients, objectKey: string, refs: ReadonlyMap<string, number>, failed: readonly PendingAppend[]): Promise<void> {
  await call('UpdateItem', () =>
    clients.ddb.send(
      new UpdateItemCommand({
        TableName: clients.names.tables.producers,
        Key: refsKey(objectKey),
        UpdateExpression: failed.length > 0 ? 'SET refs = :refs, pending = :failed' : 'SET refs = :refs REMOVE pending',
        ExpressionAttributeValues: {
          ':refs': { M: Object.fromEntries([...refs].map(([tp, last]) => [tp, N(last)])) },
          ...(failed.length > 0 ? { ':failed': pendingValue(failed) } : {}),
        },
      }),
    ),
  );
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
async function settle(clients: StorageClients, objectKey: string, found: Item | undefined, now: number, graceMs: number): Promise<Outcome> {
  const record = found?.pending ? await settlePending(clients, objectKey, found, now) : found;
  if (record === 'wait') return 'pending';
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

/**
 * A pending record, once its appends can no longer land: the entries its pending appends
 * made (as their heads tell, else as the index shows), recorded as refs beside those it
 * has. 'wait' while an append of it may still land.
 */
async function settlePending(clients: StorageClients, objectKey: string, record: Item, now: number): Promise<Item | 'wait'> {
  if (now - num(record.createdAt) < PENDING_SETTLE_MS) return 'wait';
  const offsets = new Map<string, number[]>();
  for (const [tp, last] of Object.entries(record.refs?.M ?? {})) offsets.set(tp, (last.L ?? [last]).map((o) => num(o)));
  for (const [tp, claim] of Object.entries(record.pending?.M ?? {})) {
    const { topicId, partition } = parseTpKey(tp);
    const head = await getItem(clients, clients.names.tables.partitions, headKey(topicId, partition));
    const c = claim.M ?? {};
    const landed = appendLanded(head, str(c.w), num(c.q), num(record.createdAt), now);
    const found = landed === 'unknown' ? await entriesOn(clients, topicId, partition, objectKey) : landed === 'absent' ? [] : [landed + num(c.n) - 1];
    if (found.length > 0) offsets.set(tp, [...(offsets.get(tp) ?? []), ...found]);
  }
  const refs = Object.fromEntries([...offsets].map(([tp, list]) => [tp, { L: list.map((o) => N(o)) }]));
  await call('UpdateItem', () =>
    clients.ddb.send(
      new UpdateItemCommand({
        TableName: clients.names.tables.producers,
        Key: refsKey(objectKey),
        UpdateExpression: 'SET refs = :refs REMOVE pending',
        ConditionExpression: 'attribute_exists(id)',
        ExpressionAttributeValues: { ':refs': { M: refs } },
      }),
    ),
  ).catch(() => undefined);
  const { pending: _settled, ...rest } = record;
  return { ...rest, refs: { M: refs } };
}

/**
 * lastOffsets of the entries of a partition that reference `objectKey`: the head's tail,
 * then the index (an entry the flush moves between the two reads is in the index). Reads
 * the partition's whole index: only for records whose writer never completed them.
 */
async function entriesOn(clients: StorageClients, topicId: string, partition: number, objectKey: string): Promise<number[]> {
  const head = await getHead(clients, topicId, partition);
  const items = await queryAll(clients, {
    TableName: clients.names.tables.segments,
    KeyConditionExpression: 'tp = :tp',
    ExpressionAttributeValues: { ':tp': S(tpKey(topicId, partition)) },
  });
  const table = items.flatMap(entriesFromItem);
  const offsets = new Set([...head.tail, ...table].filter((e) => e.objectKey === objectKey).map((e) => e.lastOffset));
  return [...offsets].sort((a, b) => a - b);
}

async function stillReferenced(clients: StorageClients, objectKey: string, record: Item): Promise<boolean> {
  for (const [tp, last] of Object.entries(record.refs?.M ?? {})) {
    const { topicId, partition } = parseTpKey(tp);
    for (const offset of last.L ?? [last]) {
      const entry = await findEntry(clients, topicId, partition, num(offset));
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
