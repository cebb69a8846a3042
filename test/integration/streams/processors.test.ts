// The processors' definitions and status, interactive queries and reset, on DynamoDB
// Local. A topology runs through the test driver with its state in the state table under
// the processor's namespace and each task's state committed to its task item, as the
// runtime's transaction will; the service then answers from the tables alone.
import { randomBytes } from 'node:crypto';
import { ScanCommand } from '@aws-sdk/client-dynamodb';
import { describe, expect, it } from 'vitest';
import { InvalidRequestError, UnknownProcessorError, UnknownStateStoreError } from '../../../lib/core/errors.ts';
import { transact } from '../../../lib/storage/dynamo.ts';
import {
  Grouped,
  Materialized,
  Produced,
  Serdes,
  StreamsBuilder,
  StreamsEngine,
  TimeWindows,
  TopologyTestDriver,
  type ProcessorContext,
  type Topology,
} from '../../../lib/streams/index.ts';
import { Processors } from '../../../lib/streams/service.ts';
import { useTestStorage } from '../../support/stack.ts';
import { dynamoState, TRANSACTION_ITEMS } from './helpers.ts';

const storage = useTestStorage();
const NOW = 1_700_000_000_000;
const uniqueName = (prefix: string) => `${prefix}-${randomBytes(4).toString('hex')}`;

function topologyOf(build: (b: StreamsBuilder) => void): Topology {
  const b = new StreamsBuilder();
  build(b);
  return b.build();
}

const wordCount = (b: StreamsBuilder) =>
  b
    .stream<string, string>('lines', { key: Serdes.string(), value: Serdes.string() })
    .flatMapValues((line) => line.toLowerCase().split(/\W+/).filter((w) => w.length > 0))
    .groupBy((_k, word) => word, Grouped.with(Serdes.string(), Serdes.string()))
    .count(Materialized.as('counts'))
    .toStream()
    .to('word-counts', Produced.with(Serdes.string(), Serdes.long()));

const windowedViews = (b: StreamsBuilder) =>
  b
    .stream<string, string>('views', { value: Serdes.string() })
    .groupByKey()
    .windowedBy(TimeWindows.ofSizeAndGrace(10, 0))
    .count({ ...Materialized.as<string, number>('views-per-10'), retentionMs: 30 })
    .toStream()
    .to('view-counts');

const orderedWords = (b: StreamsBuilder) => {
  b.addStateStore({ name: 'lengths', key: Serdes.string(), value: Serdes.json<number>(), ordered: true });
  b.stream<string, string>('words', { value: Serdes.string() }).process<string, unknown>(
    () => {
      let ctx: ProcessorContext<string, unknown>;
      return {
        init: (c) => void (ctx = c),
        process: async (r) => ctx.getStateStore<string, number>('lengths').put(r.key, r.value.length),
      };
    },
    { stores: ['lengths'] },
  );
};

/**
 * Registers the topology as a processor, runs `feed` through a driver whose stores live in
 * the processor's namespace, then commits every task's state to its task item.
 */
async function running(build: (b: StreamsBuilder) => void, feed: (d: TopologyTestDriver) => Promise<void>, partitions: Record<string, number> = {}) {
  const name = uniqueName('proc');
  const service = new Processors(storage.clients, () => NOW);
  const engine = new StreamsEngine(topologyOf(build), { 'application.id': name }, (t) => partitions[t] ?? 1);
  const record = await service.register(engine, `./topologies/${name}.ts`);
  const state = dynamoState(storage.clients, { application: name, incarnation: record.incarnation });
  const driver = new TopologyTestDriver(topologyOf(build), { 'application.id': name }, { partitions, state, fits: (u) => u.items <= TRANSACTION_ITEMS });
  await feed(driver);
  for (const task of engine.tasks()) {
    const taskState = driver.internals.state(task);
    if (!taskState) continue;
    const current = await service.store.task(name, record.incarnation, task);
    const written = await transact(storage.clients, [service.store.taskWrite(name, record.incarnation, task, taskState, current.version, NOW)], { what: 'commit' });
    expect(written.ok).toBe(true);
  }
  return { name, service, record, driver };
}

async function stateItemsOf(application: string): Promise<number> {
  const res = await storage.clients.ddb.send(new ScanCommand({ TableName: storage.clients.names.tables.state, ConsistentRead: true }));
  const prefix = Buffer.concat([Buffer.from([0, 0, 0, application.length]), Buffer.from(application)]);
  return (res.Items ?? []).filter((i) => Buffer.from(i.pk!.B!).subarray(0, prefix.length).equals(prefix)).length;
}

describe('processor definitions and status', () => {
  it('registers a processor with what its topology reads, writes and keeps, and lists it', async () => {
    const { name, service } = await running(wordCount, async () => undefined, { lines: 2 });
    const described = await service.describe(name);
    expect(described).toMatchObject({
      name,
      entry: `./topologies/${name}.ts`,
      inputs: ['lines'],
      outputs: ['word-counts'],
      internalTopics: [{ name: `${name}-counts-repartition`, partitions: 2 }],
      stores: [{ name: 'counts', kind: 'key-value', keyFormat: 'string' }],
      tasks: [],
    });
    expect((await service.list()).map((p) => p.name)).toContain(name);
  });

  it('keeps the incarnation (and so the state) when a new deployment registers again', async () => {
    const { name, service, record } = await running(wordCount, async () => undefined);
    const again = await service.register(new StreamsEngine(topologyOf(wordCount), { 'application.id': name }, () => 1), './v2.ts');
    expect(again).toMatchObject({ incarnation: record.incarnation, entry: './v2.ts', createdAt: record.createdAt });
  });

  it('shows each task’s position per input partition, stream time and counters, and its last error', async () => {
    const { name, service, record } = await running(
      wordCount,
      async (d) => {
        const lines = d.createInputTopic('lines', Serdes.string(), Serdes.string());
        await lines.pipeInput('a', 'hello world', 5);
        await lines.pipeInput('b', 'hello', 9);
      },
    );
    await service.store.recordError(name, { code: 'RECORD_PROCESSING_FAILED', message: 'boom', at: NOW, topic: 'lines', partition: 0, offset: 2 }, {
      incarnation: record.incarnation,
      task: { subtopology: 0, partition: 0 },
    });
    const described = await service.describe(name);
    expect(described.positions).toEqual([
      { topic: 'lines', partition: 0, offset: 2 },
      { topic: `${name}-counts-repartition`, partition: 0, offset: 3 },
    ]);
    expect(described.tasks.find((t) => t.task === '0_0')).toMatchObject({ streamTime: 9, lastError: { message: 'boom', offset: 2 } });
  });

  it('refuses a task commit made from a version another commit already replaced', async () => {
    const { name, service, record } = await running(wordCount, async () => undefined);
    const task = { subtopology: 0, partition: 0 };
    const state = { v: 1 as const, streamTime: 1, partitionTimes: {}, positions: { 'lines:0': 1 }, punctuations: {}, timeIndexes: {}, metrics: {} };
    const write = (expected: number | null, offset: number) =>
      transact(storage.clients, [service.store.taskWrite(name, record.incarnation, task, { ...state, positions: { 'lines:0': offset } }, expected, NOW)], { what: 'commit' });
    expect((await write(null, 1)).ok).toBe(true);
    expect((await write(null, 5)).ok).toBe(false);
    expect((await write(1, 2)).ok).toBe(true);
    expect((await write(1, 9)).ok).toBe(false);
    expect(await service.store.task(name, record.incarnation, task)).toMatchObject({ version: 2, state: { positions: { 'lines:0': 2 } } });
  });

  it('says which processor is unknown', async () => {
    const service = new Processors(storage.clients);
    await expect(service.describe('no-such-processor')).rejects.toThrow(UnknownProcessorError);
    await expect(service.describe('bad/name')).rejects.toThrow(InvalidRequestError);
  });
});

describe('interactive queries', () => {
  it('reads a count by key from any partition, and nothing for a key never counted', async () => {
    const { name, service } = await running(
      wordCount,
      async (d) => {
        const lines = d.createInputTopic('lines', Serdes.string(), Serdes.string());
        await lines.pipeInput('1', 'to be or not to be', 1);
      },
      { lines: 3 },
    );
    expect(await service.get(name, 'counts', 'be')).toEqual({ key: 'be', value: 2 });
    expect(await service.get(name, 'counts', 'not')).toEqual({ key: 'not', value: 1 });
    expect(await service.get(name, 'counts', 'question')).toBeUndefined();
  });

  it('answers a key’s windows in a time range, hiding those past retention', async () => {
    const { name, service } = await running(windowedViews, async (d) => {
      const views = d.createInputTopic('views', Serdes.string(), Serdes.string());
      for (const ts of [1, 4, 12, 25, 41]) await views.pipeInput('alice', 'x', ts);
    });
    // Stream time 41, retention 30: windows starting at or before 11 are gone.
    expect(await service.windows(name, 'views-per-10', 'alice')).toEqual({
      windows: [
        { start: 20, end: 30, value: 1 },
        { start: 40, end: 50, value: 1 },
      ],
    });
    expect(await service.windows(name, 'views-per-10', 'alice', '30', '45')).toEqual({ windows: [{ start: 40, end: 50, value: 1 }] });
    await expect(service.windows(name, 'views-per-10', 'alice', '9', '3')).rejects.toThrow(InvalidRequestError);
  });

  it('reads an ordered store by key range across all its tasks, in key order', async () => {
    const { name, service } = await running(
      orderedWords,
      async (d) => {
        const words = d.createInputTopic('words', Serdes.string(), Serdes.string());
        for (const w of ['pear', 'apple', 'fig', 'banana', 'cherry', 'kiwi', 'date']) await words.pipeInput(w, w, 0);
      },
      { words: 3 },
    );
    expect(await service.range(name, 'lengths', { from: 'b', to: 'fig', limit: '3' })).toEqual({
      entries: [
        { key: 'banana', value: 6 },
        { key: 'cherry', value: 6 },
        { key: 'date', value: 4 },
      ],
    });
    expect((await service.range(name, 'lengths')).entries.map((e) => e.key)).toEqual(['apple', 'banana', 'cherry', 'date', 'fig', 'kiwi', 'pear']);
    expect(await service.get(name, 'lengths', 'kiwi')).toEqual({ key: 'kiwi', value: 4 });
  });

  it('names an unknown store or processor, and refuses a key too long, a key query of a window store and a bad limit', async () => {
    const { name, service } = await running(windowedViews, async () => undefined);
    await expect(service.get(name, 'nope', 'k')).rejects.toThrow(UnknownStateStoreError);
    await expect(service.get('nope-processor', 'counts', 'k')).rejects.toThrow(UnknownProcessorError);
    await expect(service.get(name, 'views-per-10', 'x'.repeat(5000))).rejects.toThrow(InvalidRequestError);
    await expect(service.get(name, 'views-per-10', 'alice')).rejects.toThrow(/query its windows/);
    await expect(service.range(name, 'views-per-10', { limit: '0' })).rejects.toThrow(InvalidRequestError);
  });
});

describe('reset', () => {
  it('starts the processor over with empty stores and tasks, and deletes only its own old state', async () => {
    const feed = async (d: TopologyTestDriver) => {
      await d.createInputTopic('lines', Serdes.string(), Serdes.string()).pipeInput('1', 'a b a', 1);
    };
    const { name, service, record } = await running(wordCount, feed);
    const other = await running(wordCount, feed);
    const before = await stateItemsOf(name);
    expect(before).toBeGreaterThan(0);

    const reset = await service.reset(name);

    expect(reset).toMatchObject({ name, deletedTasks: 2, deletedStateItems: before });
    expect(reset.incarnation).not.toBe(record.incarnation);
    expect(await service.get(name, 'counts', 'a')).toBeUndefined();
    expect((await service.describe(name)).tasks).toEqual([]);
    expect(await stateItemsOf(name)).toBe(0);
    expect(await other.service.get(other.name, 'counts', 'a')).toEqual({ key: 'a', value: 2 });
  });
});
