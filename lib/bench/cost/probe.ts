// Measures what one request costs at the batch sizes the cost model prices: produce
// 1 MiB and 16 KiB batches of 1 KiB records one at a time (as one Lambda invocation
// each would be), 16 KiB JSON requests whose records spread over 8 partitions, then read the 1 MiB batches back 1 MiB per fetch, as raw batches and
// as JSON. For each: the storage calls and request units (the meter) and the handler's
// duration (the dev server's access log) per request.
import { FUNCTIONS } from '../../api/index.ts';
import { api, localPlatform, type BenchContext, type LocalPlatform } from '../harness/context.ts';
import { perRequest, type MeterSnapshot } from '../harness/meter.ts';
import { summarize, type Summary } from '../harness/stats.ts';
import { createTopic, makeBatch, produceBatch, recordsThatFit, RECORD_BATCH_TYPE } from '../harness/workload.ts';
import { decodeBatches } from '../../records/index.ts';
import type { RequestProfile } from './model.ts';

export interface ProbeResult {
  label: string;
  requests: number;
  /** Records per batch (produce) or per fetch (read). */
  records: number;
  profile: RequestProfile;
  perRequest: MeterSnapshot;
  serverMs: Summary;
}

export interface CostProbeResult {
  ingest1MiB: ProbeResult;
  ingest16KiB: ProbeResult;
  /** 16 KiB of records per JSON request, spread over MULTI_PARTITIONS partitions. */
  ingest16KiBMulti: ProbeResult;
  /** The same JSON requests, every record to one partition: the multi-partition request's own baseline. */
  ingest16KiBJson: ProbeResult;
  read1MiB: ProbeResult;
  readJson1MiB: ProbeResult;
}

export interface CostProbeOptions {
  recordBytes: number;
  batches1MiB: number;
  batches16KiB: number;
}

const MiB = 1 << 20;
/** Partitions one multi-partition produce request spreads its records over. */
export const MULTI_PARTITIONS = 8;

/**
 * The records of `batch` as one JSON produce request (string encoding, the same keys and
 * values), record i sent to partition i % `partitions`.
 */
function spreadRequest(batch: Buffer, partitions = MULTI_PARTITIONS): Buffer {
  const records = decodeBatches(batch).flatMap((b) => b.records);
  const text = (v: Buffer | null) => (v === null ? null : v.toString('latin1'));
  return Buffer.from(
    JSON.stringify({
      encoding: 'string',
      records: records.map((r, i) => ({ key: text(r.key), value: text(r.value), timestamp: r.timestamp, partition: i % partitions })),
    }),
  );
}

type Request = (i: number) => Promise<{ data: number; api: number }>;

/** `n` requests one at a time, metered: per request, the storage calls, units and handler time. */
async function measure(local: LocalPlatform, label: string, n: number, records: number, memoryMb: number, request: Request, tick: () => void): Promise<ProbeResult> {
  // One unmeasured request first: the topic cache and connections are warm afterwards,
  // as they are for all but the first request a Lambda container serves.
  await request(-1);
  local.meter.reset();
  local.meter.pause(false);
  local.timings.record();
  let data = 0;
  let api = 0;
  for (let i = 0; i < n; i++) {
    const r = await request(i);
    data += r.data;
    api = Math.max(api, r.api);
    tick();
  }
  local.meter.pause(true);
  const snap = perRequest(local.meter.snapshot(), n);
  const serverMs = summarize(local.timings.stop().filter((t) => t.status === 200).map((t) => t.ms));
  return {
    label,
    requests: n,
    records,
    perRequest: snap,
    serverMs,
    profile: {
      dataBytes: data / n,
      apiPayloadBytes: api,
      lambdaMemoryMb: memoryMb,
      lambdaMs: serverMs.mean,
      s3Puts: snap.s3Puts,
      s3Gets: snap.s3Gets,
      wru: snap.wru,
      rru: snap.rru,
    },
  };
}

export async function runCostProbe(ctx: BenchContext, opts: CostProbeOptions): Promise<CostProbeResult> {
  const local = localPlatform(ctx);
  const http = api(ctx);
  const { progress } = ctx;
  let done = 0;
  progress.update(0, opts.batches1MiB * 3 + opts.batches16KiB * 3);
  const tick = () => progress.update(++done);

  const big = await createTopic(ctx, http, `bench-cost-1mib-${ctx.runId}`);
  const small = await createTopic(ctx, http, `bench-cost-16kib-${ctx.runId}`);
  const perBig = recordsThatFit(MiB, opts.recordBytes);
  const perSmall = recordsThatFit(16 * 1024, opts.recordBytes);
  const bigBatches = [makeBatch(perBig, opts.recordBytes, 11, 'json'), makeBatch(perBig, opts.recordBytes, 12, 'json')];
  const smallBatches = [makeBatch(perSmall, opts.recordBytes, 13), makeBatch(perSmall, opts.recordBytes, 14)];
  const produce = (topic: string, batches: Buffer[]) => async (i: number) => {
    const body = batches[(i + 2) % batches.length]!;
    await produceBatch(http, topic, 0, body);
    return { data: body.length, api: body.length };
  };

  const produceMb = FUNCTIONS.produce.memoryMb;
  const fetchMb = FUNCTIONS.fetch.memoryMb;
  const ingest1MiB = await measure(local, 'produce 1 MiB batch', opts.batches1MiB, perBig, produceMb, produce(big.name, bigBatches), tick);
  const ingest16KiB = await measure(local, 'produce 16 KiB batch', opts.batches16KiB, perSmall, produceMb, produce(small.name, smallBatches), tick);
  const multi = await createTopic(ctx, http, `bench-cost-16kib-multi-${ctx.runId}`, MULTI_PARTITIONS);
  const jsonBatches = [makeBatch(perSmall, opts.recordBytes, 15, 'json'), makeBatch(perSmall, opts.recordBytes, 16, 'json')];
  const produceJson = (topic: string, partitions: number) => {
    const bodies = jsonBatches.map((b) => spreadRequest(b, partitions));
    return async (i: number) => {
      const k = (i + 2) % bodies.length;
      const body = bodies[k]!;
      const res = await http.request({ method: 'POST', path: `/v1/topics/${encodeURIComponent(topic)}/records`, headers: { 'content-type': 'application/json' }, body });
      if (res.status !== 200) throw new Error(`JSON produce probe: HTTP ${res.status}`);
      // Priced per GiB of record data, which is what the equal 16 KiB batch carries.
      return { data: jsonBatches[k]!.length, api: body.length };
    };
  };
  const ingest16KiBMulti = await measure(local, `produce 16 KiB over ${MULTI_PARTITIONS} partitions (JSON)`, opts.batches16KiB, perSmall, produceMb, produceJson(multi.name, MULTI_PARTITIONS), tick);
  const one = await createTopic(ctx, http, `bench-cost-16kib-json-${ctx.runId}`);
  const ingest16KiBJson = await measure(local, 'produce 16 KiB to 1 partition (JSON)', opts.batches16KiB, perSmall, produceMb, produceJson(one.name, 1), tick);

  // Batch i sits at offsets [(i + 1) * perBig, (i + 2) * perBig): the warm-up wrote the first.
  const path = `/v1/topics/${encodeURIComponent(big.name)}/partitions/0/records`;
  const readRaw = async (i: number) => {
    const offset = (i + 1) * perBig;
    const res = await http.request({ method: 'GET', path, query: { offset, maxBytes: MiB }, headers: { accept: RECORD_BATCH_TYPE } });
    if (res.body.length === 0) throw new Error(`read probe: nothing at offset ${offset}`);
    return { data: res.body.length, api: res.body.length };
  };
  const readJson = async (i: number) => {
    const offset = (i + 1) * perBig;
    const res = await http.request({ method: 'GET', path, query: { offset, maxBytes: MiB, maxRecords: 10_000 }, headers: { accept: 'application/json' } });
    const parsed = JSON.parse(res.body.toString('utf8')) as { records: unknown[] };
    if (parsed.records.length === 0) throw new Error(`read probe: nothing at offset ${offset}`);
    // Priced per GiB of record data delivered, which is what the raw batches carry.
    return { data: bigBatches[0]!.length, api: res.body.length };
  };
  const read1MiB = await measure(local, 'fetch 1 MiB (raw batches)', opts.batches1MiB, perBig, fetchMb, readRaw, tick);
  const readJson1MiB = await measure(local, 'fetch 1 MiB (JSON)', opts.batches1MiB, perBig, fetchMb, readJson, tick);
  return { ingest1MiB, ingest16KiB, ingest16KiBMulti, ingest16KiBJson, read1MiB, readJson1MiB };
}
