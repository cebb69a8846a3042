// Fetch cost against log length: 100 records read over HTTP (JSON) from a partition of
// 100 one-record segments and from one of many thousands. The local stack seeds both the
// same way (lib/local/seed.ts): one object holding the one-record batches end to end, one
// index entry per batch, and the head. Every fetch then reads 100 index entries and one
// byte range, whatever the length of the log, so latency and request counts should not
// depend on it.
import { seedPartition } from '../../local/index.ts';
import { api, localPlatform, type BenchContext } from '../harness/context.ts';
import { atMost, callList, figure, ms } from '../harness/format.ts';
import { addSnapshots, perRequest, type MeterSnapshot } from '../harness/meter.ts';
import { defineSection, putAll, type TargetRow } from '../harness/section.ts';
import { round, summarize, type Summary } from '../harness/stats.ts';
import { createTopic, oneRecordBatches, type CreatedTopic } from '../harness/workload.ts';

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

type Which = 'small' | 'large';

export async function runFetchBench(ctx: BenchContext, opts: FetchOptions): Promise<FetchResult> {
  const local = localPlatform(ctx);
  const http = api(ctx);
  const { progress } = ctx;
  const topics = { small: await createTopic(ctx, http, `bench-fetch-small-${ctx.runId}`), large: await createTopic(ctx, http, `bench-fetch-large-${ctx.runId}`) };
  const segments = { small: opts.smallSegments, large: opts.largeSegments };

  const seedTotal = opts.smallSegments + opts.largeSegments;
  progress.update(0, seedTotal + 2 * opts.fetches);
  const t0 = performance.now();
  const seed = (t: CreatedTopic, n: number, before: number) =>
    seedPartition(local.server.stack.clients, { topicId: t.topicId, partition: 0 }, oneRecordBatches(n, opts.recordBytes), { onProgress: (d) => progress.update(before + d) });
  await seed(topics.small, opts.smallSegments, 0);
  await seed(topics.large, opts.largeSegments, opts.smallSegments);
  const seedMs = performance.now() - t0;

  const fetchOnce = async (topic: CreatedTopic, offset: number, count: number) => {
    const res = await http.request({
      method: 'GET',
      path: `/v1/topics/${encodeURIComponent(topic.name)}/partitions/0/records`,
      query: { offset, maxRecords: opts.records },
      headers: { accept: 'application/json' },
    });
    const body = JSON.parse(res.body.toString('utf8')) as { records: { offset: number }[] };
    if (body.records.length !== Math.min(opts.records, count - offset) || body.records[0]?.offset !== offset) {
      throw new Error(`fetch at ${offset} of ${topic.name} returned ${body.records.length} records from ${body.records[0]?.offset}`);
    }
  };

  type Acc = { lat: number[]; counts: number[]; snap?: MeterSnapshot };
  const acc: Record<Which, Acc> = { small: { lat: [], counts: [] }, large: { lat: [], counts: [] } };
  const one = async (which: Which, record: boolean) => {
    // The small log holds exactly one run of `records`; the large one is read anywhere.
    const offset = Math.floor(Math.random() * (segments[which] - opts.records + 1));
    local.meter.reset();
    local.meter.pause(false);
    const s = performance.now();
    await fetchOnce(topics[which], offset, segments[which]);
    const ms = performance.now() - s;
    local.meter.pause(true);
    if (!record) return;
    const snap = local.meter.snapshot();
    const a = acc[which];
    a.lat.push(ms);
    a.counts.push(fetchCalls(snap));
    a.snap = a.snap ? addSnapshots(a.snap, snap) : snap;
  };

  for (let i = 0; i < 5; i++) {
    await one('small', false);
    await one('large', false);
  }
  let done = seedTotal;
  for (let i = 0; i < opts.fetches; i++) {
    // Alternate which goes first, so neither always follows the other.
    const order: Which[] = i % 2 ? ['small', 'large'] : ['large', 'small'];
    for (const which of order) {
      await one(which, true);
      progress.update(++done);
    }
  }

  const result = (which: Which): LogFetchResult => {
    const a = acc[which];
    const n = a.counts.length;
    return {
      segments: segments[which],
      latency: summarize(a.lat),
      requestsPerFetch: a.counts.reduce((x, y) => x + y, 0) / n,
      minRequests: Math.min(...a.counts),
      maxRequests: Math.max(...a.counts),
      perFetch: perRequest(a.snap!, n),
    };
  };
  const s = result('small');
  const l = result('large');
  return { small: s, large: l, scalingRatio: l.latency.p50 / s.latency.p50, seedMs };
}

/**
 * Calls a fetch makes: S3, and DynamoDB on the log's tables. The dev server's background
 * work (the connector runtime's poll of its table) lands in the same meter now and then,
 * and is not the fetch's.
 */
export function fetchCalls(snap: MeterSnapshot): number {
  return Object.entries(snap.calls)
    .filter(([call]) => call.startsWith('s3.') || /^dynamodb\.\w+\.(topics|partitions|segments)$/.test(call))
    .reduce((n, [, count]) => n + count, 0);
}

/** The request counts of both logs must be the same: the cost of a fetch never grows with the log. */
function sameRequests(v: Record<string, number>): TargetRow {
  const small = v['fetch.smallLogRequestsPerFetch'];
  const large = v['fetch.largeLogRequestsPerFetch'];
  const both = small !== undefined && large !== undefined;
  return {
    name: 'fetch.requestsPerFetch',
    value: both ? `${figure(small)} vs ${figure(large)}` : 'n/a',
    target: 'same for both logs',
    ...(both ? { pass: small === large } : {}),
  };
}

export const fetch = defineSection({
  name: 'fetch', where: 'local', reportOrder: 30,
  sizes: { full: { smallSegments: 100, largeSegments: 10_000, fetches: 200 }, quick: { smallSegments: 100, largeSegments: 2_000, fetches: 60 } },
  title: (size) => `fetch: 100 records from ${size.smallSegments} vs ${size.largeSegments.toLocaleString('en-US')} segments`,
  run: (ctx, size) => runFetchBench(ctx, { ...size, recordBytes: 1024, records: 100 }),
  values: (f: FetchResult, put) =>
    putAll(put, 'fetch', {
      smallLogMs: f.small.latency.p50, largeLogMs: f.large.latency.p50,
      smallLogP99Ms: f.small.latency.p99, largeLogP99Ms: f.large.latency.p99,
      scalingRatio: f.scalingRatio, requestsPerFetch: f.large.requestsPerFetch,
      smallLogRequestsPerFetch: f.small.requestsPerFetch, largeLogRequestsPerFetch: f.large.requestsPerFetch,
      smallLogSegments: f.small.segments, largeLogSegments: f.large.segments,
    }),
  figures(f, row) {
    row('fetch.smallLogMs', ms(f.small.latency.p50), `p50, 100 records from a log of ${f.small.segments} segments (p99 ${ms(f.small.latency.p99)})`);
    row('fetch.largeLogMs', ms(f.large.latency.p50), `p50, 100 records from a log of ${f.large.segments} segments (p99 ${ms(f.large.latency.p99)})`);
    row('fetch.scalingRatio', f.scalingRatio.toFixed(2), 'large / small');
    row('fetch.requestsPerFetch', `${round(f.small.requestsPerFetch, 3)} / ${round(f.large.requestsPerFetch, 3)}`, `small / large log: ${callList(f.large.perFetch)}`);
  },
  targets: (v) => [atMost(v, 'fetch.scalingRatio', 1.2), sameRequests(v)],
  notes: () => [
    'Fetch: the small log holds exactly 100 records, so its fetches start at offset 0; the large log is read at random offsets. End to end: the dev server wakes a long poll in-process the moment an append commits; deployed, the poll runs in another Lambda and sees the new head by polling it every 25-250 ms, which adds up to that much.',
  ],
  quickNote: (quick, full) =>
    `the large fetch log has ${quick.largeSegments.toLocaleString('en-US')} segments (full run: ${full.largeSegments.toLocaleString('en-US')})`,
});
