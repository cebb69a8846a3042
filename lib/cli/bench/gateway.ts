// `gateway.*`: the Kafka gateway under a real Kafka client. kafkajs producers send keyed
// 1 KiB records through the dev server's gateway, and the SDK's producers send the same
// records over HTTP in the same run; the ratio of their throughputs is the figure to
// watch (target >= 0.8). A second pass sends 16 KiB client batches through the gateway
// with the storage meter on and prices what S3 and DynamoDB billed per GiB (the gateway's
// own tasks are a fixed monthly cost, not per GiB). Registers into the suite through
// `runGatewayBench`, `gatewayValues` and `gatewayRows`.
import { Kafka, logLevel } from 'kafkajs';
import { Sluice } from '../../client/sluice.ts';
import type { BenchContext } from './context.ts';
import { filler } from './context.ts';
import { GiB } from './cost.ts';
import { BASELINES, PRICES } from './prices.ts';

export interface GatewayBenchOptions {
  records: number;
  producers: number;
  recordsPerSend: number;
  recordBytes: number;
}

export interface GatewayBenchResult {
  records: number;
  gatewayRecordsPerSec: number;
  sdkRecordsPerSec: number;
  /** gateway / SDK over HTTP. */
  ratio: number;
  /** Storage requests billed per GiB ingested in 16 KiB client batches through the gateway. */
  ingest16KiBUsdPerGiB?: number;
  s3PutsPerMiB?: number;
}

export const GATEWAY_SIZES = {
  full: { records: 20_000, producers: 4, recordsPerSend: 100, recordBytes: 1024 },
  quick: { records: 5_000, producers: 4, recordsPerSend: 100, recordBytes: 1024 },
} as const;

async function timed(work: () => Promise<void>): Promise<number> {
  const start = performance.now();
  await work();
  return (performance.now() - start) / 1000;
}

/** Splits `total` records into `producers` loops of sends; `send(worker, from, count)`. */
async function spread(total: number, producers: number, perSend: number, send: (w: number, from: number, n: number) => Promise<void>) {
  let next = 0;
  await Promise.all(
    Array.from({ length: producers }, async (_, w) => {
      for (;;) {
        const from = next;
        if (from >= total) return;
        next += perSend;
        await send(w, from, Math.min(perSend, total - from));
      }
    }),
  );
}

export async function runGatewayBench(ctx: BenchContext, opts: GatewayBenchOptions): Promise<GatewayBenchResult | undefined> {
  const server = ctx.local?.server;
  if (!server?.kafkaPort) return undefined;
  const value = filler(opts.recordBytes, 7);
  const key = (i: number) => Buffer.from(`key-${i % 64}`);
  const sdk = new Sluice(ctx.http);
  const topicOf = async (name: string) => {
    const topic = `bench-gateway-${name}-${ctx.runId}`;
    await sdk.admin().createTopic({ name: topic, partitions: 4 });
    ctx.topics.push(topic);
    return topic;
  };
  const kafka = new Kafka({ clientId: 'sluice-bench', brokers: [`127.0.0.1:${server.kafkaPort}`], logLevel: logLevel.NOTHING });
  const total = opts.records * 2 + opts.records;
  let done = 0;
  const tick = (n: number) => ctx.progress.update((done += n), total);

  const viaGateway = await topicOf('kafka');
  const producers = await Promise.all(Array.from({ length: opts.producers }, async () => {
    const p = kafka.producer();
    await p.connect();
    return p;
  }));
  const gatewaySeconds = await timed(() =>
    spread(opts.records, opts.producers, opts.recordsPerSend, async (w, from, n) => {
      await producers[w]!.send({ topic: viaGateway, messages: Array.from({ length: n }, (_, i) => ({ key: key(from + i), value })) });
      tick(n);
    }),
  );

  const viaHttp = await topicOf('sdk');
  const sdkProducers = Array.from({ length: opts.producers }, () => sdk.producer({ idempotent: false }));
  const sdkSeconds = await timed(() =>
    spread(opts.records, opts.producers, opts.recordsPerSend, async (w, from, n) => {
      await Promise.all(Array.from({ length: n }, (_, i) => sdkProducers[w]!.send({ topic: viaHttp, key: key(from + i), value })));
      tick(n);
    }),
  );
  await Promise.all(sdkProducers.map((p) => p.close()));

  // 16 KiB client batches (16 records of 1 KiB), one producer at a time, metered.
  let cost: Pick<GatewayBenchResult, 'ingest16KiBUsdPerGiB' | 's3PutsPerMiB'> = {};
  const meter = ctx.local?.meter;
  if (meter) {
    const small = await topicOf('16k');
    meter.reset();
    meter.pause(false);
    const perSend = Math.max(1, Math.floor(16_384 / opts.recordBytes));
    await spread(opts.records, 1, perSend, async (_w, from, n) => {
      await producers[0]!.send({ topic: small, messages: Array.from({ length: n }, (_, i) => ({ key: key(from + i), value })) });
      tick(n);
    });
    meter.pause(true);
    const s = meter.snapshot();
    const bytes = opts.records * opts.recordBytes;
    const usd =
      s.s3Puts * PRICES.s3Standard.usdPerPut + s.s3Gets * PRICES.s3Standard.usdPerGet +
      s.wru * PRICES.dynamodbOnDemand.usdPerWriteRequestUnit + s.rru * PRICES.dynamodbOnDemand.usdPerReadRequestUnit;
    cost = { ingest16KiBUsdPerGiB: (usd * GiB) / bytes, s3PutsPerMiB: (s.s3Puts * 2 ** 20) / bytes };
  }
  await Promise.all(producers.map((p) => p.disconnect()));

  const gatewayRecordsPerSec = opts.records / gatewaySeconds;
  const sdkRecordsPerSec = opts.records / sdkSeconds;
  return { records: opts.records, gatewayRecordsPerSec, sdkRecordsPerSec, ratio: gatewayRecordsPerSec / sdkRecordsPerSec, ...cost };
}

export function gatewayValues(r: GatewayBenchResult, put: (key: string, n: number | undefined) => void): void {
  put('gateway.recordsPerSec', r.gatewayRecordsPerSec);
  put('gateway.sdkRecordsPerSec', r.sdkRecordsPerSec);
  put('gateway.ratio', r.ratio);
  put('gateway.ingest16KiBUsdPerGiB', r.ingest16KiBUsdPerGiB);
  put('gateway.s3PutsPerMiB', r.s3PutsPerMiB);
}

export function gatewayRows(r: GatewayBenchResult, row: (name: string, value: string, context?: string) => void): void {
  row('gateway.recordsPerSec', String(Math.round(r.gatewayRecordsPerSec)), `kafkajs through the gateway, ${r.records} keyed 1 KiB records`);
  row('gateway.sdkRecordsPerSec', String(Math.round(r.sdkRecordsPerSec)), 'the SDK over HTTP, same records, same run');
  row('gateway.ratio', r.ratio.toFixed(2), 'gateway / SDK (target >= 0.8)');
  if (r.ingest16KiBUsdPerGiB !== undefined) {
    row('gateway.ingest16KiBUsdPerGiB', `$${r.ingest16KiBUsdPerGiB.toFixed(4)}`, `S3 + DynamoDB per GiB in 16 KiB batches (Kinesis: $${BASELINES.kinesisOnDemand.ingestUsdPerGb})`);
  }
}
