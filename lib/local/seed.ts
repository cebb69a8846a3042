// Seeding a local stack: writes a committed partition straight into its storage, the
// state that many appends would have left, in seconds instead of one commit per segment.
// Long logs (thousands of segments) are what the fetch benchmark and tests of log-length
// independence need, and appending them one by one would take minutes on the emulators.
//
// The result is what the commit protocol writes, with one upload shared by every segment
// (index entries may point at byte ranges of one object): the object holding the
// segments end to end, one index entry per segment (in pages, as flushes write them), and
// the head. Only for a partition nobody writes to: the head is put on the condition that
// the partition is still empty.
import { BatchWriteItemCommand, ConditionalCheckFailedException, GetItemCommand, PutItemCommand, type WriteRequest } from '@aws-sdk/client-dynamodb';
import { readBatchHeaders } from '../records/index.ts';
import type { StorageClients } from '../storage/clients.ts';
import { N, num, S, type IndexEntry, type Item } from '../storage/metadata.ts';
import { indexPageItem, PAGE_ENTRIES } from '../storage/segmentIndex.ts';
import { newSegmentKey, putSegment } from '../storage/segments.ts';

export interface SeedTarget {
  topicId: string;
  partition: number;
}

export interface SeedOptions {
  /** Called with the index entries written so far. */
  onProgress?: (done: number) => void;
  /** BatchWriteItem calls in flight at once (default 4). */
  concurrency?: number;
}

const BATCH_WRITE_ITEMS = 25;
const MAX_UNPROCESSED_ROUNDS = 10;

/** Each of `segments` (one or more RecordBatch v2, offsets relative to 0) becomes one committed segment. */
export async function seedPartition(clients: StorageClients, target: SeedTarget, segments: readonly Buffer[], opts: SeedOptions = {}): Promise<void> {
  // Index entries are keyed by lastOffset: written into a partition with data, they would
  // replace its own. So look first; the head's condition below catches a writer that
  // slips in meanwhile (its entries may then be lost, as the header warns).
  const head = await clients.ddb.send(new GetItemCommand({ TableName: clients.names.tables.partitions, Key: headKey(target), ConsistentRead: true }));
  if (head.Item?.nextOffset) throw alreadyWritten(target);
  const objectKey = newSegmentKey(target.topicId, target.partition);
  const entries = indexEntries(segments, objectKey);
  await putSegment(clients, objectKey, Buffer.concat(segments));

  // Pages of PAGE_ENTRIES entries, each a time mark, as flushes leave them.
  let runningMax = -1;
  const pages: { item: Item; entries: number }[] = [];
  for (let i = 0; i < entries.length; i += PAGE_ENTRIES) {
    const page = entries.slice(i, i + PAGE_ENTRIES);
    const item = indexPageItem(target.topicId, target.partition, page, runningMax, true);
    pages.push({ item, entries: page.length });
    runningMax = num(item.runMax);
  }
  let next = 0;
  let written = 0;
  const writer = async () => {
    while (next < pages.length) {
      const chunk = pages.slice(next, (next += BATCH_WRITE_ITEMS));
      await batchPut(clients, clients.names.tables.segments, chunk.map(({ item: Item }) => ({ PutRequest: { Item } })));
      opts.onProgress?.((written += chunk.reduce((n, p) => n + p.entries, 0)));
    }
  };
  await Promise.all(Array.from({ length: opts.concurrency ?? 4 }, writer));

  const last = entries.at(-1);
  try {
    await clients.ddb.send(
      new PutItemCommand({
        TableName: clients.names.tables.partitions,
        Item: {
          ...headKey(target),
          nextOffset: N(last ? last.lastOffset + 1 : 0),
          logStartOffset: N(0),
          sizeBytes: N(entries.reduce((n, e) => n + e.byteLength, 0)),
          segmentCount: N(entries.length),
          maxTimestamp: N(runningMax),
        },
        ConditionExpression: 'attribute_not_exists(nextOffset)',
      }),
    );
  } catch (err) {
    if (!(err instanceof ConditionalCheckFailedException)) throw err;
    throw alreadyWritten(target, err);
  }
}

const headKey = (t: SeedTarget) => ({ topicId: S(t.topicId), partition: N(t.partition) });

const alreadyWritten = (t: SeedTarget, cause?: unknown): Error =>
  new Error(`seeding: partition ${t.partition} of topic ${t.topicId} already holds data`, { cause });

/** Offsets follow on from one segment to the next; byte ranges lie end to end in one object. */
function indexEntries(segments: readonly Buffer[], objectKey: string): IndexEntry[] {
  let offset = 0;
  let byteStart = 0;
  return segments.map((body) => {
    const headers = readBatchHeaders(body);
    if (headers.length === 0) throw new RangeError('seeding: a segment holds no record batch');
    const span = Math.max(...headers.map((h) => h.baseOffset + h.lastOffsetDelta)) + 1;
    const entry: IndexEntry = {
      baseOffset: offset,
      lastOffset: offset + span - 1,
      objectKey,
      byteStart,
      byteLength: body.length,
      recordCount: headers.reduce((n, h) => n + h.recordCount, 0),
      firstTimestamp: Math.min(...headers.map((h) => h.firstTimestamp)),
      maxTimestamp: Math.max(...headers.map((h) => h.maxTimestamp)),
    };
    offset += span;
    byteStart += body.length;
    return entry;
  });
}

/** One BatchWriteItem, sent again with what DynamoDB left unprocessed, backing off. */
async function batchPut(clients: StorageClients, table: string, requests: WriteRequest[]): Promise<void> {
  let pending = requests;
  for (let round = 0; pending.length > 0; round++) {
    if (round === MAX_UNPROCESSED_ROUNDS) throw new Error(`seeding: DynamoDB keeps leaving ${pending.length} items unprocessed`);
    if (round > 0) await new Promise((resolve) => setTimeout(resolve, Math.min(1000, 20 * 2 ** round)));
    const res = await clients.ddb.send(new BatchWriteItemCommand({ RequestItems: { [table]: pending } }));
    pending = res.UnprocessedItems?.[table] ?? [];
  }
}
