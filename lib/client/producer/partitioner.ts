// Kafka's default partitioner: an explicit partition; else murmur2 of the key modulo the
// partition count; keyless records go to a sticky partition that changes whenever the
// batch it fills is closed, so keyless traffic makes few, full batches.
import { defaultPartition } from '../../records/index.ts';
import type { Accumulator, Batch, Item } from './accumulator.ts';
import type { TopicMetadata } from './metadata.ts';

/** A random partition, different from `previous` when there is a choice (Kafka's sticky pick). */
export function pickStickyPartition(partitions: number, previous: number, random: () => number = Math.random): number {
  if (partitions <= 1) return 0;
  if (previous < 0 || previous >= partitions) return Math.floor(random() * partitions);
  const p = Math.floor(random() * (partitions - 1));
  return p >= previous ? p + 1 : p;
}

/** The batch an item joins, once the topic's partition count is known (and covers an explicit partition). */
export function batchFor(acc: Accumulator, t: TopicMetadata, item: Item): Batch {
  if (item.partition !== undefined) return acc.openBatch(t, acc.partition(t.name, item.partition), item);
  if (item.record.key !== null) {
    return acc.openBatch(t, acc.partition(t.name, defaultPartition(item.record.key, t.partitions!)), item);
  }
  // Sticky: keyless records fill one batch; when it closes, move to another partition.
  let sticky = t.sticky;
  if (!sticky || sticky.sealed || !acc.fits(t, sticky, item)) {
    if (sticky && !sticky.sealed) acc.seal(sticky);
    const p = pickStickyPartition(t.partitions!, t.lastSticky);
    t.lastSticky = p;
    sticky = acc.openBatch(t, acc.partition(t.name, p), item);
    t.sticky = sticky;
  }
  return sticky;
}
