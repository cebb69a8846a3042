// Versioned items: state other features keep beside the log (a processor's state store,
// a source connector's offsets) and commit in the same transaction as records. Each is
// written only if its version is still the one read:
//
//   Put     {...key, ...attributes, version: expected + 1, txn: txnId}
//           IF version = expected            (IF attribute_not_exists(version) for a new item)
//   Delete  key                              IF version = expected
//
// `txn` is the transaction's receipt: after an ambiguous attempt, a Put whose condition
// fails because our own earlier attempt wrote it is recognised by it (TxnVerdict
// 'committed'). A version changed by anyone else is CONCURRENT_MODIFICATION (retriable:
// the caller re-reads and recomputes); so is a Delete whose item is gone, since a delete
// leaves no receipt (after an ambiguous attempt the re-read shows it gone).
import type { TransactWriteItem } from '@aws-sdk/client-dynamodb';
import { ConcurrentModificationError } from '../../core/errors.ts';
import type { TableId } from '../../core/tables.ts';
import type { StorageClients } from '../../storage/clients.ts';
import { getItem, N, S, str, type Item } from '../../storage/dynamo.ts';
import type { TxnParticipant } from './types.ts';

export interface VersionedItem {
  table: TableId;
  key: Item;
  /** The version read; undefined when the item must not exist yet. */
  expectedVersion?: number;
  /** New attributes (besides the key); undefined deletes the item. */
  attributes?: Item;
}

function condition(v: VersionedItem) {
  return v.expectedVersion === undefined
    ? { ConditionExpression: 'attribute_not_exists(#v)', ExpressionAttributeNames: { '#v': 'version' } }
    : { ConditionExpression: '#v = :v', ExpressionAttributeNames: { '#v': 'version' }, ExpressionAttributeValues: { ':v': N(v.expectedVersion) } };
}

/** The participant committing `items` with their version checks. */
export function versionedItems(clients: StorageClients, items: readonly VersionedItem[]): TxnParticipant {
  return {
    what: 'versioned items',
    count: items.length,
    items: ({ txnId }): TransactWriteItem[] =>
      items.map((v) => {
        const TableName = clients.names.tables[v.table];
        if (v.attributes === undefined) return { Delete: { TableName, Key: v.key, ...condition(v) } };
        const Item = { ...v.attributes, ...v.key, version: N((v.expectedVersion ?? 0) + 1), txn: S(txnId) };
        return { Put: { TableName, Item, ...condition(v) } };
      }),
    explain: async (failed, { txnId }) => {
      for (const i of failed) {
        const v = items[i]!;
        const now = await getItem(clients, clients.names.tables[v.table], v.key);
        if (v.attributes !== undefined && now && str(now.txn) === txnId) return 'committed';
        return new ConcurrentModificationError(
          `An item of table '${v.table}' changed since it was read (version ${now?.version?.N ?? 'none'}, expected ${v.expectedVersion ?? 'none'}). Nothing was written; read it again.`,
          { table: v.table, expectedVersion: v.expectedVersion ?? null },
        );
      }
      return undefined;
    },
  };
}
