// Many partition heads in few calls: BatchGetItem, 100 keys per call, for the
// multi-partition fetch (lib/log/multifetch.ts), which reads every partition of a
// member's assignment at once and, while it long-polls, once per poll round. Keys
// DynamoDB leaves unprocessed are asked again with a short backoff.
import { BatchGetItemCommand } from '@aws-sdk/client-dynamodb';
import { callDynamo, dependencyFailure } from './failures.ts';
import { headFromItem, N, num, S, str, tpKey, type Item, type PartitionHead } from './metadata.ts';
import type { TableClients } from './tables.ts';

const BATCH_GET_KEYS = 100;
const MAX_ATTEMPTS = 10;

export interface HeadKey {
  topicId: string;
  partition: number;
}

/**
 * The heads of `keys`, by tpKey; partitions never written read as empty. `consistent`:
 * strongly consistent (what a read serves from); eventually consistent reads cost half
 * and suit noticing that a head moved, when the read that serves is consistent.
 */
export async function getHeads(clients: TableClients, keys: readonly HeadKey[], consistent: boolean): Promise<Map<string, PartitionHead>> {
  const table = clients.names.tables.partitions;
  const out = new Map<string, PartitionHead>();
  const distinct = [...new Map(keys.map((k) => [tpKey(k.topicId, k.partition), k])).values()];
  for (let i = 0; i < distinct.length; i += BATCH_GET_KEYS) {
    let pending: Item[] = distinct.slice(i, i + BATCH_GET_KEYS).map((k) => ({ topicId: S(k.topicId), partition: N(k.partition) }));
    for (let attempt = 0; pending.length > 0; attempt++) {
      if (attempt >= MAX_ATTEMPTS) throw dependencyFailure('dynamodb', 'BatchGetItem', new Error(`keys left unprocessed after ${MAX_ATTEMPTS} attempts`));
      if (attempt > 0) await new Promise((r) => setTimeout(r, Math.random() * Math.min(200, 10 * 2 ** attempt)));
      const res = await callDynamo('BatchGetItem', () =>
        clients.ddb.send(new BatchGetItemCommand({ RequestItems: { [table]: { Keys: pending, ConsistentRead: consistent } } })),
      );
      for (const item of res.Responses?.[table] ?? []) {
        const head = headFromItem(str(item.topicId), num(item.partition), item);
        out.set(tpKey(head.topicId, head.partition), head);
      }
      pending = (res.UnprocessedKeys?.[table]?.Keys ?? []) as Item[];
    }
  }
  for (const k of distinct) {
    const key = tpKey(k.topicId, k.partition);
    if (!out.has(key)) out.set(key, headFromItem(k.topicId, k.partition, undefined));
  }
  return out;
}
