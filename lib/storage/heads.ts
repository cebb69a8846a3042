// Many partition heads in few calls (batchGet: BatchGetItem, 100 keys per call), for the
// multi-partition fetch (lib/log/multifetch.ts), which reads every partition of a
// member's assignment at once and, while it long-polls, once per poll round.
import { batchGet } from './dynamo.ts';
import { headFromItem, headKey, num, str, tpKey, type PartitionHead } from './metadata.ts';
import type { TableClients } from './tables.ts';

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
  const distinct = [...new Map(keys.map((k) => [tpKey(k.topicId, k.partition), k])).values()];
  const items = await batchGet(clients, clients.names.tables.partitions, distinct.map((k) => headKey(k.topicId, k.partition)), 'read partition heads', consistent);
  const out = new Map<string, PartitionHead>();
  for (const item of items) {
    const head = headFromItem(str(item.topicId), num(item.partition), item);
    out.set(tpKey(head.topicId, head.partition), head);
  }
  for (const k of distinct) {
    const key = tpKey(k.topicId, k.partition);
    if (!out.has(key)) out.set(key, headFromItem(k.topicId, k.partition, undefined));
  }
  return out;
}
