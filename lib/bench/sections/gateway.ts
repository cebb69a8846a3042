// The gateway section: the Kafka gateway under a real Kafka client. kafkajs producers send
// keyed 1 KiB records through the local platform's gateway (DevServer.kafkaPort), and the
// SDK's producers send the same records over HTTP in the same run; the ratio of their
// throughputs is the figure to watch (target >= 0.8). Idempotent kafkajs producers (what
// Java clients are by default) send the same records too: their batches share each
// flush's object and commit like the others', so `idempotentRatio` shows what checking
// their sequences in that commit costs. A last pass sends 16 KiB client
// batches through the gateway with the storage meter on and prices what S3 and DynamoDB
// bill per GiB (the gateway's own tasks are a fixed monthly cost, not per GiB; target
// <= $0.02). That pass is many clients at once (INGEST_CLIENTS senders, each with one
// 16 KiB batch in flight), the load the gateway is for: it writes one object and one
// commit per flush for all of them, so the price per GiB falls with the bytes a flush
// gathers. 256 clients keep 4 MiB in flight, one flush's worth at most (measured:
// ~1.6 MiB objects, ~$0.014/GiB); 64 clients make ~0.5 MiB objects (~$0.046/GiB); one
// client waiting for each acknowledgement gets one object per batch whatever the
// gateway does (~$1.4/GiB), which prices the client's batching, not the gateway's. kafkajs is a devDependency: without it the suite skips
// this section and says why.
import type * as Kafkajs from 'kafkajs';
import { Sluice } from '../../client/index.ts';
import { costPerGiB } from '../cost/model.ts';
import { BASELINES } from '../cost/prices.ts';
import { api, localPlatform, type BenchContext } from '../harness/context.ts';
import { defaultImporter, importDevDependency, MissingDevDependency, type Importer } from '../harness/devDependency.ts';
import { atLeast, atMost, usd } from '../harness/format.ts';
import { defineSection, putAll, SectionSkipped } from '../harness/section.ts';
import { concurrently, createTopic, filler } from '../harness/workload.ts';

export interface GatewayBenchOptions {
  records: number;
  producers: number;
  recordsPerSend: number;
  recordBytes: number;
}

/** Concurrent senders of 16 KiB batches in the priced pass. */
export const INGEST_CLIENTS = 256;

export interface GatewayBenchResult {
  records: number;
  gatewayRecordsPerSec: number;
  sdkRecordsPerSec: number;
  /** gateway / SDK over HTTP. */
  ratio: number;
  /** Idempotent kafkajs producers through the gateway. */
  idempotentRecordsPerSec: number;
  /** Idempotent producers through the gateway / SDK over HTTP. */
  idempotentRatio: number;
  /** What S3 and DynamoDB bill per GiB ingested in 16 KiB client batches through the gateway. */
  ingest16KiBUsdPerGiB: number;
  s3PutsPerMiB: number;
}

/** kafkajs's client; SectionSkipped when it is not installed. */
export async function loadKafkaClient(importer: Importer = defaultImporter): Promise<typeof Kafkajs> {
  try {
    return (await importDevDependency(importer, 'kafkajs', 'kafkajs')) as typeof Kafkajs;
  } catch (err) {
    if (err instanceof MissingDevDependency) throw new SectionSkipped(`it drives the gateway with ${err.message}`, { cause: err });
    throw err;
  }
}

async function timed(work: () => Promise<void>): Promise<number> {
  const start = performance.now();
  await work();
  return (performance.now() - start) / 1000;
}

/** Sends `total` records from `producers` loops, `perSend` at a time: `send(worker, from, count)`. */
async function spread(total: number, producers: number, perSend: number, send: (w: number, from: number, n: number) => Promise<void>) {
  let next = 0;
  await concurrently(producers, async (w) => {
    while (next < total) {
      const from = next;
      next += perSend;
      await send(w, from, Math.min(perSend, total - from));
    }
  });
}

export async function runGatewayBench(ctx: BenchContext, opts: GatewayBenchOptions, importer: Importer = defaultImporter): Promise<GatewayBenchResult> {
  const { Kafka, logLevel } = await loadKafkaClient(importer);
  const local = localPlatform(ctx);
  if (!local.server.kafkaPort) throw new SectionSkipped('the local platform runs no Kafka gateway');
  const http = api(ctx);
  const value = filler(opts.recordBytes, 7);
  const messages = (from: number, n: number) => Array.from({ length: n }, (_, i) => ({ key: Buffer.from(`key-${(from + i) % 64}`), value }));
  const topic = async (name: string) => (await createTopic(ctx, http, `bench-gateway-${name}-${ctx.runId}`, 4)).name;
  let done = 0;
  const tick = (n: number) => ctx.progress.update((done += n), opts.records * 4);

  const kafka = new Kafka({ clientId: 'sluice-bench', brokers: [`127.0.0.1:${local.server.kafkaPort}`], logLevel: logLevel.NOTHING });
  const producers = Array.from({ length: opts.producers }, () => kafka.producer());
  const idempotent = Array.from({ length: opts.producers }, () => kafka.producer({ idempotent: true, maxInFlightRequests: 1 }));
  try {
    await Promise.all([...producers, ...idempotent].map((p) => p.connect()));
    const viaGateway = await topic('kafka');
    const gatewaySeconds = await timed(() =>
      spread(opts.records, opts.producers, opts.recordsPerSend, async (w, from, n) => {
        await producers[w]!.send({ topic: viaGateway, messages: messages(from, n) });
        tick(n);
      }),
    );

    const viaIdempotent = await topic('idempotent');
    const idempotentSeconds = await timed(() =>
      spread(opts.records, opts.producers, opts.recordsPerSend, async (w, from, n) => {
        await idempotent[w]!.send({ topic: viaIdempotent, messages: messages(from, n) });
        tick(n);
      }),
    );

    const viaHttp = await topic('sdk');
    const sdkProducers = Array.from({ length: opts.producers }, () => new Sluice(http).producer({ idempotent: false }));
    const sdkSeconds = await timed(() =>
      spread(opts.records, opts.producers, opts.recordsPerSend, async (w, from, n) => {
        await Promise.all(messages(from, n).map((m) => sdkProducers[w]!.send({ topic: viaHttp, ...m })));
        tick(n);
      }),
    );
    await Promise.all(sdkProducers.map((p) => p.close()));

    // 16 KiB client batches (16 records of 1 KiB) from INGEST_CLIENTS senders at once, metered.
    const small = await topic('16k');
    local.meter.reset();
    local.meter.pause(false);
    try {
      await spread(opts.records, INGEST_CLIENTS, Math.max(1, Math.floor(16_384 / opts.recordBytes)), async (w, from, n) => {
        await producers[w % producers.length]!.send({ topic: small, messages: messages(from, n) });
        tick(n);
      });
    } finally {
      local.meter.pause(true);
    }
    const s = local.meter.snapshot();
    const bytes = opts.records * opts.recordBytes;
    // Storage only: no API Gateway or Lambda on this path.
    const c = costPerGiB({ dataBytes: bytes, apiPayloadBytes: 0, lambdaMemoryMb: 0, lambdaMs: 0, s3Puts: s.s3Puts, s3Gets: s.s3Gets, wru: s.wru, rru: s.rru });

    const gatewayRecordsPerSec = opts.records / gatewaySeconds;
    const sdkRecordsPerSec = opts.records / sdkSeconds;
    const idempotentRecordsPerSec = opts.records / idempotentSeconds;
    return {
      records: opts.records,
      gatewayRecordsPerSec,
      sdkRecordsPerSec,
      ratio: gatewayRecordsPerSec / sdkRecordsPerSec,
      idempotentRecordsPerSec,
      idempotentRatio: idempotentRecordsPerSec / sdkRecordsPerSec,
      ingest16KiBUsdPerGiB: c.s3 + c.dynamodbWrites + c.dynamodbReads,
      s3PutsPerMiB: (s.s3Puts * 2 ** 20) / bytes,
    };
  } finally {
    await Promise.all([...producers, ...idempotent].map((p) => p.disconnect().catch(() => undefined)));
  }
}

export const gateway = defineSection({
  name: 'gateway', where: 'local', reportOrder: 15,
  sizes: {
    full: { records: 20_000, producers: 4, recordsPerSend: 100, recordBytes: 1024 },
    quick: { records: 5_000, producers: 4, recordsPerSend: 100, recordBytes: 1024 },
  },
  title: () => 'gateway: kafkajs through the Kafka gateway vs the SDK over HTTP',
  run: (ctx, size) => runGatewayBench(ctx, size),
  values: (r, put) =>
    putAll(put, 'gateway', {
      recordsPerSec: r.gatewayRecordsPerSec, sdkRecordsPerSec: r.sdkRecordsPerSec, ratio: r.ratio,
      idempotentRecordsPerSec: r.idempotentRecordsPerSec, idempotentRatio: r.idempotentRatio,
      ingest16KiBUsdPerGiB: r.ingest16KiBUsdPerGiB, s3PutsPerMiB: r.s3PutsPerMiB,
    }),
  figures(r, row) {
    row('gateway.recordsPerSec', String(Math.round(r.gatewayRecordsPerSec)), `kafkajs through the gateway, ${r.records} keyed 1 KiB records`);
    row('gateway.sdkRecordsPerSec', String(Math.round(r.sdkRecordsPerSec)), 'the SDK over HTTP, same records, same run');
    row('gateway.ratio', r.ratio.toFixed(2), 'gateway / SDK');
    row('gateway.idempotentRecordsPerSec', String(Math.round(r.idempotentRecordsPerSec)), 'idempotent kafkajs producers through the gateway, same records');
    row('gateway.idempotentRatio', r.idempotentRatio.toFixed(2), 'idempotent through the gateway / SDK');
    row('gateway.ingest16KiBUsdPerGiB', usd(r.ingest16KiBUsdPerGiB), `S3 + DynamoDB per GiB, ${INGEST_CLIENTS} clients' 16 KiB batches (Kinesis: ${BASELINES.kinesisOnDemand.ingestUsdPerGb})`);
    row('gateway.s3PutsPerMiB', r.s3PutsPerMiB.toFixed(2), 'objects written per MiB in that pass');
  },
  targets: (v) => [atLeast(v, 'gateway.ratio', 0.8), atMost(v, 'gateway.ingest16KiBUsdPerGiB', 0.02)],
  quickNote: (quick, full) => `gateway sends ${quick.records} records instead of ${full.records}`,
});
