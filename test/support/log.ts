// Helpers for log tests: readers that check invariants from the stored state itself, and
// SDK middleware to count requests or inject the faults emulators cannot produce.
import { BatchWriteItemCommand, PutItemCommand, QueryCommand, UpdateItemCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ListObjectsV2Command, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { expect } from 'vitest';
import type { Log } from '../../lib/log/index.ts';
import type { StorageClients } from '../../lib/storage/clients.ts';
import { SHARED_SEGMENT_PREFIX } from '../../lib/storage/definitions.ts';
import { encodeBatch } from '../../lib/records/index.ts';
import { getHead, N, S, tpKey, type IndexEntry } from '../../lib/storage/metadata.ts';
import { entriesFromItem, indexEntryItem } from '../../lib/storage/segmentIndex.ts';

export const text = (b: Buffer | null | undefined): string | null => (b ? b.toString('utf8') : null);
export const rec = (value: string, key: string | null = null) => ({
  key: key === null ? null : Buffer.from(key),
  value: Buffer.from(value),
});

/**
 * Every committed index entry of a partition, in offset order, read straight from the
 * stored state: the table, then the head's tail (read first: an entry leaves the tail
 * only into the table).
 */
export async function indexEntries(clients: StorageClients, topicId: string, partition: number): Promise<IndexEntry[]> {
  const head = await getHead(clients, topicId, partition);
  const table = await tableEntries(clients, topicId, partition);
  return [...table, ...head.tail.filter((e) => !table.some((t) => t.lastOffset === e.lastOffset))];
}

/** The index entries in the segments table only (below the head's tailBase). */
export async function tableEntries(clients: StorageClients, topicId: string, partition: number): Promise<IndexEntry[]> {
  const out: IndexEntry[] = [];
  let start: Record<string, any> | undefined;
  do {
    const res = await clients.ddb.send(
      new QueryCommand({
        TableName: clients.names.tables.segments,
        KeyConditionExpression: 'tp = :tp',
        ExpressionAttributeValues: { ':tp': { S: tpKey(topicId, partition) } },
        ConsistentRead: true,
        ExclusiveStartKey: start,
      }),
    );
    for (const e of (res.Items ?? []).flatMap(entriesFromItem)) {
      out.push({
        baseOffset: e.baseOffset, lastOffset: e.lastOffset, objectKey: e.objectKey,
        byteStart: e.byteStart, byteLength: e.byteLength, recordCount: e.recordCount,
        firstTimestamp: e.firstTimestamp, maxTimestamp: e.maxTimestamp,
      });
    }
    start = res.LastEvaluatedKey;
  } while (start);
  return out;
}

/**
 * The first invariant of DESIGN.md: every offset in [logStartOffset, nextOffset) belongs
 * to exactly one committed index entry, and no entry reaches past nextOffset.
 */
export async function expectDenseOffsets(clients: StorageClients, topicId: string, partition: number, opts: { gaps?: boolean } = {}): Promise<void> {
  const head = await getHead(clients, topicId, partition);
  const entries = await indexEntries(clients, topicId, partition);
  let expected = head.logStartOffset;
  for (const e of entries) {
    expect(e.baseOffset, `entry ${e.objectKey} starts where the previous one ended`).toBe(expected);
    // Key compaction leaves gaps: fewer records than offsets, never more.
    if (opts.gaps) expect(e.recordCount).toBeLessThanOrEqual(e.lastOffset - e.baseOffset + 1);
    else expect(e.lastOffset - e.baseOffset + 1).toBe(e.recordCount);
    expected = e.lastOffset + 1;
  }
  expect(expected, 'entries end exactly at the head').toBe(head.nextOffset);
}

/** All records of a partition from `from`, following nextOffset until the high watermark. */
export async function readAll(log: Log, topic: string, partition: number, from = 0) {
  const out: { offset: number; key: string | null; value: string | null; timestamp: number }[] = [];
  let offset = from;
  for (;;) {
    const res = await log.fetch(topic, partition, { offset, maxRecords: 10_000 });
    for (const r of res.records) out.push({ offset: r.offset, key: text(r.key), value: text(r.value), timestamp: r.timestamp });
    if (res.nextOffset >= res.highWatermark) return out;
    expect(res.nextOffset, 'fetch makes progress').toBeGreaterThan(offset);
    offset = res.nextOffset;
  }
}

type AnyClient = DynamoDBClient | S3Client;

/** Counts requests by operation name (e.g. "GetItem", "PutObject") sent through a client. */
export function countRequests(client: AnyClient): { counts: Map<string, number>; total(): number; reset(): void; remove(): void } {
  const counts = new Map<string, number>();
  const name = `count-${Math.random()}`;
  (client.middlewareStack as any).add(
    (next: any, context: any) => async (args: any) => {
      counts.set(context.commandName.replace(/Command$/, ''), (counts.get(context.commandName.replace(/Command$/, '')) ?? 0) + 1);
      return next(args);
    },
    { step: 'initialize', name },
  );
  return {
    counts,
    total: () => [...counts.values()].reduce((a, b) => a + b, 0),
    reset: () => counts.clear(),
    remove: () => (client.middlewareStack as any).remove(name),
  };
}

/**
 * Injects a fault around one command: `before` fails the call without sending it,
 * `after` sends it (it takes effect) and then fails as a lost response would.
 * Returns a function removing the fault. `times` bounds how often it fires.
 */
export function injectFault(
  client: AnyClient | { middlewareStack: unknown },
  command: string,
  when: 'before' | 'after',
  opts: { times?: number; error?: () => Error } = {},
): () => void {
  const name = `fault-${Math.random()}`;
  let left = opts.times ?? Number.POSITIVE_INFINITY;
  const makeError = opts.error ?? (() => Object.assign(new Error('socket hang up'), { name: 'TimeoutError', code: 'ECONNRESET' }));
  (client.middlewareStack as any).add(
    (next: any, context: any) => async (args: any) => {
      if (context.commandName !== `${command}Command` || left <= 0) return next(args);
      left--;
      if (when === 'before') throw makeError();
      await next(args);
      throw makeError();
    },
    // After the SDK's own retry layer: a fault here is what our code sees.
    { step: 'initialize', name, priority: 'high' },
  );
  return () => (client.middlewareStack as any).remove(name);
}

/** What a re-initialised (transactional) producer gets: its registration at a new epoch. */
export async function bumpEpoch(clients: StorageClients, producerId: bigint, epoch: number): Promise<void> {
  await clients.ddb.send(
    new UpdateItemCommand({
      TableName: clients.names.tables.producers,
      Key: { id: { S: `producer#${producerId}` } },
      UpdateExpression: 'SET epoch = :e',
      ExpressionAttributeValues: { ':e': { N: String(epoch) } },
    }),
  );
}

/** Every object under segments/~shared/ (the objects several partitions share). */
export async function sharedObjectKeys(clients: StorageClients): Promise<string[]> {
  const res = await clients.s3.send(new ListObjectsV2Command({ Bucket: clients.names.bucket, Prefix: SHARED_SEGMENT_PREFIX }));
  return (res.Contents ?? []).map((o) => o.Key!);
}

/** A failure that is no dependency's fault and never retried (AccessDenied). */
export const accessDenied = (): Error => Object.assign(new Error('denied'), { name: 'AccessDeniedException', $fault: 'client', $metadata: { httpStatusCode: 400 } });

/** Fails, before it is sent, every call `matches` picks (command name, input) until the returned function is called. */
export function failWhen(client: AnyClient, matches: (command: string, input: any) => boolean): () => void {
  const name = `fail-${Math.random()}`;
  (client.middlewareStack as any).add(
    (next: any, ctx: any) => async (args: any) => {
      if (matches(ctx.commandName, args.input)) throw accessDenied();
      return next(args);
    },
    { step: 'initialize', name, priority: 'high' },
  );
  return () => (client.middlewareStack as any).remove(name);
}

/**
 * Partition 0 of `topicId` committed as one-record batches stamped `stamps`, each index
 * entry an item of its own (as maintenance writes them, not a flush's pages), a time mark
 * where `marks` says; the head's tail empty. For reads of the index as it may be stored.
 */
export async function seedSingleEntries(clients: StorageClients, topicId: string, stamps: readonly number[], marks: readonly boolean[]): Promise<void> {
  const batches = stamps.map((ts, i) => encodeBatch({ records: [{ ...rec(`v${i}`), timestamp: ts }] }));
  const key = `segments/${topicId}/0/seeded`;
  await clients.s3.send(new PutObjectCommand({ Bucket: clients.names.bucket, Key: key, Body: Buffer.concat(batches) }));
  let at = 0;
  let runMax = -1;
  const items = batches.map((b, i) => {
    runMax = Math.max(runMax, stamps[i]!);
    const entry = { baseOffset: i, lastOffset: i, objectKey: key, byteStart: at, byteLength: b.length, recordCount: 1, firstTimestamp: stamps[i]!, maxTimestamp: stamps[i]! };
    at += b.length;
    return indexEntryItem(topicId, 0, entry, runMax, marks[i]!);
  });
  for (let i = 0; i < items.length; i += 25) {
    await clients.ddb.send(new BatchWriteItemCommand({
      RequestItems: { [clients.names.tables.segments]: items.slice(i, i + 25).map((Item) => ({ PutRequest: { Item } })) },
    }));
  }
  await clients.ddb.send(new PutItemCommand({
    TableName: clients.names.tables.partitions,
    Item: {
      topicId: S(topicId), partition: N(0), nextOffset: N(stamps.length), logStartOffset: N(0), sizeBytes: N(at),
      segmentCount: N(stamps.length), maxTimestamp: N(runMax), tailBase: N(stamps.length), tail: { L: [] },
    },
  }));
}
