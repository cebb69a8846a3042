// What compaction buys a reader: append many small segments (one small append each, as
// a chatty producer makes them), read the same bytes before and after a maintenance pass,
// and count the S3 requests and time the read took. Called by `sluice bench`.
import type { StorageClients } from '../../storage/clients.ts';
import { Log } from '../../log/index.ts';
import { purgeDeletedTopic } from '../../log/cleanup.ts';
import { runMaintenance, type MaintenanceOptions } from '../../log/maintenance.ts';

export interface CompactionBenchOptions {
  /** Appends of one record each (default 1,000). */
  segments?: number;
  /** Value bytes per record (default 1,024). */
  recordBytes?: number;
  /** Bytes of values to read in each measurement (default 1 MiB). */
  readBytes?: number;
  /** Concurrent appenders while seeding (default 4). */
  concurrency?: number;
  compactionTargetBytes?: number;
  /** Keep the topic afterwards instead of deleting it and its data. */
  keep?: boolean;
  onProgress?: (phase: 'append' | 'read' | 'compact' | 'cleanup', done: number, total: number) => void;
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

type Counted = { middlewareStack: { add(m: unknown, o: unknown): void; remove(name: string): boolean } };

/** Counts requests sent through a client until the returned stop() is called. */
function counter(client: unknown): { count: () => number; stop: () => void } {
  const stack = (client as Counted).middlewareStack;
  const name = `bench-count-${Math.random()}`;
  let n = 0;
  stack.add((next: (a: unknown) => Promise<unknown>) => async (args: unknown) => {
    n++;
    return next(args);
  }, { step: 'initialize', name });
  return { count: () => n, stop: () => void stack.remove(name) };
}

async function measureRead(clients: StorageClients, log: Log, topic: string, from: number, readBytes: number): Promise<ReadMeasurement> {
  const s3 = counter(clients.s3);
  const ddb = counter(clients.ddb);
  const t0 = performance.now();
  let offset = from;
  let bytes = 0;
  let records = 0;
  let fetches = 0;
  try {
    while (bytes < readBytes) {
      const res = await log.fetch(topic, 0, { offset, maxBytes: Math.min(readBytes - bytes, 1 << 20), maxRecords: 100_000 });
      fetches++;
      for (const r of res.records) bytes += (r.key?.length ?? 0) + (r.value?.length ?? 0);
      records += res.records.length;
      if (res.records.length === 0 || res.nextOffset >= res.highWatermark) break;
      offset = res.nextOffset;
    }
    return { s3Requests: s3.count(), ddbRequests: ddb.count(), ms: Math.round(performance.now() - t0), fetches, records, bytes };
  } finally {
    s3.stop();
    ddb.stop();
  }
}

export async function benchCompaction(clients: StorageClients, opts: CompactionBenchOptions = {}): Promise<CompactionBenchResult> {
  const segments = opts.segments ?? 1000;
  const recordBytes = opts.recordBytes ?? 1024;
  const readBytes = opts.readBytes ?? 1 << 20;
  const concurrency = Math.max(1, opts.concurrency ?? 4);
  const progress = opts.onProgress ?? (() => undefined);
  const log = new Log(clients);
  const topic = `bench-compaction-${Date.now()}-${Math.random().toString(36).slice(2, 8)}`;
  const created = await log.createTopic({ name: topic, partitions: 1 });
  try {
    const t0 = performance.now();
    let next = 0;
    let done = 0;
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (next < segments) {
          const i = next++;
          const value = Buffer.alloc(recordBytes, 97 + (i % 26));
          await log.append(topic, 0, { records: [{ key: Buffer.from(`k${i}`), value }] });
          progress('append', ++done, segments);
        }
      }),
    );
    const appendMs = Math.round(performance.now() - t0);

    const reader = new Log(clients);
    const headBefore = await log.describeTopic(topic);
    const from = headBefore.partitions[0]!.logStartOffset;
    progress('read', 0, 2);
    const before = await measureRead(clients, reader, topic, from, readBytes);

    progress('compact', 0, 1);
    const s3 = counter(clients.s3);
    const tc = performance.now();
    const maintenanceOpts: MaintenanceOptions = {
      topics: [topic],
      ...(opts.compactionTargetBytes !== undefined ? { compactionTargetBytes: opts.compactionTargetBytes } : {}),
    };
    let report;
    try {
      report = await runMaintenance(clients, maintenanceOpts);
    } finally {
      s3.stop();
    }
    const compaction = {
      ms: Math.round(performance.now() - tc),
      runs: report.totals.runsCompacted,
      segmentsCompacted: report.totals.segmentsCompacted,
      s3Requests: s3.count(),
    };
    if (report.errors.length) throw new Error(`maintenance failed: ${report.errors.map((e) => e.message).join('; ')}`);
    progress('compact', 1, 1);

    progress('read', 1, 2);
    const after = await measureRead(clients, reader, topic, from, readBytes);
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
  } finally {
    if (!opts.keep) {
      progress('cleanup', 0, 1);
      await log.deleteTopic(topic).catch(() => undefined);
      await purgeDeletedTopic(clients, created.topicId).catch(() => undefined);
      progress('cleanup', 1, 1);
    }
  }
}
