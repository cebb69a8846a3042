// Step 1 of a one-shot transaction: its records, spread over (topic, partition) as
// produce spreads them (explicit partition, else Kafka's key hash, else one sticky
// partition per topic), encoded per partition as an append would, and uploaded as ONE
// object: each partition's batches a byte range of it. Nothing is visible yet. The
// topics are confirmed afresh while the upload runs, so a topic deleted (or re-created)
// since it was cached is never written.
//
// Everything that can be refused is refused before the upload: unknown topics and
// partitions, record limits and sizes, and the transaction's item count (limits.ts).
import { UnknownTopicOrPartitionError } from '../../core/errors.ts';
import type { RecordInput } from '../../records/types.ts';
import type { StorageClients } from '../../storage/clients.ts';
import { getHead, getTopics, type PartitionHead, type TopicRecord } from '../../storage/metadata.ts';
import { newSegmentKey, newSharedSegmentKey, putSegment } from '../../storage/segments.ts';
import { checkRecords, checkRecordSizes, segmentFromRecords, type Segment } from '../append.ts';
import { assignPartitions } from '../produce.ts';
import { checkTransactionShape } from './limits.ts';
import type { TxnPartition } from './types.ts';

/** One partition's data, encoded: batches based at offset 0. */
export interface EncodedPart {
  topic: TopicRecord;
  partition: number;
  segment: Segment;
}

/** Uploaded parts: each partition's segment, the shared object if any, and the heads read meanwhile. */
export interface UploadedParts {
  partitions: TxnPartition[];
  sharedObjectKey?: string;
  /** Every partition's head, read while the upload ran: the bases of the first commit attempt (none if not asked for). */
  heads: PartitionHead[];
}

/**
 * Uploads the parts as ONE object, each part a byte range of it, and confirms every
 * topic afresh while the upload runs (a topic deleted or re-created since it was cached
 * is never written: UNKNOWN_TOPIC_OR_PARTITION with `topicChanged`). The heads are read
 * meanwhile too: the commit is conditional on them, so heads read early cost at most a
 * retry, and the commit needs no round trip of its own before its TransactWriteItems.
 * Parts of several partitions share an object under segments/~shared/ (its references
 * must be committed too: sharedObjectRefs); a single part gets the partition's own key.
 * Consecutive parts of one partition become its segments, in their order (a gateway
 * flush: each idempotent producer's batches a segment of their own, judge.ts). Appends
 * that need no heads (sharedAppend.ts) skip reading them.
 */
export async function uploadParts(
  clients: StorageClients,
  parts: readonly EncodedPart[],
  opts: { readHeads?: boolean; sharedObjectKey?: string } = {},
): Promise<UploadedParts> {
  const shared = parts.length > 1;
  const objectKey = shared ? (opts.sharedObjectKey ?? newSharedSegmentKey()) : newSegmentKey(parts[0]!.topic.topicId, parts[0]!.partition);
  const partitions: TxnPartition[] = [];
  let byteStart = 0;
  for (const { topic, partition, segment: e } of parts) {
    const segment = {
      objectKey,
      byteStart,
      byteLength: e.body.length,
      recordCount: e.recordCount,
      firstTimestamp: e.firstTimestamp,
      maxTimestamp: e.maxTimestamp,
      ...(e.producer ? { producer: e.producer } : {}),
    };
    byteStart += e.body.length;
    const last = partitions.at(-1);
    if (last?.topic.topicId === topic.topicId && last.partition === partition) last.segments.push(segment);
    else partitions.push({ topic, partition, segments: [segment] });
  }
  const names = [...new Set(parts.map((g) => g.topic.name))];
  const [, current, heads] = await Promise.all([
    putSegment(clients, objectKey, Buffer.concat(parts.map((e) => e.segment.body))),
    getTopics(clients, names),
    opts.readHeads === false ? [] : Promise.all(partitions.map((g) => getHead(clients, g.topic.topicId, g.partition))),
  ]);
  for (const g of parts) {
    if (current.get(g.topic.name)?.topicId !== g.topic.topicId) {
      throw new UnknownTopicOrPartitionError(`Topic '${g.topic.name}' was deleted. Nothing was written.`, { topicChanged: true });
    }
  }
  return { partitions, ...(shared ? { sharedObjectKey: objectKey } : {}), heads };
}

/** One record of a transaction, as the API's JSON (or the SDK) gives it. */
export interface TxnRecord {
  topic: string;
  record: RecordInput;
  /** Explicit partition, if the request named one. */
  partition?: number;
}

export interface PreparedTransaction extends UploadedParts {
  /** For each record, in request order: its partition (index into `partitions`) and position there. */
  placements: { at: number; position: number }[];
}

/**
 * Spreads, checks, encodes and uploads. `topics` holds every named topic (as resolved
 * by the caller); `participantItems` counts the other items of the commit for the limit.
 */
export async function prepareRecords(
  clients: StorageClients,
  topics: ReadonlyMap<string, TopicRecord>,
  records: readonly TxnRecord[],
  opts: { now: number; participantItems: number },
): Promise<PreparedTransaction> {
  const groups = spread(topics, records);
  checkRecords(records.map((r) => r.record));
  for (const g of groups) checkRecordSizes(g.topic, g.records);
  const shared = groups.length > 1;
  checkTransactionShape({ partitions: groups.length, segments: groups.length, sharedObject: shared, participantItems: opts.participantItems });

  const encoded = groups.map((g) => ({ topic: g.topic, partition: g.partition, segment: segmentFromRecords(g.topic, g.records, opts.now) }));
  const uploaded = await uploadParts(clients, encoded);
  const placements = new Array<{ at: number; position: number }>(records.length);
  groups.forEach((g, at) => g.indices.forEach((index, position) => (placements[index] = { at, position })));
  return { ...uploaded, placements };
}

interface Group {
  topic: TopicRecord;
  partition: number;
  indices: number[];
  records: RecordInput[];
}

/** Records by (topic, partition), in order of first appearance; each record's index kept. */
function spread(topics: ReadonlyMap<string, TopicRecord>, records: readonly TxnRecord[]): Group[] {
  const targets = new Map<string, number[]>();
  for (const name of new Set(records.map((r) => r.topic))) {
    const topic = topics.get(name)!;
    const mine = records.filter((r) => r.topic === name);
    records.forEach((r, i) => {
      if (r.topic === name && r.partition !== undefined && r.partition >= topic.partitions) {
        throw new UnknownTopicOrPartitionError(
          `records[${i}]: partition ${r.partition} of topic '${name}' does not exist (partitions: ${topic.partitions}). Nothing was written.`,
          { record: i },
        );
      }
    });
    targets.set(name, assignPartitions(mine, topic.partitions, Math.floor(Math.random() * topic.partitions)));
  }
  const seen = new Map<string, number>();
  const groups = new Map<string, Group>();
  records.forEach((r, i) => {
    const k = seen.get(r.topic) ?? 0;
    seen.set(r.topic, k + 1);
    const partition = targets.get(r.topic)![k]!;
    const key = `${r.topic}#${partition}`;
    let g = groups.get(key);
    if (!g) groups.set(key, (g = { topic: topics.get(r.topic)!, partition, indices: [], records: [] }));
    g.indices.push(i);
    g.records.push(r.record);
  });
  return [...groups.values()];
}
