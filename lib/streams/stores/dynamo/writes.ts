// A batch's state changes as DynamoDB transaction items: what the runtime's one commit
// (outputs, state, input position) carries verbatim, one item per mutation, in the
// mutations' order. Each write is conditional on the version the batch read, so a batch
// that raced another writer of the same item (an instance that kept running after its
// task moved, a reset) commits nothing and runs again from what is now committed.
//
//   read as          value     DynamoDB item
//   version v        bytes     Put   {pk, sk, val, ver: v+1}   if ver = v
//   absent (null)    bytes     Put   {pk, sk, val, ver: 1}     if attribute_not_exists(pk)
//   never read       bytes     Update SET val, ADD ver 1       (no condition: a blind write)
//   version v        null      Delete                          if ver = v
//   absent (null)    null      Delete                          if attribute_not_exists(pk)
//   never read       null      Delete                          (no condition)
//
// A blind write (the engine writes some items without reading them: time-index entries,
// expiry deletions) still moves the version on, so a version read earlier never matches
// again once the item changed. A delete of an item read as absent stays in the list (as
// a check that it is still absent), so the commit holds exactly one item per mutation,
// which is what the engine's commit budget counts.
import type { AttributeValue, TransactWriteItem } from '@aws-sdk/client-dynamodb';
import { N } from '../../../storage/dynamo.ts';
import type { Mutation } from '../backend.ts';
import type { DynamoStoreBackend } from './backend.ts';

const B = (bytes: Uint8Array): AttributeValue => ({ B: bytes });

function condition(expected: number | null): Pick<NonNullable<TransactWriteItem['Put']>, 'ConditionExpression' | 'ExpressionAttributeValues'> {
  if (expected === null) return { ConditionExpression: 'attribute_not_exists(pk)' };
  return { ConditionExpression: 'ver = :expected', ExpressionAttributeValues: { ':expected': N(expected) } };
}

/** One mutation as a transaction item on the backend's table and namespace. */
export function stateWrite(backend: DynamoStoreBackend, m: Mutation): TransactWriteItem {
  const TableName = backend.tableName;
  const Key = backend.itemKey(m.store, m.key);
  const read = m.expectedVersion;
  if (m.value === null) {
    return { Delete: { TableName, Key, ...(read === undefined ? {} : condition(read)) } };
  }
  if (read === undefined) {
    return {
      Update: {
        TableName,
        Key,
        UpdateExpression: 'SET val = :val ADD ver :one',
        ExpressionAttributeValues: { ':val': B(m.value), ':one': N(1) },
      },
    };
  }
  return { Put: { TableName, Item: { ...Key, val: B(m.value), ver: N((read ?? 0) + 1) }, ...condition(read) } };
}

/** A batch's mutations as transaction items, in order. */
export function stateWrites(backend: DynamoStoreBackend, mutations: readonly Mutation[]): TransactWriteItem[] {
  return mutations.map((m) => stateWrite(backend, m));
}
