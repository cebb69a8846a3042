// Shared by the maintenance tests: a controllable clock, and readers of the stored state.
import { BatchWriteItemCommand, PutItemCommand, QueryCommand } from '@aws-sdk/client-dynamodb';
import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import { expect } from 'vitest';
import { segmentFromRecords } from '../../../../lib/log/append.ts';
import { Log } from '../../../../lib/log/index.ts';
import { readBatchHeaders, setBaseOffset, type RecordInput } from '../../../../lib/records/index.ts';
import type { StorageClients } from '../../../../lib/storage/clients.ts';
import { getHead, getTopic, N, S, tpKey, type Item } from '../../../../lib/storage/metadata.ts';
import { indexEntryItem } from '../../../../lib/storage/segmentIndex.ts';
import { newSegmentKey, putSegment } from '../../../../lib/storage/segments.ts';
import { indexEntries } from '../../../support/log.ts';

export const GRACE = 10 * 60_000;

let topics = 0;

/** A one-partition topic named `{prefix}{n}-{time}`, and a Log whose clock the test moves (testClock). */
export async function clockedTopic(clients: StorageClients, prefix: string, config: Record<string, unknown> = {}) {
  const clock = testClock();
  const log = new Log(clients, { now: clock.now });
  const t = await log.createTopic({ name: `${prefix}${topics++}-${Date.now()}`, config });
  return { clock, log, name: t.name, topicId: t.topicId };
}

/** A clock tests move by hand; starts at the real time so S3 upload times line up with it. */
export function testClock() {
  let t = Date.now();
  return {
    now: () => t,
    advance: (ms: number) => {
      t += ms;
    },
    /** Moves to the wall clock if behind it: objects uploaded meanwhile carry real times. */
    catchUp: () => {
      t = Math.max(t, Date.now());
    },
    get t() {
      return t;
    },
  };
}

export async function objectKeys(clients: StorageClients, topicId: string, partition?: number): Promise<string[]> {
  const keys: string[] = [];
  let token: string | undefined;
  do {
    const res = await clients.s3.send(
      new ListObjectsV2Command({
        Bucket: clients.names.bucket,
        Prefix: `segments/${topicId}/${partition === undefined ? '' : `${partition}/`}`,
        ContinuationToken: token,
      }),
    );
    for (const o of res.Contents ?? []) keys.push(o.Key!);
    token = res.IsTruncated ? res.NextContinuationToken : undefined;
  } while (token);
  return keys.sort();
}

/** Items of the segments table under a partition key (index entries, or "gc#..." releases). */
export async function segmentItems(clients: StorageClients, tp: string): Promise<number> {
  const res = await clients.ddb.send(
    new QueryCommand({
      TableName: clients.names.tables.segments,
      KeyConditionExpression: 'tp = :tp',
      ExpressionAttributeValues: { ':tp': { S: tp } },
      ConsistentRead: true,
      Select: 'COUNT',
    }),
  );
  return res.Count ?? 0;
}

export const releaseCount = (clients: StorageClients, topicId: string, p: number) => segmentItems(clients, `gc#${tpKey(topicId, p)}`);

/** The head's counters agree with the index: segmentCount = entries, sizeBytes = their bytes. */
export async function expectCountersMatchIndex(clients: StorageClients, topicId: string, partition: number): Promise<void> {
  const head = await getHead(clients, topicId, partition);
  const entries = await indexEntries(clients, topicId, partition);
  expect(head.segmentCount, 'segmentCount = index entries').toBe(entries.length);
  expect(head.sizeBytes, 'sizeBytes = bytes of the index entries').toBe(entries.reduce((s, e) => s + e.byteLength, 0));
}

/** Every record with everything a consumer sees, read in small fetches. */
export async function snapshot(log: Log, topic: string, partition: number, from = 0, maxRecords = 1000) {
  const out: { offset: number; key: string | null; value: string | null; timestamp: number; headers: string }[] = [];
  let offset = from;
  for (;;) {
    const res = await log.fetch(topic, partition, { offset, maxRecords });
    for (const r of res.records) {
      out.push({
        offset: r.offset,
        key: r.key?.toString('hex') ?? null,
        value: r.value?.toString('hex') ?? null,
        timestamp: r.timestamp,
        headers: JSON.stringify(r.headers.map((h) => [h.key, h.value?.toString('hex') ?? null])),
      });
    }
    if (res.nextOffset >= res.highWatermark) return out;
    if (res.nextOffset <= offset) throw new Error(`fetch at ${offset} made no progress`);
    offset = res.nextOffset;
  }
}

/** The raw batches of a partition as a Kafka client receives them (absolute base offsets). */
export async function rawBatches(log: Log, topic: string, partition: number, from = 0): Promise<Buffer> {
  const parts: Buffer[] = [];
  let offset = from;
  for (;;) {
    const res = await log.fetchBatches(topic, partition, { offset, maxBytes: 64 * 1024 });
    parts.push(res.batches);
    if (res.nextOffset >= res.highWatermark) return Buffer.concat(parts);
    if (res.nextOffset <= offset) throw new Error(`fetchBatches at ${offset} made no progress`);
    offset = res.nextOffset;
  }
}

/**
 * Commits many one-append segments to an empty partition quickly: the objects are encoded
 * as append encodes them and uploaded in parallel, then the index entries and the head are
 * written as the commit protocol writes them (a few hundred sequential commits would cost
 * seconds on the emulators).
 */
export async function seedSegments(
  clients: StorageClients,
  topicName: string,
  partition: number,
  appends: RecordInput[][],
  now: number,
): Promise<{ raw: Buffer }> {
  const topic = (await getTopic(clients, topicName))!;
  const segments = appends.map((records) => ({ ...segmentFromRecords(topic, records, now), key: newSegmentKey(topic.topicId, partition) }));
  let next = 0;
  await Promise.all(Array.from({ length: 16 }, async () => {
    while (next < segments.length) {
      const s = segments[next++]!;
      await putSegment(clients, s.key, s.body);
    }
  }));
  const items: Item[] = [];
  let base = 0;
  let runningMax = -1;
  let bytes = 0;
  for (const s of segments) {
    runningMax = Math.max(runningMax, s.maxTimestamp);
    items.push(indexEntryItem(topic.topicId, partition, {
      baseOffset: base, lastOffset: base + s.recordCount - 1, objectKey: s.key, byteStart: 0, byteLength: s.body.length,
      recordCount: s.recordCount, firstTimestamp: s.firstTimestamp, maxTimestamp: s.maxTimestamp,
    }, runningMax, true));
    base += s.recordCount;
    bytes += s.body.length;
  }
  for (let i = 0; i < items.length; i += 25) {
    const res = await clients.ddb.send(new BatchWriteItemCommand({
      RequestItems: { [clients.names.tables.segments]: items.slice(i, i + 25).map((Item) => ({ PutRequest: { Item } })) },
    }));
    expect(Object.keys(res.UnprocessedItems ?? {})).toEqual([]);
  }
  await clients.ddb.send(new PutItemCommand({
    TableName: clients.names.tables.partitions,
    Item: {
      topicId: S(topic.topicId), partition: N(partition), nextOffset: N(base), logStartOffset: N(0),
      sizeBytes: N(bytes), segmentCount: N(segments.length), maxTimestamp: N(runningMax),
    },
    ConditionExpression: 'attribute_not_exists(nextOffset)',
  }));
  // What fetchBatches returns for the whole partition: the batches with absolute offsets.
  let offset = 0;
  const raw = segments.map((s) => {
    const body = Buffer.from(s.body);
    let at = 0;
    for (const h of readBatchHeaders(body)) {
      setBaseOffset(body, at, offset + h.baseOffset);
      at += h.sizeInBytes;
    }
    offset += s.recordCount;
    return body;
  });
  return { raw: Buffer.concat(raw) };
}

/** What snapshot() reads for records appended in this order from offset 0. */
export function expectedSnapshot(records: RecordInput[]) {
  return records.map((r, offset) => ({
    offset,
    key: r.key?.toString('hex') ?? null,
    value: r.value?.toString('hex') ?? null,
    timestamp: r.timestamp!,
    headers: JSON.stringify((r.headers ?? []).map((h) => [h.key, h.value?.toString('hex') ?? null])),
  }));
}
