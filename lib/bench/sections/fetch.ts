// Fetch cost against log length: 100 records read over HTTP (JSON) from a partition of
// 100 one-record segments and from one of many thousands. Both are seeded the same way
// (as test/integration/log/commit-protocol.test.ts does): one S3 object holding the
// one-record batches end to end, one index entry per batch (BatchWriteItem), and the
// head. Every fetch then reads 100 index entries and one byte range, whatever the
// length of the log, so latency and request counts should not depend on it.
import { BatchWriteItemCommand, PutItemCommand, type WriteRequest } from '@aws-sdk/client-dynamodb';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { encodeBatch } from '../../records/index.ts';
import type { StorageClients } from '../../storage/clients.ts';
import { indexEntryItem, N, S } from '../../storage/metadata.ts';
import { concurrently, filler, jsonValue, RECORD_BATCH_TYPE, sleep, type BenchContext } from '../harness/context.ts';
import { addSnapshots, createTopic, type CreatedTopic } from './produce.ts';
import { perRequest, type MeterSnapshot } from '../harness/meter.ts';
import { summarize, type Summary } from '../harness/stats.ts';

export interface FetchOptions {
  smallSegments: number;
  largeSegments: number;
  recordBytes: number;
  /** Records per fetch. */
  records: number;
  /** Fetches per log. */
  fetches: number;
}

export interface LogFetchResult {
  segments: number;
  latency: Summary;
  /** Storage calls per fetch: mean, and the fewest and most any one fetch made. */
  requestsPerFetch: number;
  minRequests: number;
  maxRequests: number;
  perFetch: MeterSnapshot;
}

export interface FetchResult {
  small: LogFetchResult;
  large: LogFetchResult;
  scalingRatio: number;
  seedMs: number;
}

const T0 = 1_750_000_000_000;

/** A committed partition of `segments` one-record segments, written straight to storage. */
export async function seedPartition(clients: StorageClients, topic: CreatedTopic, segments: number, recordBytes: number, onProgress?: (done: number) => void): Promise<void> {
  const batches = Array.from({ length: segments }, (_, i) =>
    encodeBatch({ records: [{ key: filler(16, i + 1), value: jsonValue(recordBytes, i), timestamp: T0 + i }] }),
  );
  const objectKey = `segments/${topic.topicId}/0/seeded-${segments}`;
  const body = Buffer.concat(batches);
  await clients.s3.send(new PutObjectCommand({ Bucket: clients.names.bucket, Key: objectKey, Body: body, ContentLength: body.length, ContentType: RECORD_BATCH_TYPE }));
  let at = 0;
  const items = batches.map((b, i) => {
    const item = indexEntryItem(topic.topicId, 0, { baseOffset: i, lastOffset: i, objectKey, byteStart: at, byteLength: b.length, recordCount: 1, firstTimestamp: T0 + i, maxTimestamp: T0 + i }, T0 + i);
    at += b.length;
    return item;
  });
  const table = clients.names.tables.segments;
  let next = 0;
  let written = 0;
  await concurrently(4, async () => {
    while (next < items.length) {
      const start = next;
      next += 25;
      let pending: WriteRequest[] = items.slice(start, start + 25).map((Item) => ({ PutRequest: { Item } }));
      for (let attempt = 0; pending.length > 0; attempt++) {
        if (attempt > 0) await sleep(Math.min(1000, 20 * 2 ** attempt));
        const res = await clients.ddb.send(new BatchWriteItemCommand({ RequestItems: { [table]: pending } }));
        pending = res.UnprocessedItems?.[table] ?? [];
        if (attempt > 10) throw new Error('seeding: DynamoDB keeps leaving items unprocessed');
      }
      written += Math.min(25, items.length - start);
      onProgress?.(written);
    }
  });
  await clients.ddb.send(
    new PutItemCommand({
      TableName: clients.names.tables.partitions,
      Item: {
        topicId: S(topic.topicId),
        partition: N(0),
        nextOffset: N(segments),
        logStartOffset: N(0),
        sizeBytes: N(body.length),
        segmentCount: N(segments),
        maxTimestamp: N(T0 + segments - 1),
      },
    }),
  );
}

export async function runFetchBench(ctx: BenchContext, opts: FetchOptions): Promise<FetchResult> {
  const local = ctx.local;
  if (!local) throw new Error('the fetch benchmark seeds storage directly: it needs the local platform');
  const { http, progress } = ctx;
  const clients = local.server.stack.clients;
  const small = await createTopic(ctx, `bench-fetch-small-${ctx.runId}`);
  const large = await createTopic(ctx, `bench-fetch-large-${ctx.runId}`);

  const seedTotal = opts.smallSegments + opts.largeSegments;
  const total = seedTotal + 2 * opts.fetches;
  progress.update(0, total);
  const t0 = performance.now();
  await seedPartition(clients, small, opts.smallSegments, opts.recordBytes, (d) => progress.update(d));
  await seedPartition(clients, large, opts.largeSegments, opts.recordBytes, (d) => progress.update(opts.smallSegments + d));
  const seedMs = performance.now() - t0;

  const fetchOnce = async (topic: CreatedTopic, offset: number, segments: number) => {
    const res = await http.request({
      method: 'GET',
      path: `/v1/topics/${encodeURIComponent(topic.name)}/partitions/0/records`,
      query: { offset, maxRecords: opts.records },
      headers: { accept: 'application/json' },
    });
    const body = JSON.parse(res.body.toString('utf8')) as { records: { offset: number }[] };
    if (body.records.length !== Math.min(opts.records, segments - offset) || body.records[0]?.offset !== offset) {
      throw new Error(`fetch at ${offset} of ${topic.name} returned ${body.records.length} records from ${body.records[0]?.offset}`);
    }
  };

  type Acc = { lat: number[]; counts: number[]; snap?: MeterSnapshot };
  const acc: Record<'small' | 'large', Acc> = { small: { lat: [], counts: [] }, large: { lat: [], counts: [] } };
  const one = async (which: 'small' | 'large', record: boolean) => {
    const topic = which === 'small' ? small : large;
    const segments = which === 'small' ? opts.smallSegments : opts.largeSegments;
    // The small log holds exactly one run of `records`; the large one is read anywhere.
    const offset = Math.floor(Math.random() * (segments - opts.records + 1));
    local.meter.reset();
    local.meter.pause(false);
    const s = performance.now();
    await fetchOnce(topic, offset, segments);
    const ms = performance.now() - s;
    local.meter.pause(true);
    if (!record) return;
    const snap = local.meter.snapshot();
    const a = acc[which];
    a.lat.push(ms);
    a.counts.push(snap.s3 + snap.dynamodb);
    a.snap = a.snap ? addSnapshots(a.snap, snap) : snap;
  };

  for (let i = 0; i < 5; i++) {
    await one('small', false);
    await one('large', false);
  }
  let done = seedTotal;
  for (let i = 0; i < opts.fetches; i++) {
    // Alternate which goes first, so neither always follows the other.
    const order: ('small' | 'large')[] = i % 2 ? ['small', 'large'] : ['large', 'small'];
    for (const which of order) {
      await one(which, true);
      progress.update(++done);
    }
  }

  const result = (which: 'small' | 'large', segments: number): LogFetchResult => {
    const a = acc[which];
    const n = a.counts.length;
    return {
      segments,
      latency: summarize(a.lat),
      requestsPerFetch: a.counts.reduce((x, y) => x + y, 0) / n,
      minRequests: Math.min(...a.counts),
      maxRequests: Math.max(...a.counts),
      perFetch: perRequest(a.snap!, n),
    };
  };
  const s = result('small', opts.smallSegments);
  const l = result('large', opts.largeSegments);
  return { small: s, large: l, scalingRatio: l.latency.p50 / s.latency.p50, seedMs };
}
