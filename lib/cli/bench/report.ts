// The benchmark's output: the flat numeric keys of the --json file, the targets with
// pass/fail marks, and the human-readable report. Pure functions of the results.
import { gatewayRows, gatewayValues, type GatewayBenchResult } from './gateway.ts';
import type { CompactionBenchResult } from '../../log/maintenance-bench.ts';
import type { CodecBenchResult } from '../../records/bench.ts';
import { table } from '../table.ts';
import type { CostProbeResult } from './costprobe.ts';
import { baselineCosts, type CostBreakdown } from './cost.ts';
import type { E2eResult } from './e2e.ts';
import type { FetchResult } from './fetch.ts';
import type { MeterSnapshot } from './meter.ts';
import { PRICES_AS_OF } from './prices.ts';
import type { ProduceResult } from './produce.ts';
import type { PathProfile } from './profile.ts';
import { round } from './stats.ts';

export interface CostResult {
  ingest1MiB: CostBreakdown;
  ingest16KiB: CostBreakdown;
  read1MiB: CostBreakdown;
  readJson1MiB: CostBreakdown;
  idleLongPollUsdPerHour: number;
  probe: CostProbeResult;
}

export interface BenchParts {
  codec?: CodecBenchResult;
  produce?: ProduceResult;
  fetch?: FetchResult;
  e2e?: E2eResult;
  compaction?: CompactionBenchResult;
  cost?: CostResult;
  profiles?: PathProfile[];
  gateway?: GatewayBenchResult;
}

export interface BenchMeta {
  date: string;
  mode: 'local' | 'endpoint';
  endpoint: string;
  size: 'full' | 'quick';
  node: string;
  cpus: number;
  cpuModel: string;
  platform: string;
  durationSec?: number;
  notes: string[];
}

export type Values = Record<string, number>;

/** The flat dotted keys of the --json file; every value a finite number or absent. */
export function buildValues(p: BenchParts): Values {
  const v: Values = {};
  const put = (key: string, n: number | undefined, digits = 4) => {
    if (n !== undefined && Number.isFinite(n)) v[key] = Number.isInteger(n) ? n : round(n, digits);
  };
  if (p.produce) {
    const r = p.produce;
    put('produce.recordsPerSec', r.recordsPerSec);
    put('produce.mbPerSec', r.mbPerSec);
    put('produce.p50Ms', r.latency.p50);
    put('produce.p99Ms', r.latency.p99);
    put('produce.storageBaselineMs', r.baseline?.p50);
    put('produce.storageBaselineP99Ms', r.baseline?.p99);
    put('produce.overheadRatio', r.overheadRatio);
    put('produce.serverP50Ms', r.serverMs?.p50);
    put('produce.batches', r.batches);
    put('produce.batchBytes', r.batchBytes);
    if (r.perBatch) {
      put('produce.s3RequestsPerBatch', r.perBatch.s3);
      put('produce.dynamodbRequestsPerBatch', r.perBatch.dynamodb);
      put('produce.wruPerBatch', r.perBatch.wru);
      put('produce.rruPerBatch', r.perBatch.rru);
    }
  }
  if (p.gateway) gatewayValues(p.gateway, put);
  if (p.codec) {
    put('codec.encodeMBps', p.codec.encodeMBps);
    put('codec.decodeMBps', p.codec.decodeMBps);
    put('codec.peerEncodeMBps', p.codec.peerEncodeMBps);
    put('codec.peerDecodeMBps', p.codec.peerDecodeMBps);
    put('codec.ratio', p.codec.ratio);
  }
  if (p.fetch) {
    const f = p.fetch;
    put('fetch.smallLogMs', f.small.latency.p50);
    put('fetch.largeLogMs', f.large.latency.p50);
    put('fetch.smallLogP99Ms', f.small.latency.p99);
    put('fetch.largeLogP99Ms', f.large.latency.p99);
    put('fetch.scalingRatio', f.scalingRatio);
    put('fetch.requestsPerFetch', f.large.requestsPerFetch);
    put('fetch.smallLogRequestsPerFetch', f.small.requestsPerFetch);
    put('fetch.largeLogRequestsPerFetch', f.large.requestsPerFetch);
    put('fetch.smallLogSegments', f.small.segments);
    put('fetch.largeLogSegments', f.large.segments);
  }
  if (p.e2e) {
    put('e2e.p50Ms', p.e2e.latency.p50);
    put('e2e.p99Ms', p.e2e.latency.p99);
    put('e2e.messages', p.e2e.latency.n);
  }
  if (p.compaction) {
    const c = p.compaction;
    put('compaction.beforeS3Requests', c.before.s3Requests);
    put('compaction.afterS3Requests', c.after.s3Requests);
    put('compaction.beforeDdbRequests', c.before.ddbRequests);
    put('compaction.afterDdbRequests', c.after.ddbRequests);
    put('compaction.beforeMs', c.before.ms);
    put('compaction.afterMs', c.after.ms);
    put('compaction.readBytes', c.after.bytes);
    put('compaction.segmentsBefore', c.segments.before);
    put('compaction.segmentsAfter', c.segments.after);
    put('compaction.compactionMs', c.compaction.ms);
  }
  if (p.cost) {
    const c = p.cost;
    put('cost.usdPerGiBIngest1MiB', c.ingest1MiB.total);
    put('cost.usdPerGiBIngest16KiB', c.ingest16KiB.total);
    put('cost.usdPerGiBRead1MiB', c.read1MiB.total);
    put('cost.usdPerGiBReadJson1MiB', c.readJson1MiB.total);
    put('cost.idleLongPollUsdPerHour', c.idleLongPollUsdPerHour);
    put('cost.kinesisIngest', baselineCosts.kinesisIngest);
    put('cost.kinesisRead', baselineCosts.kinesisRead);
    put('cost.mskIngest', baselineCosts.mskIngest);
    put('cost.mskRead', baselineCosts.mskRead);
    for (const [name, probe] of Object.entries(c.probe)) {
      put(`cost.${name}.lambdaMs`, probe.profile.lambdaMs);
      put(`cost.${name}.wru`, probe.profile.wru);
      put(`cost.${name}.rru`, probe.profile.rru);
      put(`cost.${name}.s3Requests`, probe.profile.s3Puts + probe.profile.s3Gets);
    }
  }
  for (const pr of p.profiles ?? []) {
    const key = pr.path.startsWith('produce') ? 'produce' : pr.path.includes('JSON') ? 'fetchJson' : 'fetchRaw';
    put(`profile.${key}CpuMsPerMiB`, pr.cpuMsPerMiB);
    put(`profile.${key}CpuMsPerMiBWithoutSdkLogFilter`, pr.cpuMsPerMiBWithoutSdkLogFilter);
  }
  return v;
}

export interface TargetRow {
  name: string;
  value: string;
  target: string;
  /** undefined when the figure was not measured in this run. */
  pass?: boolean;
}

const fmt = (n: number | undefined, digits = 3): string => (n === undefined ? 'n/a' : String(round(n, digits)));

export function evaluateTargets(v: Values): TargetRow[] {
  const le = (name: string, limit: number): TargetRow => ({
    name,
    value: fmt(v[name]),
    target: `<= ${limit}`,
    ...(v[name] !== undefined ? { pass: v[name]! <= limit } : {}),
  });
  const ge = (name: string, limit: number): TargetRow => ({
    name,
    value: fmt(v[name]),
    target: `>= ${limit}`,
    ...(v[name] !== undefined ? { pass: v[name]! >= limit } : {}),
  });
  const small = v['fetch.smallLogRequestsPerFetch'];
  const large = v['fetch.largeLogRequestsPerFetch'];
  const equal: TargetRow = {
    name: 'fetch.requestsPerFetch',
    value: small === undefined || large === undefined ? 'n/a' : `${fmt(small)} vs ${fmt(large)}`,
    target: 'same for both logs',
    ...(small !== undefined && large !== undefined ? { pass: small === large } : {}),
  };
  return [
    le('produce.overheadRatio', 1.3),
    ge('codec.ratio', 2),
    le('fetch.scalingRatio', 1.2),
    equal,
    le('cost.usdPerGiBIngest1MiB', 0.012),
  ];
}

const mark = (pass: boolean | undefined): string => (pass === undefined ? '-  not run' : pass ? '✓  pass' : '✗  FAIL');
const ms = (n: number | undefined): string => (n === undefined || !Number.isFinite(n) ? 'n/a' : n < 10 ? n.toFixed(2) : n.toFixed(1));
const usd = (n: number): string => (n >= 0.1 ? n.toFixed(3) : n >= 0.001 ? n.toFixed(5) : n.toExponential(2));
const pct = (x: number): string => `${(x * 100).toFixed(1)}%`;

function costTable(c: CostResult): string {
  const rows: [string, CostBreakdown][] = [
    ['ingest, 1 MiB batches', c.ingest1MiB],
    ['ingest, 16 KiB batches', c.ingest16KiB],
    ['read, 1 MiB fetches (raw batches)', c.read1MiB],
    ['read, 1 MiB fetches (JSON)', c.readJson1MiB],
  ];
  return table(
    ['USD per GiB', 'API GW', 'Lambda req', 'Lambda GB-s', 'S3', 'DDB write', 'DDB read', 'TOTAL'],
    [
      ...rows.map(([label, b]) => [label, usd(b.apiGateway), usd(b.lambdaRequests), usd(b.lambdaCompute), usd(b.s3), usd(b.dynamodbWrites), usd(b.dynamodbReads), usd(b.total)]),
      ['Kinesis on-demand (in / out)', '', '', '', '', '', '', `${usd(baselineCosts.kinesisIngest)} / ${usd(baselineCosts.kinesisRead)}`],
      ['MSK Serverless (in / out)', '', '', '', '', '', '', `${usd(baselineCosts.mskIngest)} / ${usd(baselineCosts.mskRead)}`],
    ],
    [false, true, true, true, true, true, true, true],
  );
}

function probeTable(c: CostResult): string {
  return table(
    ['per request (measured)', 'DATA', 'HANDLER ms', 'S3', 'DDB CALLS', 'WRU', 'RRU', 'CALLS'],
    Object.values(c.probe).map((p) => [
      p.label,
      `${(p.profile.dataBytes / 1024).toFixed(1)} KiB`,
      ms(p.serverMs.mean),
      String(round(p.perRequest.s3, 3)),
      String(round(p.perRequest.dynamodb, 3)),
      String(round(p.perRequest.wru, 3)),
      String(round(p.perRequest.rru, 3)),
      callList(p.perRequest),
    ]),
    [false, true, true, true, true, true, true, false],
  );
}

export function callList(s: MeterSnapshot): string {
  const calls = Object.entries(s.calls).map(([k, n]) => `${k.replace(/^dynamodb\./, '').replace(/^s3\./, '')} ${round(n, 3)}`);
  const actions = Object.entries(s.transactItems).map(([k, n]) => `${k} ${round(n, 3)}`);
  return `${calls.join(', ')}${actions.length ? ` [tx: ${actions.join(', ')}]` : ''}`;
}

function profileSection(profiles: PathProfile[]): string {
  const out: string[] = [];
  for (const p of profiles) {
    const cats = Object.entries(p.profile.categories)
      .sort((a, b) => b[1] - a[1])
      .filter(([, s]) => s >= 0.005)
      .map(([k, s]) => `${k} ${pct(s)}`)
      .join(', ');
    out.push(
      `${p.path}: ${ms(p.cpuMsPerMiB)} CPU ms/MiB (${ms(p.cpuMsPerInvocation)} ms per call); ` +
        `${ms(p.cpuMsPerMiBWithoutSdkLogFilter)} ms/MiB with the SDK's log filter off`,
    );
    out.push(`  self time by origin: ${cats}`);
    const top = p.profile.functions.filter((f) => !f.label.startsWith('(') || f.label.startsWith('(anonymous)') || f.label.startsWith('(garbage')).slice(0, 8);
    out.push(
      table(
        ['  SELF', 'TOTAL', 'ORIGIN', 'FUNCTION'],
        top.map((f) => [`  ${pct(f.selfShare)}`, pct(f.totalShare), f.category, f.label]),
        [true, true, false, false],
      ),
    );
    const ours = p.profile.functions
      .filter((f) => f.category === 'sluice')
      .sort((a, b) => b.totalMs - a.totalMs)
      .slice(0, 6);
    if (ours.length) {
      out.push('  heaviest lib/ functions (total time, callees included):');
      for (const f of ours) out.push(`    ${pct(f.totalShare).padStart(6)}  ${f.label}`);
    }
    out.push('');
  }
  return out.join('\n');
}

export function renderReport(meta: BenchMeta, parts: BenchParts, v: Values): string {
  const lines: string[] = [];
  lines.push(
    `Sluice benchmark — ${meta.date}, ${meta.size} run, ${meta.mode === 'local' ? 'local platform (dev server, DynamoDB Local, s3rver)' : `endpoint ${meta.endpoint}`}`,
    `${meta.cpus} × ${meta.cpuModel}, Node ${meta.node}, ${meta.platform}${meta.durationSec ? `, took ${meta.durationSec.toFixed(0)} s` : ''}`,
    '',
  );
  const rows: string[][] = [];
  const row = (name: string, value: string, context = '') => rows.push([name, value, context]);
  if (parts.produce) {
    const r = parts.produce;
    row('produce.recordsPerSec', String(Math.round(r.recordsPerSec)), `1 KiB records, ${r.batchBytes} B batches of 100, 4 producers`);
    row('produce.mbPerSec', r.mbPerSec.toFixed(2), 'MB/s of encoded batches');
    row('produce.p50Ms / p99Ms', `${ms(r.latency.p50)} / ${ms(r.latency.p99)}`, `${r.batches} batches over HTTP`);
    if (r.baseline) row('produce.storageBaselineMs', `${ms(r.baseline.p50)} / ${ms(r.baseline.p99)}`, 'p50 / p99: PutObject + GetItem + TransactWriteItems alone');
    if (r.overheadRatio !== undefined) row('produce.overheadRatio', r.overheadRatio.toFixed(2), 'produce p50 / baseline p50');
  }
  if (parts.gateway) gatewayRows(parts.gateway, row);
  if (parts.codec) {
    const c = parts.codec;
    row('codec.encodeMBps / decodeMBps', `${c.encodeMBps.toFixed(0)} / ${c.decodeMBps.toFixed(0)}`, `kafkajs: ${c.peerEncodeMBps.toFixed(0)} / ${c.peerDecodeMBps.toFixed(0)}`);
    row('codec.ratio', c.ratio.toFixed(2), 'sluice / kafkajs, encode+decode');
  }
  if (parts.fetch) {
    const f = parts.fetch;
    row('fetch.smallLogMs', ms(f.small.latency.p50), `p50, 100 records from a log of ${f.small.segments} segments (p99 ${ms(f.small.latency.p99)})`);
    row('fetch.largeLogMs', ms(f.large.latency.p50), `p50, 100 records from a log of ${f.large.segments} segments (p99 ${ms(f.large.latency.p99)})`);
    row('fetch.scalingRatio', f.scalingRatio.toFixed(2), 'large / small');
    row('fetch.requestsPerFetch', `${round(f.small.requestsPerFetch, 3)} / ${round(f.large.requestsPerFetch, 3)}`, `small / large log: ${callList(f.large.perFetch)}`);
  }
  if (parts.e2e) row('e2e.p50Ms / p99Ms', `${ms(parts.e2e.latency.p50)} / ${ms(parts.e2e.latency.p99)}`, `produce → long-polling consumer, ${parts.e2e.latency.n} records`);
  if (parts.compaction) {
    const c = parts.compaction;
    row('compaction S3 requests', `${c.before.s3Requests} → ${c.after.s3Requests}`, `reading ${(c.after.bytes / 1048576).toFixed(2)} MiB from ${c.segments.before} segments, then ${c.segments.after}`);
    row('compaction ms', `${c.before.ms} → ${c.after.ms}`, `DynamoDB requests ${c.before.ddbRequests} → ${c.after.ddbRequests}; compaction took ${c.compaction.ms} ms`);
  }
  if (parts.cost) {
    const c = parts.cost;
    row('cost.usdPerGiBIngest1MiB', usd(c.ingest1MiB.total), `Kinesis ${baselineCosts.kinesisIngest}, MSK Serverless ${baselineCosts.mskIngest}`);
    row('cost.usdPerGiBIngest16KiB', usd(c.ingest16KiB.total));
    row('cost.usdPerGiBRead1MiB', usd(c.read1MiB.total), `Kinesis ${baselineCosts.kinesisRead}, MSK Serverless ${baselineCosts.mskRead}; JSON: ${usd(c.readJson1MiB.total)}`);
    row('cost.idleLongPollUsdPerHour', usd(c.idleLongPollUsdPerHour), 'one consumer long-polling one idle partition (20 s polls)');
  }
  lines.push(table(['FIGURE', 'VALUE', ''], rows, [false, true, false]), '');

  lines.push('Targets', table(['', 'VALUE', 'TARGET', ''], evaluateTargets(v).map((t) => [t.name, t.value, t.target, mark(t.pass)]), [false, true, false, false]), '');

  if (parts.cost) {
    const sizes = Object.entries(parts.cost.probe.ingest1MiB.perRequest.maxItemBytes)
      .map(([table, bytes]) => `${table} ${bytes} B`)
      .join(', ');
    lines.push(
      `Cost model (prices: ${PRICES_AS_OF}; storage not included)`,
      costTable(parts.cost),
      '',
      probeTable(parts.cost),
      `Largest DynamoDB items written or read per produce: ${sizes} (every one under the 1 KB write unit).`,
      '',
    );
  }
  if (parts.profiles?.length) lines.push('Handler CPU profiles (in-process, storage answered from memory)', profileSection(parts.profiles));
  if (parts.produce?.perBatch) lines.push(`Storage calls per produced batch: ${callList(parts.produce.perBatch)}`, '');
  if (meta.notes.length) lines.push('Notes', ...meta.notes.map((n) => `- ${n}`));
  return lines.join('\n');
}
