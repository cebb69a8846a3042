// Produce throughput and latency through the binary path (HTTP, RecordBatch v2 bodies),
// against a baseline measured in the same run on the same emulators: the same batches
// written with nothing but the storage calls a commit needs (S3 PutObject, a consistent
// GetItem of the head, one TransactWriteItems), made straight on the dev server's own
// storage clients. The two alternate in rounds, so drift in the emulators (a growing
// table, a JIT warming up) hits both alike.
import { randomUUID } from 'node:crypto';
import { GetItemCommand, TransactWriteItemsCommand } from '@aws-sdk/client-dynamodb';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import type { HttpClient } from '../../client/http.ts';
import type { StorageClients } from '../../storage/clients.ts';
import { indexEntryItem, N, S } from '../../storage/metadata.ts';
import { concurrently, makeBatch, RECORD_BATCH_TYPE, type BenchContext } from '../harness/context.ts';
import { perRequest, type MeterSnapshot } from '../harness/meter.ts';
import { summarize, type Summary } from '../harness/stats.ts';

export interface ProduceOptions {
  producers: number;
  recordsPerBatch: number;
  recordBytes: number;
  /** Alternating rounds of produce and baseline. */
  rounds: number;
  /** Batches per producer per round. */
  batchesPerRound: number;
  /** Batches per producer sent before measuring (both sides). */
  warmup: number;
}

export interface ProduceResult {
  batches: number;
  batchBytes: number;
  recordsPerSec: number;
  mbPerSec: number;
  latency: Summary;
  baseline?: Summary;
  overheadRatio?: number;
  /** Storage calls and request units per produced batch (local platform only). */
  perBatch?: MeterSnapshot;
  /** Server-side duration per produce request, ms (local platform only). */
  serverMs?: Summary;
}

export interface CreatedTopic {
  name: string;
  topicId: string;
}

export async function createTopic(ctx: Pick<BenchContext, 'http' | 'topics'>, name: string, partitions = 1): Promise<CreatedTopic> {
  const res = await ctx.http.json<{ name: string; topicId: string }>({ method: 'POST', path: '/v1/topics', body: { name, partitions } });
  ctx.topics.push(res.name);
  return { name: res.name, topicId: res.topicId };
}

export async function produceBatch(http: HttpClient, topic: string, partition: number, body: Buffer): Promise<{ baseOffset: number; lastOffset: number }> {
  const res = await http.request({
    method: 'POST',
    path: `/v1/topics/${encodeURIComponent(topic)}/records`,
    query: { partition },
    headers: { 'content-type': RECORD_BATCH_TYPE, accept: 'application/json' },
    body,
  });
  return JSON.parse(res.body.toString('utf8')) as { baseOffset: number; lastOffset: number };
}

/**
 * One commit with nothing around it: PutObject, consistent GetItem of the head, and the
 * TransactWriteItems of the commit protocol (head update, index entry, topic check).
 */
export async function baselineCommit(clients: StorageClients, topic: CreatedTopic, partition: number, body: Buffer, recordCount: number): Promise<void> {
  const objectKey = `segments/${topic.topicId}/${partition}/${randomUUID()}`;
  await clients.s3.send(
    new PutObjectCommand({
      Bucket: clients.names.bucket,
      Key: objectKey,
      Body: body,
      ContentLength: body.length,
      ContentType: RECORD_BATCH_TYPE,
    }),
  );
  const key = { topicId: S(topic.topicId), partition: N(partition) };
  const head = await clients.ddb.send(new GetItemCommand({ TableName: clients.names.tables.partitions, Key: key, ConsistentRead: true }));
  const exists = head.Item !== undefined;
  const base = Number(head.Item?.nextOffset?.N ?? 0);
  const maxTs = Math.max(Number(head.Item?.maxTimestamp?.N ?? -1), 1_750_000_000_000 + recordCount - 1);
  await clients.ddb.send(
    new TransactWriteItemsCommand({
      ClientRequestToken: randomUUID(),
      TransactItems: [
        {
          Update: {
            TableName: clients.names.tables.partitions,
            Key: key,
            UpdateExpression:
              'SET nextOffset = :next, logStartOffset = if_not_exists(logStartOffset, :zero), ' +
              'sizeBytes = if_not_exists(sizeBytes, :zero) + :bytes, ' +
              'segmentCount = if_not_exists(segmentCount, :zero) + :one, maxTimestamp = :maxTs',
            ConditionExpression: exists ? 'nextOffset = :base' : 'attribute_not_exists(nextOffset)',
            ExpressionAttributeValues: {
              ':next': N(base + recordCount),
              ':zero': N(0),
              ':one': N(1),
              ':bytes': N(body.length),
              ':maxTs': N(maxTs),
              ...(exists ? { ':base': N(base) } : {}),
            },
          },
        },
        {
          Put: {
            TableName: clients.names.tables.segments,
            Item: indexEntryItem(
              topic.topicId,
              partition,
              {
                baseOffset: base,
                lastOffset: base + recordCount - 1,
                objectKey,
                byteStart: 0,
                byteLength: body.length,
                recordCount,
                firstTimestamp: 1_750_000_000_000,
                maxTimestamp: maxTs,
              },
              maxTs,
            ),
            ConditionExpression: 'attribute_not_exists(tp)',
          },
        },
        {
          ConditionCheck: {
            TableName: clients.names.tables.topics,
            Key: { name: S(topic.name) },
            ConditionExpression: 'topicId = :tid AND #parts > :p',
            ExpressionAttributeNames: { '#parts': 'partitions' },
            ExpressionAttributeValues: { ':tid': S(topic.topicId), ':p': N(partition) },
          },
        },
      ],
    }),
  );
}

export async function runProduceBench(ctx: BenchContext, opts: ProduceOptions): Promise<ProduceResult> {
  const { http, local, progress } = ctx;
  const topic = await createTopic(ctx, `bench-produce-${ctx.runId}`, opts.producers);
  const baseTopic = local ? await createTopic(ctx, `bench-baseline-${ctx.runId}`, opts.producers) : undefined;
  const batches = Array.from({ length: 8 }, (_, i) => makeBatch(opts.recordsPerBatch, opts.recordBytes, i + 1));
  const batchBytes = batches[0]!.length;

  const produceLat: number[] = [];
  const baseLat: number[] = [];
  let produceMs = 0;
  let produced = 0;
  let producedBytes = 0;
  const perRound = opts.producers * opts.batchesPerRound * (baseTopic ? 2 : 1);
  const total = opts.rounds * perRound;
  progress.update(0, total);
  let done = 0;

  const produceSlice = async (n: number, record: boolean) => {
    const t0 = performance.now();
    await concurrently(opts.producers, async (p) => {
      for (let i = 0; i < n; i++) {
        const body = batches[(p + i) % batches.length]!;
        const s = performance.now();
        await produceBatch(http, topic.name, p, body);
        if (record) {
          produceLat.push(performance.now() - s);
          produced++;
          producedBytes += body.length;
          progress.update(++done);
        }
      }
    });
    if (record) produceMs += performance.now() - t0;
  };
  const baselineSlice = async (n: number, record: boolean) => {
    await concurrently(opts.producers, async (p) => {
      for (let i = 0; i < n; i++) {
        const body = batches[(p + i) % batches.length]!;
        const s = performance.now();
        await baselineCommit(local!.server.stack.clients, baseTopic!, p, body, opts.recordsPerBatch);
        if (record) {
          baseLat.push(performance.now() - s);
          progress.update(++done);
        }
      }
    });
  };

  // Warm-up: connections, JIT, the topic cache; nothing recorded.
  await produceSlice(opts.warmup, false);
  if (baseTopic) await baselineSlice(opts.warmup, false);

  let meterSnapshot: MeterSnapshot | undefined;
  const serverSamples: number[] = [];
  for (let r = 0; r < opts.rounds; r++) {
    if (local) {
      local.meter.reset();
      local.meter.pause(false);
      local.timings.record();
    }
    await produceSlice(opts.batchesPerRound, true);
    if (local) {
      local.meter.pause(true);
      const snap = local.meter.snapshot();
      const times = local.timings.stop().filter((t) => t.method === 'POST' && t.status === 200);
      meterSnapshot = meterSnapshot ? addSnapshots(meterSnapshot, snap) : snap;
      for (const t of times) serverSamples.push(t.ms);
    }
    if (baseTopic) await baselineSlice(opts.batchesPerRound, true);
  }

  const latency = summarize(produceLat);
  const baseline = baseTopic ? summarize(baseLat) : undefined;
  return {
    batches: produced,
    batchBytes,
    recordsPerSec: (produced * opts.recordsPerBatch) / (produceMs / 1000),
    mbPerSec: producedBytes / 1e6 / (produceMs / 1000),
    latency,
    ...(baseline ? { baseline, overheadRatio: latency.p50 / baseline.p50 } : {}),
    ...(meterSnapshot ? { perBatch: perRequest(meterSnapshot, produced) } : {}),
    ...(serverSamples.length ? { serverMs: summarize(serverSamples) } : {}),
  };
}

export function addSnapshots(a: MeterSnapshot, b: MeterSnapshot): MeterSnapshot {
  const add = (x: Record<string, number>, y: Record<string, number>) => {
    const out = { ...x };
    for (const [k, v] of Object.entries(y)) out[k] = (out[k] ?? 0) + v;
    return out;
  };
  const max = (x: Record<string, number>, y: Record<string, number>) => {
    const out = { ...x };
    for (const [k, v] of Object.entries(y)) out[k] = Math.max(out[k] ?? 0, v);
    return out;
  };
  return {
    calls: add(a.calls, b.calls),
    transactItems: add(a.transactItems, b.transactItems),
    s3: a.s3 + b.s3,
    dynamodb: a.dynamodb + b.dynamodb,
    s3Puts: a.s3Puts + b.s3Puts,
    s3Gets: a.s3Gets + b.s3Gets,
    wru: a.wru + b.wru,
    rru: a.rru + b.rru,
    maxItemBytes: max(a.maxItemBytes, b.maxItemBytes),
  };
}
