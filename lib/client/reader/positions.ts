// Where a read of a topic starts and ends, per partition, from the topic's description:
// the log start, the high watermark, an offset (checked against the partition's range),
// an offset counted back from the end, or the first offset at or after a time. Without
// `follow`, a partition ends at the high watermark it had when the read began.
import { InvalidRequestError, OffsetOutOfRangeError, UnknownTopicOrPartitionError } from '../../core/errors.ts';
import type { PartitionDescription, TopicDescription } from '../../core/wire.ts';
import type { Admin } from '../admin.ts';

/** Where each partition starts. */
export type ReadFrom = 'earliest' | 'latest' | { offset: number } | { fromEnd: number } | { timestamp: number | Date };

export interface PartitionRange {
  partition: number;
  start: number;
  /** Exclusive; undefined when following. */
  end: number | undefined;
}

/** The partitions to read (all unless `partitions` names some), each with its range. */
export async function readRanges(
  admin: Admin,
  desc: TopicDescription,
  opts: { partitions?: readonly number[]; from: ReadFrom; follow: boolean },
): Promise<PartitionRange[]> {
  const all = [...desc.partitions].sort((a, b) => a.partition - b.partition);
  const selected = opts.partitions === undefined ? all : opts.partitions.map((p) => partitionOf(desc, all, p));
  const starts = await Promise.all(selected.map((p) => startOf(admin, desc.name, p, opts.from)));
  return selected.map((p, i) => ({ partition: p.partition, start: starts[i]!, end: opts.follow ? undefined : p.highWatermark }));
}

function partitionOf(desc: TopicDescription, all: PartitionDescription[], partition: number): PartitionDescription {
  const found = all.find((p) => p.partition === partition);
  if (!found) throw new UnknownTopicOrPartitionError(`Partition ${partition} of topic '${desc.name}' does not exist (partitions: ${all.length}).`);
  return found;
}

async function startOf(admin: Admin, topic: string, p: PartitionDescription, from: ReadFrom): Promise<number> {
  if (from === 'earliest') return p.logStartOffset;
  if (from === 'latest') return p.highWatermark;
  if ('timestamp' in from) return admin.listOffsets(topic, p.partition, from.timestamp);
  if ('fromEnd' in from) {
    if (!Number.isSafeInteger(from.fromEnd) || from.fromEnd < 0) throw new InvalidRequestError(`fromEnd must be a non-negative integer, got ${String(from.fromEnd)}.`);
    return Math.max(p.logStartOffset, p.highWatermark - from.fromEnd);
  }
  if ('offset' in from) {
    if (from.offset < p.logStartOffset || from.offset > p.highWatermark) {
      throw new OffsetOutOfRangeError(
        `Offset ${from.offset} is out of range for partition ${p.partition} of '${topic}' ` +
          `(log start ${p.logStartOffset}, high watermark ${p.highWatermark}).`,
        { logStartOffset: p.logStartOffset, highWatermark: p.highWatermark },
      );
    }
    return from.offset;
  }
  throw new InvalidRequestError(`from must be 'earliest', 'latest', {offset}, {fromEnd} or {timestamp}.`);
}
