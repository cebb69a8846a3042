// The processor runtime on the emulators: batches read from the log, processed with the
// DynamoDB backend and committed (outputs, state, position) in one transaction. The
// exactly-once checker reads the whole output topic: for word count, each word's counts
// must be exactly 1, 2, ..., n in order (a duplicate or a loss breaks the run) and the
// store must hold n, whatever crashed in between.
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { Log } from '../../../lib/log/index.ts';
import { Materialized, Produced, Serdes, StreamsBuilder } from '../../../lib/streams/index.ts';
import { ProcessorRuntime } from '../../../lib/streams/runtime/processor.ts';
import { Processors } from '../../../lib/streams/service.ts';
import { injectFault } from '../../support/log.ts';
import { useTestStorage } from '../../support/stack.ts';
import { expectedCounts, wordCount } from './fixtures/wordCount.ts';
import { checkOutput, runWithRestarts } from './helpers.ts';

const storage = useTestStorage();
const FAST = { backoff: { baseMs: 1, maxMs: 2 } };

class Crash extends Error {
  override name = 'Crash';
}

const LINES = ['a b c', 'b c', 'c a', 'd', 'a a', 'b d c', 'e', 'c c c', 'a e', 'd d'];

async function setup(partitions = 2) {
  const id = randomBytes(4).toString('hex');
  const names = { app: `wc-${id}`, lines: `lines-${id}`, counts: `counts-${id}` };
  const log = new Log(storage.clients);
  await log.createTopic({ name: names.lines, partitions });
  await log.createTopic({ name: names.counts, partitions });
  let i = 0;
  for (const line of LINES) await log.append(names.lines, i++ % partitions, { records: [{ key: Buffer.from(`k${i}`), value: Buffer.from(line), timestamp: 1000 + i }] });
  const topology = wordCount(names.lines, names.counts);
  // One commit attempt: a lost answer reaches the caller (as a crash would end it) instead of being resolved in place.
  const create = (opts = {}) => ProcessorRuntime.create(new Log(storage.clients, { commit: { maxAttempts: 1 } }), topology, { 'application.id': names.app }, 'wordCount.ts', { ...FAST, maxBatchRecords: 2, ...opts });
  return { log, names, partitions, create };
}

async function expectExactlyOnce(s: Awaited<ReturnType<typeof setup>>) {
  const expected = expectedCounts(LINES);
  expect(await checkOutput(s.log, s.names.counts, s.partitions)).toEqual(expected);
  const service = new Processors(storage.clients);
  for (const [word, n] of expected) expect(await service.get(s.names.app, 'counts', word)).toEqual({ key: word, value: n });
}

describe('processor runtime', () => {
  it('runs word count over two partitions through a repartition topic: every count once, the store matches', async () => {
    const s = await setup();
    const runtime = await s.create();
    await runtime.runOnce();
    await expectExactlyOnce(s);
    const description = await new Processors(storage.clients).describe(s.names.app);
    expect(description.positions.filter((p) => p.topic === s.names.lines).map((p) => p.offset)).toEqual([5, 5]);
    expect(description.lag.filter((p) => p.topic === s.names.lines)).toEqual([0, 1].map((partition) => ({ topic: s.names.lines, partition, offset: 5, highWatermark: 5, lag: 0 })));
  });

  it('describe shows the lag of each input partition that is behind', async () => {
    const s = await setup();
    await (await s.create()).runOnce();
    await s.log.append(s.names.lines, 1, { records: [{ key: null, value: Buffer.from('x y'), timestamp: 9000 }, { key: null, value: Buffer.from('z'), timestamp: 9001 }] });
    const lag = (await new Processors(storage.clients).describe(s.names.app)).lag.filter((p) => p.topic === s.names.lines);
    expect(lag.map((p) => [p.partition, p.offset, p.highWatermark, p.lag])).toEqual([
      [0, 5, 5, 0],
      [1, 5, 7, 2],
    ]);
  });

  it('cuts batches so each commit stays within one transaction: 150 distinct words in one batch of input', async () => {
    const s = await setup(1);
    const words = Array.from({ length: 150 }, (_, i) => `w${i}`);
    await s.log.append(s.names.lines, 0, { records: [{ key: null, value: Buffer.from(words.join(' ')), timestamp: 5000 }] });
    const outcomes = await (await s.create({ maxBatchRecords: 1000 })).runOnce();
    expect(Object.values(outcomes).map((o) => o.status)).toEqual(['caught-up', 'caught-up']);
    const totals = await checkOutput(s.log, s.names.counts, 1);
    for (const w of words) expect(totals.get(w)).toBe(1);
    expect(await new Processors(storage.clients).get(s.names.app, 'counts', 'w149')).toEqual({ key: 'w149', value: 1 });
  });

  it('cuts batches by bytes too: 16 small records writing state items of 300 KB (4.8 MB) commit in several transactions', async () => {
    const s = await setup(1);
    const app = `${s.names.app}-large`;
    const big = (digit: string) => digit.repeat(300 * 1024);
    const b = new StreamsBuilder();
    b.stream<string, string>(s.names.lines, { key: Serdes.string(), value: Serdes.string() })
      .groupByKey()
      .aggregate(() => '', (_k, v) => (/^\d$/.test(v) ? big(v) : v), Materialized.as<string, string>('large', { key: Serdes.string(), value: Serdes.string() }));
    const records = Array.from({ length: 16 }, (_, i) => ({ key: Buffer.from(`big-${i}`), value: Buffer.from(String(i % 10)), timestamp: 10_000 + i }));
    await s.log.append(s.names.lines, 0, { records });
    const runtime = await ProcessorRuntime.create(new Log(storage.clients), b.build(), { 'application.id': app }, 'large.ts', { ...FAST, maxBatchRecords: 1000 });
    const outcomes = await runtime.runOnce();
    expect(Object.values(outcomes).map((o) => o.status)).toEqual(['caught-up']);
    const service = new Processors(storage.clients);
    const { incarnation } = await service.store.require(app);
    const task = await service.store.task(app, incarnation, { subtopology: 0, partition: 0 });
    // Every record is in the store, and it took more than one commit (each within 4 MB).
    expect(task.version).toBeGreaterThan(1);
    expect(task.state?.positions[`${s.names.lines}:0`]).toBe(records.length + LINES.length);
    for (const i of [0, 7, 15]) expect((await service.get(app, 'large', `big-${i}`))?.value).toBe(big(String(i % 10)));
  });

  it('a runtime started again continues where the last commit left: nothing is processed twice', async () => {
    const s = await setup();
    await (await s.create()).runOnce();
    const again = await (await s.create()).runOnce();
    expect(Object.values(again).every((o) => o.status === 'caught-up' && o.records === 0)).toBe(true);
    await expectExactlyOnce(s);
  });

  it.each([
    ['after the output upload', 's3', 'PutObject'],
    ['after the commit, before its answer', 'ddb', 'TransactWriteItems'],
  ] as const)('exactly once when it crashes %s', async (_what, client, command) => {
    const s = await setup();
    const remove = injectFault(storage.clients[client], command, 'after', { times: 3, error: () => new Crash('injected crash') });
    try {
      expect(await runWithRestarts(() => s.create())).toBeGreaterThan(0);
    } finally {
      remove();
    }
    await expectExactlyOnce(s);
  });

  it('exactly once when it crashes between batches (each runtime runs one batch of one task)', async () => {
    const s = await setup();
    expect(await runWithRestarts(() => s.create())).toBe(0);
    await expectExactlyOnce(s);
  });

  it('a batch that keeps throwing is retried, then the task stops at that offset with the error in describe', async () => {
    const s = await setup(1);
    const b = new StreamsBuilder();
    b.stream<string, string>(s.names.lines, { key: Serdes.string(), value: Serdes.string() })
      .peek((_k, v) => {
        if (v === 'd') throw new Error('no d please');
      })
      .to(s.names.counts, Produced.with(Serdes.string(), Serdes.string()));
    const app = `${s.names.app}-fail`;
    const runtime = await ProcessorRuntime.create(new Log(storage.clients), b.build(), { 'application.id': app }, 'failing.ts', { ...FAST, attempts: 3 });
    const outcomes = await runtime.runOnce();
    expect(outcomes['0_0']).toMatchObject({ status: 'stopped', error: { code: 'RECORD_PROCESSING_FAILED', topic: s.names.lines, partition: 0, offset: 3 } });
    const description = await new Processors(storage.clients).describe(app);
    expect(description.tasks[0]!.lastError).toMatchObject({ code: 'RECORD_PROCESSING_FAILED', offset: 3 });
    expect(description.positions).toEqual([{ topic: s.names.lines, partition: 0, offset: 3 }]);
    const { records } = await s.log.fetch(s.names.counts, 0, { offset: 0, maxRecords: 100 });
    expect(records.map((r) => r.value!.toString())).toEqual(LINES.slice(0, 3));
  });
});
