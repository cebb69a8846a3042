// Topologies whose state lives in DynamoDB Local (each batch committed as one transaction
// of versioned writes) give the same outputs and the same store answers as with the
// in-memory reference backend: key-value stores (word count through a repartition),
// window stores with time indexes (windowed counts suppressed until their windows close,
// also by the wall clock), session stores (merging), stream-stream joins (window stores
// on both sides, outer results due by a time index), and ordered Processor API stores read
// by range. Batches are cut so that one commit stays within a transaction's 100 items.
import { describe, expect, it } from 'vitest';
import {
  BufferConfig,
  Grouped,
  JoinWindows,
  Materialized,
  Produced,
  Serdes,
  SessionWindows,
  StreamsBuilder,
  Suppressed,
  TimeWindows,
  TopologyTestDriver,
  type ProcessorContext,
  type Topology,
} from '../../../lib/streams/index.ts';
import { useTestStorage } from '../../support/stack.ts';
import { dynamoState, TRANSACTION_ITEMS } from './helpers.ts';

const storage = useTestStorage();

type Build = (b: StreamsBuilder) => void;

function topology(build: Build): Topology {
  const b = new StreamsBuilder();
  build(b);
  return b.build();
}

/** The same topology twice: state in memory, and state in DynamoDB. */
function drivers(build: Build, partitions: Record<string, number> = {}) {
  const options = { partitions, fits: (u: { items: number }) => u.items <= TRANSACTION_ITEMS };
  return {
    memory: new TopologyTestDriver(topology(build), { 'application.id': 'app' }, options),
    dynamo: new TopologyTestDriver(topology(build), { 'application.id': 'app' }, { ...options, state: dynamoState(storage.clients) }),
  };
}

/** Runs the same steps on both drivers and returns what each gives back. */
async function both<T>(pair: ReturnType<typeof drivers>, steps: (d: TopologyTestDriver) => Promise<T>): Promise<{ memory: T; dynamo: T }> {
  return { memory: await steps(pair.memory), dynamo: await steps(pair.dynamo) };
}

const wordCount: Build = (b) =>
  b
    .stream<string, string>('lines', { key: Serdes.string(), value: Serdes.string() })
    .flatMapValues((line) => line.toLowerCase().split(/\W+/).filter((w) => w.length > 0))
    .groupBy((_k, word) => word, Grouped.with(Serdes.string(), Serdes.string()))
    .count(Materialized.as('counts'))
    .toStream()
    .to('counts-out', Produced.with(Serdes.string(), Serdes.long()));

describe('topologies with their state in DynamoDB', () => {
  it('counts words through a repartition topic, with counts readable by key', async () => {
    const pair = drivers(wordCount, { lines: 3 });
    const result = await both(pair, async (d) => {
      const lines = d.createInputTopic('lines', Serdes.string(), Serdes.string());
      await lines.pipeInput('1', 'the quick brown fox', 1);
      await lines.pipeInput('2', 'jumps over the lazy dog', 2);
      await lines.pipeInput('3', 'The end', 3);
      const store = d.getKeyValueStore<string, number>('counts');
      return {
        out: d.createOutputTopic('counts-out', Serdes.string(), Serdes.long()).readKeyValuesToMap(),
        the: await store.get('the'),
        absent: await store.get('cat'),
      };
    });
    expect(result.dynamo).toEqual(result.memory);
    expect(result.dynamo.the).toBe(3);
    expect(result.dynamo.out.get('fox')).toBe(1);
  });

  it('emits one final windowed count per window, closed by stream time or by the wall clock', async () => {
    const pair = drivers((b) =>
      b
        .stream<string, string>('views', { value: Serdes.string() })
        .groupByKey()
        .windowedBy(TimeWindows.ofSizeAndGrace(10, 5))
        .count(Materialized.as('per-window'))
        .suppress(Suppressed.untilWindowCloses(BufferConfig.unbounded()))
        .toStream()
        .to('final'),
    );
    const result = await both(pair, async (d) => {
      const views = d.createInputTopic('views', Serdes.string(), Serdes.string());
      for (const [key, ts] of [['a', 1], ['b', 3], ['a', 12], ['a', 2], ['b', 27], ['a', 4]] as const) await views.pipeInput(key, 'x', ts);
      await d.advanceWallClockTime(60_000);
      const out = d.createOutputTopic('final', Serdes.timeWindowed(Serdes.string(), 10), Serdes.long());
      return {
        finals: out.readRecordsToList().map((r) => [r.key.key, r.key.window.start, r.value]),
        windows: await d.getWindowStore<string, number>('per-window').fetch('a', 0, 20),
        metrics: d.metrics(),
      };
    });
    expect(result.dynamo).toEqual(result.memory);
    expect(result.dynamo.finals).toEqual([
      ['a', 0, 2],
      ['b', 0, 1],
      ['a', 10, 1],
      ['b', 20, 1],
    ]);
  });

  it('merges sessions and answers a key’s sessions', async () => {
    const pair = drivers((b) =>
      b
        .stream<string, string>('clicks', { value: Serdes.string() })
        .groupByKey()
        .windowedBy(SessionWindows.ofInactivityGapAndGrace(10, 20))
        .count(Materialized.as('sessions'))
        .toStream()
        .to('session-counts'),
    );
    const result = await both(pair, async (d) => {
      const clicks = d.createInputTopic('clicks', Serdes.string(), Serdes.string());
      for (const ts of [0, 5, 30, 18, 24]) await clicks.pipeInput('a', 'x', ts);
      const out = d.createOutputTopic('session-counts', Serdes.sessionWindowed(Serdes.string()), Serdes.long());
      return {
        updates: out.readRecordsToList().map((r) => [r.key.window.start, r.key.window.end, r.value]),
        sessions: await d.getSessionStore<string, number>('sessions').fetch('a', 0, 100),
      };
    });
    expect(result.dynamo).toEqual(result.memory);
    expect(result.dynamo.sessions.map((s) => [s.start, s.end, s.value])).toEqual([
      [0, 5, 2],
      [18, 30, 3],
    ]);
  });

  it('outer-joins two streams within join windows, unmatched records emitted when their windows close', async () => {
    const joiner = (l: string | null, r: string | null) => `${l ?? '-'}+${r ?? '-'}`;
    const pair = drivers((b) => {
      const left = b.stream<string, string>('L', { value: Serdes.string() });
      const right = b.stream<string, string>('R', { value: Serdes.string() });
      left.outerJoin(right, joiner, JoinWindows.ofTimeDifferenceAndGrace(10, 5)).to('joined', { value: Serdes.string() });
    });
    const result = await both(pair, async (d) => {
      const L = d.createInputTopic('L', Serdes.string(), Serdes.string());
      const R = d.createInputTopic('R', Serdes.string(), Serdes.string());
      await L.pipeInput('k', 'l1', 0);
      await R.pipeInput('k', 'r1', 5);
      await L.pipeInput('k', 'l2', 40);
      await R.pipeInput('j', 'r2', 41);
      await L.pipeInput('k', 'l3', 100);
      return d.createOutputTopic('joined', Serdes.string(), Serdes.string()).readRecordsToList().map((r) => [r.key, r.value, r.timestamp]);
    });
    expect(result.dynamo).toEqual(result.memory);
    expect(result.dynamo).toEqual([
      ['k', 'l1+r1', 5],
      ['k', 'l2+-', 40],
      ['j', '-+r2', 41],
    ]);
  });

  it('reads an ordered Processor API store by range, by prefix and in full', async () => {
    const pair = drivers((b) => {
      b.addStateStore({ name: 'words', key: Serdes.string(), value: Serdes.json<number>(), ordered: true });
      b.stream<string, string>('words-in', { value: Serdes.string() })
        .process<string, unknown>(
          () => {
            let ctx: ProcessorContext<string, unknown>;
            return {
              init: (c) => void (ctx = c),
              async process(r) {
                const words = ctx.getStateStore<string, number>('words');
                if (r.value !== 'report') return void (await words.put(r.key, r.value.length));
                const keys = (kvs: Array<{ key: string }>) => kvs.map((kv) => kv.key);
                await ctx.forward({ ...r, value: { range: keys(await words.range('k100', 'k105')), prefix: keys(await words.prefixScan('k2')), all: (await words.all()).length } });
              },
            };
          },
          { stores: ['words'] },
        )
        .to('report');
    });
    const result = await both(pair, async (d) => {
      const input = d.createInputTopic('words-in', Serdes.string(), Serdes.string());
      await input.pipeKeyValueList(Array.from({ length: 250 }, (_, i) => ({ key: `k${i}`, value: 'x'.repeat(i % 7) })));
      await input.pipeInput('x', 'report', 0);
      return d.createOutputTopic('report').readValue();
    });
    expect(result.dynamo).toEqual(result.memory);
    expect(result.dynamo).toMatchObject({ range: ['k100', 'k101', 'k102', 'k103', 'k104', 'k105'], all: 250 });
  });
});
