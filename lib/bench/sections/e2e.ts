// End-to-end latency: from the moment a producer sends a record (binary produce) to the
// moment a consumer has it, the consumer long-polling at the high watermark (JSON fetch
// with waitMs). One record in flight at a time, with a short random pause between, so
// the consumer is parked in its long poll whenever a record is sent.
import { setTimeout as sleep } from 'node:timers/promises';
import { encodeBatch } from '../../records/index.ts';
import { api, type BenchContext } from '../harness/context.ts';
import { ms } from '../harness/format.ts';
import { defineSection, putAll } from '../harness/section.ts';
import { summarize, type Summary } from '../harness/stats.ts';
import { createTopic, jsonValue, produceBatch } from '../harness/workload.ts';

export interface E2eOptions {
  messages: number;
  recordBytes: number;
  waitMs: number;
}

export interface E2eResult {
  latency: Summary;
  /** Long polls the consumer made (including those that returned records). */
  polls: number;
}

interface JsonFetch {
  records: { offset: number; key: unknown }[];
  nextOffset: number;
}

export async function runE2eBench(ctx: BenchContext, opts: E2eOptions): Promise<E2eResult> {
  const { progress } = ctx;
  const http = api(ctx);
  const topic = await createTopic(ctx, http, `bench-e2e-${ctx.runId}`);
  const path = `/v1/topics/${encodeURIComponent(topic.name)}/partitions/0/records`;
  const sent = new Map<number, number>();
  const waiting = new Map<number, () => void>();
  const latencies: number[] = [];
  let polls = 0;
  let stop = false;
  const abort = new AbortController();

  const consumer = (async () => {
    let offset = 0;
    while (!stop) {
      let body: JsonFetch;
      try {
        const res = await http.request({
          method: 'GET',
          path,
          query: { offset, waitMs: opts.waitMs, maxRecords: 100 },
          headers: { accept: 'application/json' },
          signal: abort.signal,
        });
        body = JSON.parse(res.body.toString('utf8')) as JsonFetch;
      } catch (err) {
        if (stop) return;
        throw err;
      }
      const now = performance.now();
      polls++;
      for (const r of body.records) {
        const i = Number(String(r.key).slice(4));
        const at = sent.get(i);
        if (at === undefined) continue;
        if (i >= 0) latencies.push(now - at);
        waiting.get(i)?.();
      }
      offset = body.nextOffset;
    }
  })();

  progress.update(0, opts.messages);
  try {
    // Let the consumer park in its first long poll.
    await sleep(100);
    for (let i = -3; i < opts.messages; i++) {
      const body = encodeBatch({ records: [{ key: Buffer.from(`e2e-${i}`), value: jsonValue(opts.recordBytes, i), timestamp: Date.now() }] });
      const received = new Promise<void>((resolve) => waiting.set(i, resolve));
      // The first three (i < 0) are warm-up: delivered but not recorded.
      sent.set(i, performance.now());
      await produceBatch(http, topic.name, 0, body);
      const timeout = sleep(opts.waitMs + 5_000).then(() => 'timeout' as const);
      if ((await Promise.race([received, timeout])) === 'timeout') throw new Error(`e2e: record ${i} was not delivered within ${opts.waitMs + 5_000} ms`);
      waiting.delete(i);
      if (i >= 0) progress.update(i + 1);
      await sleep(20 + Math.random() * 30);
    }
  } finally {
    stop = true;
    abort.abort();
    await consumer.catch(() => undefined);
  }
  return { latency: summarize(latencies), polls };
}

export const e2e = defineSection({
  name: 'e2e', where: 'http', reportOrder: 40,
  sizes: { full: { messages: 200 }, quick: { messages: 50 } },
  title: () => 'end to end: produce → long-polling consumer',
  run: (ctx, size) => runE2eBench(ctx, { ...size, recordBytes: 1024, waitMs: 5_000 }),
  values: (r: E2eResult, put) => putAll(put, 'e2e', { p50Ms: r.latency.p50, p99Ms: r.latency.p99, messages: r.latency.n }),
  figures(r, row) {
    row('e2e.p50Ms / p99Ms', `${ms(r.latency.p50)} / ${ms(r.latency.p99)}`, `produce → long-polling consumer, ${r.latency.n} records`);
  },
});
