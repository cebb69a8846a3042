// Idempotent producers' state per partition (their epoch and last batches, owned by
// lib/log/idempotence.ts, stored opaque): one item per (partition, producer) in the
// producers table, beside the registrations (producers.ts):
//
//   id = "pstate#{topicId}#{partition}#{producerId}"   st: S   expiresAt: N (TTL, seconds)
//
// Not on the partition head: every append's write units and every fetch's head read
// follow the head's size, and serverless producers come and go (a new id per container),
// so a head holding their state would grow with every one of them. An item is written
// only in a transaction that also moves its partition's head, conditional on the
// nextOffset read, and read only after that head (the callers' order): any write of it
// after the head read moved the head too, so that transaction fails and reads again.
// Heads written before this keep their state in a `producers` attribute
// (PartitionHead.producersJson), read where a producer has no item yet.
import type { TransactWriteItem } from '@aws-sdk/client-dynamodb';
import type { StorageClients } from './clients.ts';
import { batchGet, N, S, str, type Item } from './dynamo.ts';

/** One producer's state to store with a head move. */
export interface ProducerStateWrite {
  producerId: string;
  /** Opaque state (lib/log/idempotence.ts). */
  state: string;
  /** When the state may be forgotten, epoch ms (stored as the item's TTL). */
  expiresAt: number;
}

export interface ProducerStateKey {
  topicId: string;
  partition: number;
  producerId: string;
}

/** A state's item id, which is also the key `readProducerStates` answers it under. */
export const stateKey = (k: ProducerStateKey): string => `pstate#${k.topicId}#${k.partition}#${k.producerId}`;

/** The stored states of `keys`, by `stateKey`; producers without one are absent. */
export async function readProducerStates(clients: StorageClients, keys: readonly ProducerStateKey[]): Promise<Map<string, string>> {
  if (keys.length === 0) return new Map();
  const ids = [...new Set(keys.map(stateKey))];
  const items = await batchGet(clients, clients.names.tables.producers, ids.map((id) => ({ id: S(id) })), 'read producer states');
  return new Map(items.map((i: Item) => [str(i.id), str(i.st)]));
}

/** The Put storing one producer's state, for the transaction that moves the partition's head. */
export function producerStatePut(clients: StorageClients, topicId: string, partition: number, w: ProducerStateWrite): TransactWriteItem {
  return {
    Put: {
      TableName: clients.names.tables.producers,
      Item: { id: S(stateKey({ topicId, partition, producerId: w.producerId })), st: S(w.state), expiresAt: N(Math.ceil(w.expiresAt / 1000)) },
    },
  };
}
