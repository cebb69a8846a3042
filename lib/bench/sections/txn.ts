// Transactions: the latency of a 2-partition one-shot transaction over HTTP (POST
// /v1/transactions, one record of 1 KiB for each of two topics) beside the storage calls
// it needs, measured in the same run on the same emulators: the same transaction
// committed in this process by a Log on the dev server's own storage clients, timing
// only its storage calls (S3 PutObject, the topic and head reads, one TransactWriteItems).
// The TransactWriteItems counts until DynamoDB Local has the transaction in its database
// (its commit barrier, lib/local/commit-barrier.ts, answered): the server cannot answer
// before then either, and deployed DynamoDB answers only then. The two alternate in
// rounds, so drift hits both alike. Then what a GiB costs written
// in 1 MiB transactions (two partitions, 512 KiB each), from the requests one was
// measured to make, at the cost model's prices.
import { FUNCTIONS } from '../../api/index.ts';
import type { HttpClient } from '../../client/index.ts';
import { Log, type TxnRecord } from '../../log/index.ts';
import { costPerGiB, type CostBreakdown } from '../cost/model.ts';
import { localPlatform, api, type BenchContext, type LocalPlatform } from '../harness/context.ts';
import { atMost, callList, ms, usd } from '../harness/format.ts';
import { addSnapshots, perRequest, type MeterSnapshot } from '../harness/meter.ts';
import { defineSection, putAll } from '../harness/section.ts';
import { summarize, type Summary } from '../harness/stats.ts';
import { concurrently, createTopic, filler } from '../harness/workload.ts';

export interface TxnSizes {
  rounds: number;
  /** Transactions per worker per round, on each side. */
  perRound: number;
  warmup: number;
  /** 1 MiB transactions measured for the cost. */
  costTransactions: number;
}

export interface TxnResult {
  latency: Summary;
  baseline: Summary;
  ratio: number;
  /** Storage calls per 2-partition transaction over HTTP. */
  perTxn: MeterSnapshot;
  /** Storage calls per 1 MiB transaction, and what a GiB costs that way. */
  perMiB: MeterSnapshot;
  cost1MiB: CostBreakdown;
}

const WORKERS = 2;
const RECORD_BYTES = 1024;

/** A JSON body for POST /v1/transactions: `count` records of RECORD_BYTES per topic, partition `p`. */
function body(topics: readonly string[], p: number, count: number, seed: number) {
  return {
    encoding: 'base64',
    records: topics.flatMap((topic, t) =>
      Array.from({ length: count }, (_, i) => ({ topic, partition: p, value: filler(RECORD_BYTES, seed * 1_000 + t * 100 + i + 1).toString('base64') })),
    ),
  };
}

const records = (b: ReturnType<typeof body>): TxnRecord[] =>
  b.records.map((r) => ({ topic: r.topic, partition: r.partition, record: { key: null, value: Buffer.from(r.value, 'base64') } }));

async function metered<T>(local: LocalPlatform, work: () => Promise<T>): Promise<{ value: T; calls: MeterSnapshot; serverMs: number[] }> {
  local.meter.reset();
  local.meter.pause(false);
  local.timings.record();
  try {
    return { value: await work(), calls: local.meter.snapshot(), serverMs: local.timings.stop().filter((t) => t.status === 200).map((t) => t.ms) };
  } finally {
    local.meter.pause(true);
  }
}

async function latencyRounds(ctx: BenchContext, http: HttpClient, size: TxnSizes) {
  const local = localPlatform(ctx);
  const names = [`bench-txn-a-${ctx.runId}`, `bench-txn-b-${ctx.runId}`];
  for (const n of names) await createTopic(ctx, http, n, WORKERS);
  const log = new Log(local.server.stack.clients);
  const viaHttp: number[] = [];
  const bare: number[] = [];
  let measuredTxns = 0;
  let calls: MeterSnapshot | undefined;
  const total = size.rounds * size.perRound * WORKERS * 2;
  let done = 0;
  ctx.progress.update(0, total);
  const overHttp = (n: number, record: boolean) =>
    concurrently(WORKERS, async (w) => {
      for (let i = 0; i < n; i++) {
        const s = performance.now();
        await http.json({ method: 'POST', path: '/v1/transactions', body: body(names, w, 1, i) });
        if (!record) continue;
        viaHttp.push(performance.now() - s);
        ctx.progress.update(++done);
      }
    });
  const baseline = (n: number, record: boolean) =>
    concurrently(WORKERS, async (w) => {
      for (let i = 0; i < n; i++) {
        const span = await local.spans.measure(() => log.transaction(records(body(names, w, 1, i))));
        if (!record) continue;
        bare.push(span.storageMs);
        ctx.progress.update(++done);
      }
    });
  await overHttp(size.warmup, false);
  await baseline(size.warmup, false);
  for (let r = 0; r < size.rounds; r++) {
    const round = await metered(local, () => overHttp(size.perRound, true));
    calls = calls ? addSnapshots(calls, round.calls) : round.calls;
    measuredTxns += size.perRound * WORKERS;
    await baseline(size.perRound, true);
  }
  return { latency: summarize(viaHttp), baseline: summarize(bare), perTxn: perRequest(calls!, measuredTxns) };
}

/** 1 MiB transactions (two partitions of 512 KiB), one at a time: their storage calls and handler time. */
async function costOf1MiB(ctx: BenchContext, http: HttpClient, n: number) {
  const local = localPlatform(ctx);
  const names = [`bench-txn-cost-a-${ctx.runId}`, `bench-txn-cost-b-${ctx.runId}`];
  for (const name of names) await createTopic(ctx, http, name);
  const per = 512;
  const send = (i: number) => http.json({ method: 'POST', path: '/v1/transactions', body: body(names, 0, per, i) });
  await send(-1);
  const bodyBytes = Buffer.byteLength(JSON.stringify(body(names, 0, per, 0)));
  const run = await metered(local, async () => {
    for (let i = 0; i < n; i++) await send(i);
  });
  const snap = perRequest(run.calls, n);
  const cost = costPerGiB({
    dataBytes: names.length * per * RECORD_BYTES,
    apiPayloadBytes: bodyBytes,
    lambdaMemoryMb: FUNCTIONS.transactions.memoryMb,
    lambdaMs: summarize(run.serverMs).mean,
    s3Puts: snap.s3Puts,
    s3Gets: snap.s3Gets,
    wru: snap.wru,
    rru: snap.rru,
  });
  return { perMiB: snap, cost1MiB: cost };
}

export const txn = defineSection({
  name: 'txn', where: 'local', reportOrder: 12,
  sizes: { full: { rounds: 6, perRound: 20, warmup: 4, costTransactions: 8 }, quick: { rounds: 4, perRound: 8, warmup: 2, costTransactions: 3 } },
  title: () => 'txn: 2-partition transactions over HTTP vs the bare storage calls, and their cost per GiB',
  async run(ctx, size: TxnSizes): Promise<TxnResult> {
    const http = api(ctx);
    const l = await latencyRounds(ctx, http, size);
    const c = await costOf1MiB(ctx, http, size.costTransactions);
    return { ...l, ratio: l.latency.p50 / l.baseline.p50, ...c };
  },
  values: (r: TxnResult, put) =>
    putAll(put, 'txn', {
      p50Ms: r.latency.p50, p99Ms: r.latency.p99, storageBaselineMs: r.baseline.p50, storageBaselineP99Ms: r.baseline.p99, overheadRatio: r.ratio,
      usdPerGiB1MiB: r.cost1MiB.total, s3RequestsPerTxn: r.perTxn.s3, dynamodbRequestsPerTxn: r.perTxn.dynamodb, wruPerTxn: r.perTxn.wru, rruPerTxn: r.perTxn.rru,
    }),
  figures(r, row) {
    row('txn.p50Ms / p99Ms', `${ms(r.latency.p50)} / ${ms(r.latency.p99)}`, 'one 1 KiB record to each of 2 topics, POST /v1/transactions, 2 clients');
    row('txn.storageBaselineMs', `${ms(r.baseline.p50)} / ${ms(r.baseline.p99)}`, 'p50 / p99: PutObject + topic and head reads + TransactWriteItems (to its durable commit) alone');
    row('txn.overheadRatio', r.ratio.toFixed(2), 'txn p50 / baseline p50');
    row('txn.usdPerGiB1MiB', usd(r.cost1MiB.total), '1 MiB transactions over 2 partitions (512 KiB each)');
  },
  targets: (v) => [atMost(v, 'txn.overheadRatio', 1.3)],
  footer: (r) => [`Storage calls per 2-partition transaction: ${callList(r.perTxn)}; per 1 MiB transaction: ${callList(r.perMiB)}`, ''],
});
