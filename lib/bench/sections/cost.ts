// The cost model's section: what one GiB costs to ingest and read through Sluice at the
// batch sizes that matter, from the requests one produce or fetch was measured to make
// (cost/probe.ts) priced at published list prices (cost/model.ts, cost/prices.ts), next
// to what Kinesis and MSK Serverless charge; and what an idle long-polling consumer costs.
import { FUNCTIONS } from '../../api/index.ts';
import { baselineCosts, costPerGiB, headReadsPerIdlePoll, idleLongPollUsdPerHour, type CostBreakdown } from '../cost/model.ts';
import { PRICES_AS_OF } from '../cost/prices.ts';
import { MULTI_PARTITIONS, runCostProbe, type CostProbeResult } from '../cost/probe.ts';
import { atMost, callList, ms, table, usd } from '../harness/format.ts';
import { defineSection, putAll } from '../harness/section.ts';
import { round } from '../harness/stats.ts';

export interface CostResult {
  ingest1MiB: CostBreakdown;
  ingest16KiB: CostBreakdown;
  ingest16KiBMulti: CostBreakdown;
  ingest16KiBJson: CostBreakdown;
  read1MiB: CostBreakdown;
  readJson1MiB: CostBreakdown;
  idleLongPollUsdPerHour: number;
  probe: CostProbeResult;
}

/** Long polls of an idle consumer wait this long each. */
const IDLE_WAIT_MS = 20_000;

function costTable(c: CostResult): string {
  const rows: [string, CostBreakdown][] = [
    ['ingest, 1 MiB batches', c.ingest1MiB],
    ['ingest, 16 KiB batches', c.ingest16KiB],
    [`ingest, 16 KiB requests over ${MULTI_PARTITIONS} partitions`, c.ingest16KiBMulti],
    ['ingest, the same JSON requests to 1 partition', c.ingest16KiBJson],
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

export const cost = defineSection({
  name: 'cost', where: 'local', reportOrder: 60,
  sizes: { full: { batches1MiB: 16, batches16KiB: 60 }, quick: { batches1MiB: 6, batches16KiB: 20 } },
  title: () => 'cost: 1 MiB and 16 KiB batches, 1 MiB reads',
  async run(ctx, size): Promise<CostResult> {
    const probe = await runCostProbe(ctx, { recordBytes: 1024, ...size });
    return {
      ingest1MiB: costPerGiB(probe.ingest1MiB.profile),
      ingest16KiB: costPerGiB(probe.ingest16KiB.profile),
      ingest16KiBMulti: costPerGiB(probe.ingest16KiBMulti.profile),
      ingest16KiBJson: costPerGiB(probe.ingest16KiBJson.profile),
      read1MiB: costPerGiB(probe.read1MiB.profile),
      readJson1MiB: costPerGiB(probe.readJson1MiB.profile),
      idleLongPollUsdPerHour: idleLongPollUsdPerHour({
        waitMs: IDLE_WAIT_MS,
        lambdaMemoryMb: FUNCTIONS.fetch.memoryMb,
        // Per poll: the topic lookup and the first head read, both consistent reads of
        // items under 4 KB; then the watch's head reads (another Lambda appends, so
        // nothing wakes the poll early).
        fixedRru: 2,
        headReads: headReadsPerIdlePoll(IDLE_WAIT_MS),
        rruPerHeadRead: 1,
      }),
      probe,
    };
  },
  values(c, put) {
    putAll(put, 'cost', {
      usdPerGiBIngest1MiB: c.ingest1MiB.total, usdPerGiBIngest16KiB: c.ingest16KiB.total, usdPerGiBIngest16KiBMulti: c.ingest16KiBMulti.total, usdPerGiBIngest16KiBJson: c.ingest16KiBJson.total,
      usdPerGiBRead1MiB: c.read1MiB.total, usdPerGiBReadJson1MiB: c.readJson1MiB.total,
      idleLongPollUsdPerHour: c.idleLongPollUsdPerHour, ...baselineCosts,
    });
    for (const [name, { profile: p }] of Object.entries(c.probe)) {
      putAll(put, `cost.${name}`, { lambdaMs: p.lambdaMs, wru: p.wru, rru: p.rru, s3Requests: p.s3Puts + p.s3Gets });
    }
  },
  figures(c, row) {
    row('cost.usdPerGiBIngest1MiB', usd(c.ingest1MiB.total), `Kinesis ${baselineCosts.kinesisIngest}, MSK Serverless ${baselineCosts.mskIngest}`);
    row('cost.usdPerGiBIngest16KiB', usd(c.ingest16KiB.total));
    row('cost.usdPerGiBIngest16KiBMulti', usd(c.ingest16KiBMulti.total), `1 KiB records in 16 KiB requests over ${MULTI_PARTITIONS} partitions; single partition: ${usd(c.ingest16KiB.total)}`);
    row('cost.usdPerGiBIngest16KiBJson', usd(c.ingest16KiBJson.total), 'the same JSON requests, every record to one partition');
    row('cost.usdPerGiBRead1MiB', usd(c.read1MiB.total), `Kinesis ${baselineCosts.kinesisRead}, MSK Serverless ${baselineCosts.mskRead}; JSON: ${usd(c.readJson1MiB.total)}`);
    row('cost.idleLongPollUsdPerHour', usd(c.idleLongPollUsdPerHour), 'one consumer long-polling one idle partition (20 s polls)');
  },
  targets: (v) => [
    atMost(v, 'cost.usdPerGiBIngest1MiB', 0.012),
    // A request spread over partitions costs no more per GiB than one to a single partition.
    atMost(v, 'cost.usdPerGiBIngest16KiBMulti', round(v['cost.usdPerGiBIngest16KiB'] ?? 0, 4)),
  ],
  details(c) {
    const sizes = Object.entries(c.probe.ingest1MiB.perRequest.maxItemBytes)
      .map(([name, bytes]) => `${name} ${bytes} B`)
      .join(', ');
    return [
      `Cost model (prices: ${PRICES_AS_OF}; storage not included)`,
      costTable(c),
      '',
      probeTable(c),
      `Largest DynamoDB items written or read per produce: ${sizes} (every one under the 1 KB write unit).`,
      '',
    ];
  },
  notes: () => [
    'Cost: request counts and DynamoDB units are counted on the server\'s own SDK clients; Lambda duration is the dev server\'s handler time against the emulators (AWS latencies differ); API Gateway is metered per 512 KB of the larger of request and response; an LSI write is counted at the table write\'s rate (an upper bound inside transactions).',
  ],
});
