// Offsets by time over a sparse byTime index (lib/storage/metadata.ts StoredIndexEntry):
// only time marks are in the index, yet a lookup answers as a full index would, wherever
// the marks are and however record timestamps go back and forth.
import { BatchWriteItemCommand, PutItemCommand, QueryCommand } from '@aws-sdk/client-dynamodb';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Log } from '../../../lib/log/index.ts';
import { encodeBatch } from '../../../lib/records/index.ts';
import { N, S, tpKey } from '../../../lib/storage/metadata.ts';
import { indexEntryItem } from '../../../lib/storage/segmentIndex.ts';
import { FLUSH_AT } from '../../../lib/storage/tail.ts';
import { useTestStorage } from '../../support/stack.ts';
import { rec } from '../../support/log.ts';

const storage = useTestStorage();
let n = 0;
async function topic() {
  const log = new Log(storage.clients);
  const t = await log.createTopic({ name: `ti${n++}-${Date.now()}`, partitions: 1 });
  return { log, name: t.name, topicId: t.topicId };
}

/** A committed partition of one-record entries stamped `stamps`, time marks where `marks` says. */
async function seed(topicId: string, stamps: readonly number[], marks: readonly boolean[]): Promise<void> {
  const batches = stamps.map((ts, i) => encodeBatch({ records: [{ ...rec(`v${i}`), timestamp: ts }] }));
  const key = `segments/${topicId}/0/seeded`;
  await storage.clients.s3.send(new PutObjectCommand({ Bucket: storage.clients.names.bucket, Key: key, Body: Buffer.concat(batches) }));
  let at = 0;
  let runMax = -1;
  const items = batches.map((b, i) => {
    runMax = Math.max(runMax, stamps[i]!);
    const entry = { baseOffset: i, lastOffset: i, objectKey: key, byteStart: at, byteLength: b.length, recordCount: 1, firstTimestamp: stamps[i]!, maxTimestamp: stamps[i]! };
    at += b.length;
    return indexEntryItem(topicId, 0, entry, runMax, marks[i]!);
  });
  for (let i = 0; i < items.length; i += 25) {
    await storage.clients.ddb.send(new BatchWriteItemCommand({
      RequestItems: { [storage.clients.names.tables.segments]: items.slice(i, i + 25).map((Item) => ({ PutRequest: { Item } })) },
    }));
  }
  await storage.clients.ddb.send(new PutItemCommand({
    TableName: storage.clients.names.tables.partitions,
    Item: {
      topicId: S(topicId), partition: N(0), nextOffset: N(stamps.length), logStartOffset: N(0), sizeBytes: N(at),
      segmentCount: N(stamps.length), maxTimestamp: N(runMax), tailBase: N(stamps.length), tail: { L: [] },
    },
  }));
}

/** Kafka's answer for one-record entries: the first offset stamped at or after `ts`, else the end. */
const firstAtOrAfter = (stamps: readonly number[], ts: number): number => {
  const i = stamps.findIndex((s) => s >= ts);
  return i < 0 ? stamps.length : i;
};

describe('offsets by time over a sparse time index', () => {
  it('answers as a full index would, wherever the time marks are', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(fc.integer({ min: 0, max: 200 }), fc.boolean()), { minLength: 1, maxLength: 150 }),
        fc.array(fc.integer({ min: 0, max: 210 }), { minLength: 1, maxLength: 6 }),
        async (entries, probes) => {
          const { log, name, topicId } = await topic();
          const stamps = entries.map(([ts]) => ts);
          await seed(topicId, stamps, entries.map(([, mark]) => mark));

          const found = await Promise.all(probes.map((ts) => log.listOffsets(name, 0, ts)));

          expect(found).toEqual(probes.map((ts) => firstAtOrAfter(stamps, ts)));
        },
      ),
      { numRuns: 25 },
    );
  }, 120_000);

  it('a flush puts one time mark, its newest entry, in the byTime index', async () => {
    const { log, name, topicId } = await topic();

    for (let i = 0; i < FLUSH_AT; i++) await log.append(name, 0, { records: [{ ...rec(`v${i}`), timestamp: 1000 + i }] });

    const marks = await storage.clients.ddb.send(new QueryCommand({
      TableName: storage.clients.names.tables.segments,
      IndexName: 'byTime',
      KeyConditionExpression: 'tp = :tp',
      ExpressionAttributeValues: { ':tp': S(tpKey(topicId, 0)) },
    }));
    expect(marks.Items?.map((i) => Number(i.lastOffset!.N))).toEqual([FLUSH_AT - 1]);
    expect(await log.listOffsets(name, 0, 1003)).toBe(3);
  });
});
