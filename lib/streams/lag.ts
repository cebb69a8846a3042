// Lag per input partition of a processor: for every partition of every topic it reads
// (user inputs and its internal topics), the next offset to process (the committed
// position, or the log start when its task never committed one) against the partition's
// high watermark. Read from the topics and partitions tables alone.
import { getTopics, listHeads } from '../storage/metadata.ts';
import type { TableClients } from '../storage/tables.ts';

export interface PartitionLag {
  topic: string;
  partition: number;
  /** The next offset to process. */
  offset: number;
  highWatermark: number;
  lag: number;
}

/** `positions` maps "topic:partition" to the committed next offset. */
export async function lagOf(clients: TableClients, topics: readonly string[], positions: ReadonlyMap<string, number>): Promise<PartitionLag[]> {
  const records = await getTopics(clients, [...new Set(topics)].sort());
  const out: PartitionLag[] = [];
  for (const [name, topic] of records) {
    if (!topic) continue;
    for (const head of await listHeads(clients, topic.topicId, topic.partitions)) {
      const offset = Math.max(positions.get(`${name}:${head.partition}`) ?? head.logStartOffset, head.logStartOffset);
      out.push({ topic: name, partition: head.partition, offset, highWatermark: head.nextOffset, lag: Math.max(0, head.nextOffset - offset) });
    }
  }
  return out;
}
