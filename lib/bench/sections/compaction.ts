// What compaction buys a reader: append many small segments (one small append each, as
// a chatty producer makes them), read the same bytes before and after a maintenance pass
// (POST /v1/maintenance, as `sluice maintenance run` asks for one), and count the storage
// requests and time the read took. Appends and reads go through a Log on the dev server's
// own storage clients, whose calls the meter counts.
import { Log } from '../../log/index.ts';
import { api, localPlatform, type BenchContext, type LocalPlatform } from '../harness/context.ts';
import { defineSection, putAll } from '../harness/section.ts';
import { concurrently } from '../harness/workload.ts';

export interface CompactionBenchOptions {
  /** Appends of one record each. */
  segments: number;
  /** Value bytes per record. */
  recordBytes: number;
  /** Bytes of values to read in each measurement (default 1 MiB). */
  readBytes?: number;
  /** Concurrent appenders while seeding (default 4). */
  concurrency?: number;
  onProgress?: (phase: 'append' | 'read' | 'compact', done: number, total: number) => void;
}

export interface ReadMeasurement {
  s3Requests: number;
  ddbRequests: number;
  ms: number;
  fetches: number;
  records: number;
  bytes: number;
}

export interface CompactionBenchResult {
  topic: string;
  segments: { before: number; after: number };
  before: ReadMeasurement;
  after: ReadMeasurement;
  compaction: { ms: number; runs: number; segmentsCompacted: number; s3Requests: number };
  appendMs: number;
}

interface MaintenanceReply {
  totals: { runsCompacted: number; segmentsCompacted: number };
  errors: { message: string }[];
}

/** Reads `readBytes` of record data from `from`, counting the storage requests it took. */
async function measureRead(local: LocalPlatform, log: Log, topic: string, from: number, readBytes: number): Promise<ReadMeasurement> {
  let offset = from;
  let bytes = 0;
  let records = 0;
  let fetches = 0;
  local.meter.reset();
  local.meter.pause(false);
  const t0 = performance.now();
  try {
    while (bytes < readBytes) {
      const res = await log.fetch(topic, 0, { offset, maxBytes: Math.min(readBytes - bytes, 1 << 20), maxRecords: 100_000 });
      fetches++;
      for (const r of res.records) bytes += (r.key?.length ?? 0) + (r.value?.length ?? 0);
      records += res.records.length;
      if (res.records.length === 0 || res.nextOffset >= res.highWatermark) break;
      offset = res.nextOffset;
    }
  } finally {
    local.meter.pause(true);
  }
  const counted = local.meter.snapshot();
  return { s3Requests: counted.s3, ddbRequests: counted.dynamodb, ms: Math.round(performance.now() - t0), fetches, records, bytes };
}

export async function benchCompaction(ctx: BenchContext, opts: CompactionBenchOptions): Promise<CompactionBenchResult> {
  const local = localPlatform(ctx);
  const http = api(ctx);
  const readBytes = opts.readBytes ?? 1 << 20;
  const progress = opts.onProgress ?? (() => undefined);
  const log = new Log(local.server.stack.clients);
  const topic = `bench-compaction-${ctx.runId}`;
  await log.createTopic({ name: topic, partitions: 1 });
  ctx.topics.push(topic);

  const t0 = performance.now();
  let next = 0;
  let done = 0;
  await concurrently(Math.max(1, opts.concurrency ?? 4), async () => {
    while (next < opts.segments) {
      const i = next++;
      const value = Buffer.alloc(opts.recordBytes, 97 + (i % 26));
      await log.append(topic, 0, { records: [{ key: Buffer.from(`k${i}`), value }] });
      progress('append', ++done, opts.segments);
    }
  });
  const appendMs = Math.round(performance.now() - t0);

  const reader = new Log(local.server.stack.clients);
  const headBefore = await log.describeTopic(topic);
  const from = headBefore.partitions[0]!.logStartOffset;
  progress('read', 0, 2);
  const before = await measureRead(local, reader, topic, from, readBytes);

  progress('compact', 0, 1);
  local.meter.reset();
  local.meter.pause(false);
  const tc = performance.now();
  let report: MaintenanceReply;
  try {
    report = await http.json<MaintenanceReply>({ method: 'POST', path: '/v1/maintenance', body: { topics: [topic] } });
  } finally {
    local.meter.pause(true);
  }
  const compaction = {
    ms: Math.round(performance.now() - tc),
    runs: report.totals.runsCompacted,
    segmentsCompacted: report.totals.segmentsCompacted,
    s3Requests: local.meter.snapshot().s3,
  };
  if (report.errors.length) throw new Error(`maintenance failed: ${report.errors.map((e) => e.message).join('; ')}`);
  progress('compact', 1, 1);

  progress('read', 1, 2);
  const after = await measureRead(local, reader, topic, from, readBytes);
  const headAfter = await log.describeTopic(topic);
  progress('read', 2, 2);
  return {
    topic,
    segments: { before: headBefore.partitions[0]!.segments, after: headAfter.partitions[0]!.segments },
    before,
    after,
    compaction,
    appendMs,
  };
}

export const compaction = defineSection({
  name: 'compaction', where: 'local', reportOrder: 50,
  sizes: { full: { segments: 1000 }, quick: { segments: 1000 } },
  title: (size) => `compaction: reading 1 MiB from ${size.segments} small segments, before and after`,
  run(ctx, size) {
    let after = 0;
    return benchCompaction(ctx, {
      segments: size.segments,
      recordBytes: 1024,
      onProgress: (phase, done) => ctx.progress.update(phase === 'append' ? done : size.segments + Math.min(6, ++after), size.segments + 6),
    });
  },
  values: (c: CompactionBenchResult, put) =>
    putAll(put, 'compaction', {
      beforeS3Requests: c.before.s3Requests, afterS3Requests: c.after.s3Requests,
      beforeDdbRequests: c.before.ddbRequests, afterDdbRequests: c.after.ddbRequests,
      beforeMs: c.before.ms, afterMs: c.after.ms, readBytes: c.after.bytes,
      segmentsBefore: c.segments.before, segmentsAfter: c.segments.after, compactionMs: c.compaction.ms,
    }),
  figures(c, row) {
    row('compaction S3 requests', `${c.before.s3Requests} → ${c.after.s3Requests}`, `reading ${(c.after.bytes / 1048576).toFixed(2)} MiB from ${c.segments.before} segments, then ${c.segments.after}`);
    row('compaction ms', `${c.before.ms} → ${c.after.ms}`, `DynamoDB requests ${c.before.ddbRequests} → ${c.after.ddbRequests}; compaction took ${c.compaction.ms} ms`);
  },
});
