// The README's windowed and join examples on the processor runtime over the emulators
// (the test driver runs them in test/unit/streams/readme.test.ts): the page views per user
// per 5 minutes, whose last window a wall-clock tick closes on a quiet input, queried by
// user; and the enrichment of orders with customers through a repartition topic.
import { describe, expect, it } from 'vitest';
import { Log } from '../../../lib/log/index.ts';
import { defaultPartition } from '../../../lib/records/index.ts';
import { enrichment } from '../../../lib/streams/examples/enrichment.ts';
import { pageViews } from '../../../lib/streams/examples/pageViews.ts';
import { ProcessorRuntime } from '../../../lib/streams/runtime/processor.ts';
import { Processors } from '../../../lib/streams/service.ts';
import { useTestStorage } from '../../support/stack.ts';

const storage = useTestStorage();
const at = (time: string) => Date.parse(`2026-01-01T${time}Z`);
const json = (v: unknown) => Buffer.from(JSON.stringify(v));

async function topics(log: Log, names: string[]) {
  for (const name of names) await log.createTopic({ name, partitions: 2 });
}

const values = async (log: Log, topic: string) => {
  const out: unknown[] = [];
  for (const p of [0, 1]) out.push(...(await log.fetch(topic, p, { offset: 0, maxRecords: 100 })).records.map((r) => [r.key!.toString(), JSON.parse(r.value!.toString())]));
  return out;
};

describe('the README examples on the platform', () => {
  it('page views: one final count per user and window, the last one closed by the wall clock, windows queryable', async () => {
    const log = new Log(storage.clients);
    await topics(log, ['page-views', 'page-view-counts']);
    const view = (user: string, time: string) => ({ key: Buffer.from(user), value: json({ url: '/' }), timestamp: at(time) });
    await log.append('page-views', 0, { records: [view('ann', '10:00:10'), view('ann', '10:03:00'), view('ann', '10:04:50'), view('ann', '10:06:30'), view('ann', '10:04:59')] });
    const clock = { now: 1_000_000 };
    const runtime = await ProcessorRuntime.create(log, pageViews(), { 'application.id': 'page-views' }, 'pageViews.ts', { now: () => clock.now });
    await runtime.runOnce();
    expect(await values(log, 'page-view-counts')).toEqual([['ann', { start: at('10:00:00'), views: 3 }]]);

    clock.now += 5 * 60_000;
    await runtime.tick();
    expect(await values(log, 'page-view-counts')).toEqual([
      ['ann', { start: at('10:00:00'), views: 3 }],
      ['ann', { start: at('10:05:00'), views: 1 }],
    ]);
    const processors = new Processors(storage.clients);
    expect(await processors.windows('page-views', 'views-per-user', 'ann', String(at('10:00:00')))).toEqual({
      windows: [
        { start: at('10:00:00'), end: at('10:05:00'), value: 3 },
        { start: at('10:05:00'), end: at('10:10:00'), value: 1 },
      ],
    });
    const dropped = (await processors.describe('page-views')).tasks.flatMap((t) => Object.entries(t.metrics)).filter(([k]) => k.startsWith('dropped-late:'));
    expect(dropped.map(([, n]) => n)).toEqual([1]);
  });

  it('enrichment: each order with the customer row current when it arrives, re-keyed through a repartition topic', async () => {
    const log = new Log(storage.clients);
    await topics(log, ['orders', 'customers', 'enriched-orders']);
    const runtime = await ProcessorRuntime.create(log, enrichment(), { 'application.id': 'enrichment' }, 'enrichment.ts');
    // The customers topic is partitioned by key, as a producer would: the partition the repartition topic sends c1's orders to.
    await log.append('customers', defaultPartition(Buffer.from('c1'), 2), { records: [{ key: Buffer.from('c1'), value: json({ name: 'Ann', tier: 'gold' }), timestamp: 1000 }] });
    await runtime.runOnce();
    await log.append('orders', 1, { records: [{ key: Buffer.from('o1'), value: json({ customerId: 'c1', amount: 30 }), timestamp: 2000 }, { key: Buffer.from('o2'), value: json({ customerId: 'c2', amount: 15 }), timestamp: 3000 }] });
    await runtime.runOnce();
    expect((await values(log, 'enriched-orders')).sort()).toEqual([
      ['c1', { customerId: 'c1', amount: 30, customer: 'Ann', tier: 'gold' }],
      ['c2', { customerId: 'c2', amount: 15, customer: null, tier: null }],
    ]);
  });
});
