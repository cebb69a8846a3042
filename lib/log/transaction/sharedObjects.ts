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
import { DeleteItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import type { StorageClients } from '../../storage/clients.ts';
import { SHARED_SEGMENT_PREFIX } from '../../storage/definitions.ts';
import { call, getItem, N, num, S, type Item } from '../../storage/dynamo.ts';
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

/** One maintenance sweep over the shared objects (see the header). */
export async function sweepSharedObjects(clients: StorageClients, opts: { now: () => number; graceMs: number }): Promise<SharedSweepResult> {
  const result: SharedSweepResult = { objectsDeleted: 0, orphansDeleted: 0, bytesDeleted: 0, objectsPending: 0 };
  const now = opts.now();
  for (const o of await listObjects(clients, SHARED_SEGMENT_PREFIX)) {
    if (now - o.lastModified < opts.graceMs) {
      result.objectsPending++;
      continue;
    }
    const record = await getItem(clients, clients.names.tables.producers, refsKey(o.key));
    if (record && (await stillReferenced(clients, o.key, record))) continue;
    if (record) {
      const since = record.unreferencedSince?.N === undefined ? undefined : num(record.unreferencedSince);
      if (since === undefined) await markUnreferenced(clients, o.key, now);
      if (since === undefined || now - since < opts.graceMs) {
        result.objectsPending++;
        continue;
      }
    }
    await deleteObjects(clients, [o.key]);
    if (record) await call('DeleteItem', () => clients.ddb.send(new DeleteItemCommand({ TableName: clients.names.tables.producers, Key: refsKey(o.key) })));
    result.bytesDeleted += o.size;
    if (record) result.objectsDeleted++;
    else result.orphansDeleted++;
  }
  return result;
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
