// Heads written before producers' states had items of their own (lib/storage/
// producerStates.ts) carry them in a `producers` attribute, which every append to the
// partition pays for by its size. A pass moves its live states to their items and
// removes the attribute, in one transaction conditional on the attribute being the one
// read (nothing writes it any more, so only another pass can have changed it), each item
// only if it does not exist yet (an append since wrote a newer state). An append racing
// the move either wrote its item first (the move fails and the next pass skips that
// producer) or writes it after (from the same state, which it read from the attribute or
// the item: both hold the same). A head with more live producers than one transaction
// holds keeps the attribute until enough of them expire.
import type { TransactWriteItem } from '@aws-sdk/client-dynamodb';
import type { StorageClients } from '../../storage/clients.ts';
import { S, transact } from '../../storage/dynamo.ts';
import { headKey, type PartitionHead } from '../../storage/metadata.ts';
import { producerStatePut, readProducerStates, stateKey } from '../../storage/producerStates.ts';
import { liveLegacyStates } from '../idempotence.ts';
import { MAX_TRANSACTION_ITEMS } from './store.ts';

/** Moves a head's older producer states to their items; true when the attribute is gone. */
export async function moveLegacyProducerStates(clients: StorageClients, head: PartitionHead, now: number): Promise<boolean> {
  const json = head.producersJson;
  if (json === undefined) return true;
  const { topicId, partition } = head;
  const live = liveLegacyStates(json, now);
  const stored = await readProducerStates(clients, live.map((w) => ({ topicId, partition, producerId: w.producerId })));
  const moved = live.filter((w) => !stored.has(stateKey({ topicId, partition, producerId: w.producerId })));
  if (moved.length > MAX_TRANSACTION_ITEMS - 1) return false;
  const items: TransactWriteItem[] = [
    {
      Update: {
        TableName: clients.names.tables.partitions,
        Key: headKey(topicId, partition),
        UpdateExpression: 'REMOVE producers',
        ConditionExpression: 'producers = :p',
        ExpressionAttributeValues: { ':p': S(json) },
      },
    },
    ...moved.map((w) => {
      const { Put } = producerStatePut(clients, topicId, partition, w);
      return { Put: { ...Put!, ConditionExpression: 'attribute_not_exists(id)' } };
    }),
  ];
  return (await transact(clients, items, { what: `move the producer states of partition ${partition} to their items` })).ok;
}
