// Stream processing on the local platform: records per second through processors run by
// the platform's ProcessorRuntime on the dev server's storage (each batch one
// transaction: outputs, state, position), beside at-least-once delivery of the same
// records to a subscription in the same run (the dev server's dispatcher, a loopback
// HTTP target that answers at once). The topologies:
//   map        stateless: mapValues to an output topic
//   wordCount  flatMapValues, groupBy (a repartition topic), count into a store
//   windowed   groupByKey, a one-minute TimeWindows count
//   join       a stream-table join against a table of 100 keys
// exactlyOnceRatio = subscriptionPerSec / mapPerSec: what exactly-once costs over
// at-least-once for a stateless map (target <= 1.5). Each processor starts with the
// records already in its input and is timed until every task has caught up.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startLocalDispatcher } from '../../local/dispatch.ts';
import { Log } from '../../log/index.ts';
import { Grouped, Materialized, Produced, Serdes, StreamsBuilder, TimeWindows, type Topology } from '../../streams/index.ts';
import { ProcessorRuntime } from '../../streams/runtime/processor.ts';
import { api, localPlatform, type BenchContext } from '../harness/context.ts';
import { atMost } from '../harness/format.ts';
import { defineSection, putAll } from '../harness/section.ts';
import { createTopic, T0 } from '../harness/workload.ts';

export interface StreamsSizes {
  records: number;
}

export interface StreamsResult {
  records: number;
  mapPerSec: number;
  wordCountPerSec: number;
  windowedPerSec: number;
  joinPerSec: number;
  subscriptionPerSec: number;
  exactlyOnceRatio: number;
}

const PARTITIONS = 4;
const KEYS = 100;
const WORDS = Array.from({ length: 200 }, (_, i) => `w${i}`);
const line = (i: number) => Array.from({ length: 8 }, (_, j) => WORDS[(i * 7 + j * 13) % WORDS.length]).join(' ');

const S = { key: Serdes.string(), value: Serdes.string() };

function topologies(input: string, table: string, out: (name: string) => string): Record<'map' | 'wordCount' | 'windowed' | 'join', Topology> {
  const build = (f: (b: StreamsBuilder) => void) => {
    const b = new StreamsBuilder();
    f(b);
    return b.build();
  };
  return {
    map: build((b) => b.stream<string, string>(input, S).mapValues((v) => v.toUpperCase()).to(out('map'), Produced.with(Serdes.string(), Serdes.string()))),
    wordCount: build((b) =>
      b
        .stream<string, string>(input, S)
        .flatMapValues((v) => v.split(' '))
        .groupBy((_k, w) => w, Grouped.with(Serdes.string(), Serdes.string()))
        .count(Materialized.as('counts'))
        .toStream()
        .to(out('wc'), Produced.with(Serdes.string(), Serdes.long())),
    ),
    windowed: build((b) => b.stream<string, string>(input, S).groupByKey().windowedBy(TimeWindows.ofSizeWithNoGrace(60_000)).count(Materialized.as('per-minute'))),
    join: build((b) => {
      const t = b.table<string, string>(table, S);
      b.stream<string, string>(input, S)
        .join(t, (v, tv) => `${tv}:${v.length}`)
        .to(out('join'), Produced.with(Serdes.string(), Serdes.string()));
    }),
  };
}

/** Appends `n` lines keyed k0..k99 round-robin over the partitions, in chunks. */
async function fill(log: Log, topic: string, n: number): Promise<void> {
  for (let p = 0; p < PARTITIONS; p++) {
    const mine = Array.from({ length: n }, (_, i) => i).filter((i) => i % PARTITIONS === p);
    for (let c = 0; c < mine.length; c += 500) {
      const records = mine.slice(c, c + 500).map((i) => ({ key: Buffer.from(`k${i % KEYS}`), value: Buffer.from(line(i)), timestamp: T0 + i * 10 }));
      await log.append(topic, p, { records });
    }
  }
}

async function timeProcessor(log: Log, topology: Topology, app: string, n: number): Promise<number> {
  const runtime = await ProcessorRuntime.create(log, topology, { 'application.id': app }, 'bench', { maxBatchRecords: 500 });
  const started = performance.now();
  await runtime.runOnce();
  return n / ((performance.now() - started) / 1000);
}

/** A loopback target that counts the records it is sent and answers 200 at once. */
async function countingTarget(expect: number): Promise<{ server: Server; url: string; done: Promise<void> }> {
  let seen = 0;
  let finish!: () => void;
  const done = new Promise<void>((resolve) => (finish = resolve));
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const event = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { records: Record<string, unknown[]> };
      seen += Object.values(event.records).reduce((s, r) => s + r.length, 0);
      res.writeHead(200).end();
      if (seen >= expect) finish();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`, done };
}

export async function runStreamsBench(ctx: BenchContext, size: StreamsSizes): Promise<StreamsResult> {
  const local = localPlatform(ctx);
  const http = api(ctx);
  const log = new Log(local.server.stack.clients);
  const n = size.records;
  const name = (what: string) => `bench-streams-${what}-${ctx.runId}`;
  const input = (await createTopic(ctx, http, name('lines'), PARTITIONS)).name;
  const table = (await createTopic(ctx, http, name('table'), PARTITIONS)).name;
  for (const what of ['map', 'wc', 'join']) await createTopic(ctx, http, name(what), PARTITIONS);
  ctx.progress.update(0, 6);
  await fill(log, input, n);
  for (let k = 0; k < KEYS; k++) await log.append(table, k % PARTITIONS, { records: [{ key: Buffer.from(`k${k}`), value: Buffer.from(`t${k}`), timestamp: T0 }] });
  ctx.progress.update(1);

  const t = topologies(input, table, name);
  const perSec: Partial<Record<keyof typeof t, number>> = {};
  for (const [i, what] of (['map', 'wordCount', 'windowed', 'join'] as const).entries()) {
    perSec[what] = await timeProcessor(log, t[what], name(`app-${what}`), n);
    ctx.progress.update(2 + i);
  }

  // The suite's dev server runs without its dispatcher (no background work under the
  // other sections); this one runs it, polling the partitions stream as the dev server does.
  const dispatch = startLocalDispatcher(local.server.stack, { sweepIntervalMs: 250 });
  await dispatch.poller.ready;
  const target = await countingTarget(n);
  try {
    const started = performance.now();
    await http.json({
      method: 'POST',
      path: `/v1/topics/${encodeURIComponent(input)}/subscriptions`,
      body: { name: 'bench-streams', target: { type: 'http', url: target.url }, batchSize: 500, startingPosition: 'earliest' },
    });
    await target.done;
    const subscriptionPerSec = n / ((performance.now() - started) / 1000);
    ctx.progress.update(6);
    return {
      records: n,
      mapPerSec: perSec.map!,
      wordCountPerSec: perSec.wordCount!,
      windowedPerSec: perSec.windowed!,
      joinPerSec: perSec.join!,
      subscriptionPerSec,
      exactlyOnceRatio: subscriptionPerSec / perSec.map!,
    };
  } finally {
    await dispatch.stop();
    await new Promise<void>((resolve) => target.server.close(() => resolve()));
  }
}

const rate = (n: number) => `${Math.round(n).toLocaleString('en-US')} records/s`;

export const streams = defineSection({
  name: 'streams', where: 'local', reportOrder: 45,
  sizes: { full: { records: 4_000 }, quick: { records: 400 } },
  title: (size) => `stream processing: ${size.records} records through processors and a subscription`,
  run: runStreamsBench,
  values: (r: StreamsResult, put) =>
    putAll(put, 'streams', {
      mapPerSec: r.mapPerSec,
      wordCountPerSec: r.wordCountPerSec,
      windowedPerSec: r.windowedPerSec,
      joinPerSec: r.joinPerSec,
      subscriptionPerSec: r.subscriptionPerSec,
      exactlyOnceRatio: r.exactlyOnceRatio,
    }),
  figures(r, row) {
    row('streams.mapPerSec', rate(r.mapPerSec), `stateless map, exactly-once, ${r.records} records over ${PARTITIONS} partitions`);
    row('streams.wordCountPerSec', rate(r.wordCountPerSec), 'lines of 8 words, through a repartition topic into a store');
    row('streams.windowedPerSec', rate(r.windowedPerSec), 'a one-minute TimeWindows count per key');
    row('streams.joinPerSec', rate(r.joinPerSec), `a stream-table join, ${KEYS} keys`);
    row('streams.subscriptionPerSec', rate(r.subscriptionPerSec), 'the same records delivered at-least-once to a subscription');
  },
  targets: (v) => [atMost(v, 'streams.exactlyOnceRatio', 1.5)],
});
