// The SDK consumer against a real dev server: a group of two sharing the work, one leaving
// half-way without losing a record; start positions (committed, earliest, latest, none);
// seek, pause/resume, offset out of range; the async iterator's commit rule.
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import {
  NoOffsetForPartitionError,
  OffsetOutOfRangeError,
  Sluice,
  SluiceError,
  type Consumer,
  type ConsumedRecord,
  type ConsumerOptions,
} from '../../../lib/client/index.ts';
import { useDevServer } from './devServer.ts';

const dev = useDevServer();
const name = (prefix: string) => `${prefix}-${randomBytes(4).toString('hex')}`;
/** Fast group timing for tests. */
const FAST: Partial<ConsumerOptions> = { sessionTimeoutMs: 6_000, heartbeatIntervalMs: 250, autoCommitIntervalMs: 500, waitMs: 1_000 };

async function until(what: string, cond: () => boolean | Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(25);
  }
}

async function setup(partitions: number) {
  const sluice = new Sluice({ endpoint: dev.url });
  const topic = name('t');
  await sluice.admin().createTopic({ name: topic, partitions });
  return { sluice, topic, group: name('g') };
}

async function produce(sluice: Sluice, topic: string, values: Array<{ key?: string; value: string; partition?: number }>) {
  const producer = sluice.producer({ lingerMs: 2 });
  const acks = await Promise.all(values.map((v) => producer.send({ topic, ...v })));
  await producer.close();
  return acks;
}

describe('Consumer', () => {
  it('two members share a group; one leaves half-way; nothing is lost and the other takes over', { timeout: 90_000 }, async () => {
    const { sluice, topic, group } = await setup(4);
    const N = 2_000;
    const opts: ConsumerOptions = { groupId: group, topics: [topic], fromBeginning: true, maxRecords: 50, ...FAST };
    const a = sluice.consumer(opts);
    const b = sluice.consumer(opts);
    const seen = { a: [] as ConsumedRecord[], b: [] as ConsumedRecord[] };
    const processed = () => seen.a.length + seen.b.length;

    let aClosing: Promise<void> | undefined;
    const runA = a.run({
      eachRecord: async (r) => {
        seen.a.push(r);
        if (seen.a.length % 25 === 0) await sleep(5);
        if (processed() >= N / 2 && !aClosing) aClosing = a.close();
      },
    });
    await until('a owns all partitions', () => a.assignment().length === 4);
    const runB = b.run({
      eachRecord: async (r) => {
        seen.b.push(r);
        if (seen.b.length % 25 === 0) await sleep(5);
      },
    });
    await until('the partitions are shared', () => a.assignment().length === 2 && b.assignment().length === 2);

    const acks = await produce(
      sluice,
      topic,
      Array.from({ length: N }, (_, i) => ({ key: `k${i % 50}`, value: `v${i}` })),
    );
    await runA;
    expect(aClosing).toBeDefined();
    expect(a.closed).toBe(true);
    await until('b owns every partition', () => b.assignment().length === 4);
    await until('everything is processed', () => new Set([...seen.a, ...seen.b].map((r) => r.value!.toString())).size === N);

    // Nothing lost; each member saw each partition in increasing offset order.
    expect(new Set([...seen.a, ...seen.b].map((r) => `${r.partition}/${r.offset}`))).toEqual(
      new Set(acks.map((x) => `${x.partition}/${x.offset}`)),
    );
    for (const list of [seen.a, seen.b]) {
      for (let p = 0; p < 4; p++) {
        const offsets = list.filter((r) => r.partition === p).map((r) => r.offset);
        expect(offsets).toEqual([...offsets].sort((x, y) => x - y));
        expect(new Set(offsets).size).toBe(offsets.length);
      }
    }
    // a committed what it processed before leaving: b did not repeat any of it.
    const fromA = new Set(seen.a.map((r) => `${r.partition}/${r.offset}`));
    expect(seen.b.filter((r) => fromA.has(`${r.partition}/${r.offset}`))).toEqual([]);
    expect(seen.a.length).toBeGreaterThan(0);
    expect(seen.b.length).toBeGreaterThan(0);

    await b.close();
    await runB;
    const desc = await sluice.admin().describeGroup(group);
    expect(desc.state).toBe('Empty');
    expect(desc.lag).toBe(0);
    expect(desc.offsets.map((o) => o.offset)).toEqual(desc.offsets.map((o) => o.highWatermark));
  });

  it("autoOffsetReset 'none' fails with NoOffsetForPartitionError without a committed offset, and starts at it with one", async () => {
    const { sluice, topic, group } = await setup(1);
    await produce(sluice, topic, ['a', 'b', 'c', 'd'].map((value) => ({ value })));

    const strict = sluice.consumer({ groupId: group, topics: [topic], autoOffsetReset: 'none', ...FAST });
    const err = await (async () => {
      for await (const _ of strict) throw new Error('no record expected');
    })().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NoOffsetForPartitionError);
    expect(err).toBeInstanceOf(SluiceError);
    expect(err).toMatchObject({ code: 'NO_OFFSET_FOR_PARTITION', details: { topic, partition: 0 } });
    expect(strict.closed).toBe(true);

    // With a committed offset (set while the group is empty), 'none' starts there.
    const reset = await sluice.admin().resetOffsets(group, { topic, to: { offset: 2 } });
    expect(reset).toEqual([{ topic, partition: 0, offset: 2, metadata: '' }]);
    const c = sluice.consumer({ groupId: group, topics: [topic], autoOffsetReset: 'none', ...FAST });
    const got: string[] = [];
    for await (const r of c) {
      got.push(r.value!.toString());
      if (got.length === 2) break;
    }
    expect(got).toEqual(['c', 'd']);
  });

  it("'latest' starts at the end; 'earliest' at the log start", async () => {
    const { sluice, topic, group } = await setup(1);
    await produce(sluice, topic, [{ value: 'old' }]);
    const latest = sluice.consumer({ groupId: group, topics: [topic], ...FAST });
    const it = latest[Symbol.asyncIterator]();
    const first = it.next();
    await until('joined', () => latest.assignment().length === 1);
    await sleep(300);
    await produce(sluice, topic, [{ value: 'new' }]);
    expect((await first).value!.value!.toString()).toBe('new');
    await latest.close();

    const earliest = sluice.consumer({ groupId: name('g'), topics: [topic], fromBeginning: true, ...FAST });
    const e = earliest[Symbol.asyncIterator]();
    expect((await e.next()).value!.value!.toString()).toBe('old');
    await e.return!();
  });

  it('the iterator commits a record once the next is asked for: leaving the loop redelivers the last one', async () => {
    const { sluice, topic, group } = await setup(1);
    await produce(sluice, topic, Array.from({ length: 10 }, (_, i) => ({ value: `r${i}` })));
    const c1 = sluice.consumer({ groupId: group, topics: [topic], fromBeginning: true, ...FAST });
    const got: number[] = [];
    for await (const r of c1) {
      got.push(r.offset);
      if (got.length === 5) break;
    }
    expect(got).toEqual([0, 1, 2, 3, 4]);
    expect((await sluice.admin().fetchOffsets(group))[0]).toMatchObject({ offset: 4, lag: 6 });

    const c2 = sluice.consumer({ groupId: group, topics: [topic], fromBeginning: true, ...FAST });
    const again: number[] = [];
    for await (const r of c2) {
      again.push(r.offset);
      if (r.offset === 9) break;
    }
    expect(again).toEqual([4, 5, 6, 7, 8, 9]);
  });

  it('eachBatch hands out batches of one partition; manual commit() without autoCommit', async () => {
    const { sluice, topic, group } = await setup(2);
    await produce(sluice, topic, Array.from({ length: 40 }, (_, i) => ({ value: `x${i}`, partition: i % 2 })));
    const c = sluice.consumer({ groupId: group, topics: [topic], fromBeginning: true, autoCommit: false, maxRecords: 8, ...FAST });
    const batches: Array<{ partition: number; offsets: number[]; hw: number }> = [];
    let total = 0;
    const run = c.run({
      eachBatch: async ({ partition, records, highWatermark }) => {
        batches.push({ partition, offsets: records.map((r) => r.offset), hw: highWatermark });
        total += records.length;
      },
    });
    await until('all consumed', () => total === 40);
    expect((await sluice.admin().describeGroup(group)).lag).toBe(40);
    const committed = await c.commit();
    expect(committed.sort((x, y) => x.partition - y.partition)).toEqual([
      { topic, partition: 0, offset: 20 },
      { topic, partition: 1, offset: 20 },
    ]);
    await c.close();
    await run;
    expect(batches.every((b) => b.offsets.length <= 8 && b.hw === 20)).toBe(true);
    for (const p of [0, 1]) expect(batches.filter((b) => b.partition === p).flatMap((b) => b.offsets)).toEqual(Array.from({ length: 20 }, (_, i) => i));
    expect((await sluice.admin().describeGroup(group)).lag).toBe(0);
  });

  it('seek moves a partition; an offset out of range follows autoOffsetReset', async () => {
    const { sluice, topic, group } = await setup(1);
    await produce(sluice, topic, Array.from({ length: 10 }, (_, i) => ({ value: `s${i}` })));
    const c = sluice.consumer({ groupId: group, topics: [topic], fromBeginning: true, ...FAST });
    const got: number[] = [];
    const warnings: Error[] = [];
    c.on('warning', (w) => warnings.push(w));
    // A seek before the assignment applies once the partition is assigned.
    c.seek({ topic, partition: 0, offset: 7 });
    for await (const r of c) {
      got.push(r.offset);
      if (r.offset === 8) c.seek({ topic, partition: 0, offset: 2 });
      if (r.offset === 3 && got.length === 4) c.seek({ topic, partition: 0, offset: 1_000 });
      if (got.length === 6) break;
    }
    // 7, 8, then 2, 3, then out of range -> earliest: 0, 1.
    expect(got).toEqual([7, 8, 2, 3, 0, 1]);
    expect(warnings.some((w) => w instanceof OffsetOutOfRangeError)).toBe(true);

    // With 'none', an offset out of range is the application's to handle.
    const strictNone = sluice.consumer({ groupId: name('g'), topics: [topic], autoOffsetReset: 'none', ...FAST });
    strictNone.seek({ topic, partition: 0, offset: 50 });
    await expect((async () => {
      for await (const _ of strictNone) throw new Error('no record expected');
    })()).rejects.toBeInstanceOf(OffsetOutOfRangeError);
  });

  it('pause stops a partition, resume continues it', async () => {
    const { sluice, topic, group } = await setup(2);
    const c: Consumer = sluice.consumer({ groupId: group, topics: [topic], fromBeginning: true, ...FAST });
    c.pause([{ topic, partition: 1 }]);
    const got: ConsumedRecord[] = [];
    const run = c.run({ eachRecord: (r) => void got.push(r) });
    await produce(sluice, topic, [
      { value: 'p0-a', partition: 0 },
      { value: 'p1-a', partition: 1 },
      { value: 'p0-b', partition: 0 },
    ]);
    await until('partition 0 consumed', () => got.length === 2);
    await sleep(1_500);
    expect(got.map((r) => r.value!.toString())).toEqual(['p0-a', 'p0-b']);
    expect(c.paused()).toEqual([{ topic, partition: 1 }]);

    c.resume([{ topic, partition: 1 }]);
    await until('partition 1 consumed', () => got.length === 3);
    expect(got[2]!.value!.toString()).toBe('p1-a');
    expect(c.paused()).toEqual([]);
    await c.close();
    await run;
  });

  it('a handler error stops run() with that error; the failed record comes again', async () => {
    const { sluice, topic, group } = await setup(1);
    await produce(sluice, topic, ['a', 'b', 'c'].map((value) => ({ value })));
    const c = sluice.consumer({ groupId: group, topics: [topic], fromBeginning: true, ...FAST });
    const boom = new Error('boom');
    await expect(
      c.run({
        eachRecord: (r) => {
          if (r.value!.toString() === 'b') throw boom;
        },
      }),
    ).rejects.toBe(boom);
    const again = sluice.consumer({ groupId: group, topics: [topic], fromBeginning: true, ...FAST });
    for await (const r of again) {
      expect(r.value!.toString()).toBe('b');
      break;
    }
  });
  it('a member whose session expired joins again and carries on', async () => {
    let blackout = false;
    // Heartbeats that never arrive (a network partition): the session runs out.
    const flaky: typeof fetch = async (input, init) => {
      if (blackout && String(input).includes('/heartbeat')) throw new TypeError('fetch failed', { cause: { code: 'ETIMEDOUT' } });
      return fetch(input, init);
    };
    const sluice = new Sluice({ endpoint: dev.url, fetch: flaky });
    const topic = name('t');
    const group = name('g');
    await sluice.admin().createTopic({ name: topic });
    // HTTP heartbeats only: a push connection would hold the session (test/integration/push).
    const c = sluice.consumer({ groupId: group, topics: [topic], fromBeginning: true, sessionTimeoutMs: 1_000, heartbeatIntervalMs: 100, waitMs: 200, push: false });
    const got: string[] = [];
    const warnings: Error[] = [];
    c.on('warning', (w) => warnings.push(w));
    const run = c.run({ eachRecord: (r) => void got.push(r.value!.toString()) });
    await produce(sluice, topic, [{ value: 'before' }]);
    await until('first record', () => got.length === 1);
    const first = c.member.memberId;

    blackout = true;
    await sleep(1_500);
    blackout = false;
    await until('a new member id', () => c.member.memberId !== undefined && c.member.memberId !== first);
    expect(warnings.some((w) => w instanceof SluiceError && w.code === 'UNKNOWN_MEMBER_ID')).toBe(true);

    await produce(sluice, topic, [{ value: 'after' }]);
    await until('second record', () => got.includes('after'));
    await c.close();
    await run;
    // "before" was committed before the blackout (or is delivered again: at-least-once).
    expect(got.filter((v) => v === 'after')).toEqual(['after']);
    expect((await sluice.admin().describeGroup(group)).lag).toBe(0);
  });
});
