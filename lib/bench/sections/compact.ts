// Key compaction: a compacted topic of `keys` keys, each updated `updates` times (the
// table of a changelog), then one maintenance pass (POST /v1/maintenance, as `sluice
// maintenance run` asks for one). Records and bytes before and after cleaning, how long
// the cleaning took, and the time to read the whole table back, before and after. Appends
// and reads go through a Log on the dev server's own storage clients.
import { Log } from '../../log/index.ts';
import { api, localPlatform, type BenchContext } from '../harness/context.ts';
import { defineSection, putAll } from '../harness/section.ts';

export interface CompactBenchOptions {
  keys: number;
  updates: number;
  /** Value bytes per record. */
  valueBytes: number;
  /** Records per append (default 1,000). */
  recordsPerAppend?: number;
  onProgress?: (done: number, total: number) => void;
}

export interface TableRead {
  records: number;
  keys: number;
  ms: number;
}

export interface CompactBenchResult {
  topic: string;
  keys: number;
  updates: number;
  before: { records: number; bytes: number; read: TableRead };
  after: { records: number; bytes: number; read: TableRead };
  cleaning: { ms: number; recordsRemoved: number; ranges: number };
}

interface MaintenanceReply {
  totals: { rangesCleaned: number; recordsCleaned: number };
  errors: { message: string }[];
}

/** Reads the partition from its start to its end, building the key -> value table. */
async function readTable(log: Log, topic: string): Promise<TableRead> {
  const t0 = performance.now();
  const table = new Map<string, number>();
  let offset = 0;
  let records = 0;
  for (;;) {
    const res = await log.fetch(topic, 0, { offset, maxRecords: 10_000, maxBytes: 4 << 20 });
    for (const r of res.records) table.set(r.key!.toString('latin1'), r.value?.length ?? -1);
    records += res.records.length;
    if (res.nextOffset >= res.highWatermark) break;
    offset = res.nextOffset;
  }
  return { records, keys: table.size, ms: Math.round(performance.now() - t0) };
}

export async function benchCompact(ctx: BenchContext, opts: CompactBenchOptions): Promise<CompactBenchResult> {
  const local = localPlatform(ctx);
  const log = new Log(local.server.stack.clients);
  const topic = `bench-compact-${ctx.runId}`;
  await log.createTopic({ name: topic, partitions: 1, config: { 'cleanup.policy': 'compact' } });
  ctx.topics.push(topic);
  const progress = opts.onProgress ?? (() => undefined);

  // Round r updates every key once, in key order; appends go in order (one partition).
  const total = opts.keys * opts.updates;
  const perAppend = opts.recordsPerAppend ?? 1_000;
  const appends = Math.ceil(total / perAppend);
  for (let a = 0; a < appends; a++) {
    const first = a * perAppend;
    const records = Array.from({ length: Math.min(perAppend, total - first) }, (_, i) => {
      const n = first + i;
      return { key: Buffer.from(`key-${n % opts.keys}`), value: Buffer.alloc(opts.valueBytes, 97 + (Math.floor(n / opts.keys) % 26)) };
    });
    await log.append(topic, 0, { records });
    progress(a + 1, appends + 3);
  }
  const bytesOf = async () => (await log.describeTopic(topic)).partitions[0]!.sizeBytes;
  const before = { records: total, bytes: await bytesOf(), read: await readTable(log, topic) };
  progress(appends + 1, appends + 3);

  const t0 = performance.now();
  const report = await api(ctx).json<MaintenanceReply>({ method: 'POST', path: '/v1/maintenance', body: { topics: [topic] } });
  const cleaningMs = Math.round(performance.now() - t0);
  if (report.errors.length) throw new Error(`maintenance failed: ${report.errors.map((e) => e.message).join('; ')}`);
  progress(appends + 2, appends + 3);

  const read = await readTable(log, topic);
  progress(appends + 3, appends + 3);
  return {
    topic,
    keys: opts.keys,
    updates: opts.updates,
    before,
    after: { records: read.records, bytes: await bytesOf(), read },
    cleaning: { ms: cleaningMs, recordsRemoved: report.totals.recordsCleaned, ranges: report.totals.rangesCleaned },
  };
}

export const compact = defineSection({
  name: 'compact', where: 'local', reportOrder: 55,
  sizes: { full: { keys: 10_000, updates: 100 }, quick: { keys: 1_000, updates: 20 } },
  title: (size) => `compact: ${size.keys} keys updated ${size.updates} times, cleaned, the table read back`,
  run: (ctx, size) => benchCompact(ctx, { ...size, valueBytes: 32, onProgress: (done, total) => ctx.progress.update(done, total) }),
  values: (c: CompactBenchResult, put) =>
    putAll(put, 'compact', {
      keys: c.keys, updates: c.updates,
      recordsBefore: c.before.records, recordsAfter: c.after.records, bytesBefore: c.before.bytes, bytesAfter: c.after.bytes,
      cleaningMs: c.cleaning.ms, readBeforeMs: c.before.read.ms, readAfterMs: c.after.read.ms,
    }),
  figures(c, row) {
    row('compact records', `${c.before.records} → ${c.after.records}`, `${c.keys} keys × ${c.updates} updates; bytes ${c.before.bytes} → ${c.after.bytes}`);
    row('compact read ms', `${c.before.read.ms} → ${c.after.read.ms}`, `the whole table (${c.after.read.keys} keys) read back; cleaning took ${c.cleaning.ms} ms`);
  },
  quickNote: (quick) => `compact uses ${quick.keys} keys × ${quick.updates} updates`,
});
