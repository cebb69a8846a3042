// The plan: sub-topologies cut at repartition topics, one task per partition number,
// internal topics' partition counts, and the co-partitioning checks with their errors.
import { describe, expect, it } from 'vitest';
import { Grouped, Serdes, StreamsBuilder, StreamsEngine, type Topology } from '../../../lib/streams/index.ts';
import { InvalidTopologyError, TopicsNotCopartitionedError, UnknownTopicOrPartitionError } from '../../../lib/core/errors.ts';

function engine(build: (b: StreamsBuilder) => void, partitions: Record<string, number>): StreamsEngine {
  const b = new StreamsBuilder();
  build(b);
  return new StreamsEngine(b.build(), { 'application.id': 'app' }, (t) => partitions[t]);
}

const wordCount = (b: StreamsBuilder) =>
  b.stream<string, string>('lines', { value: Serdes.string() })
    .flatMapValues((l) => l.split(' '))
    .groupBy((_k, w) => w, Grouped.as('words'))
    .count()
    .toStream()
    .to('counts');

describe('the plan', () => {
  it('cuts a topology at its repartition topic and sizes that topic like its producers', () => {
    const e = engine(wordCount, { lines: 3 });
    expect(e.plan.subtopologies.map((s) => ({ id: s.id, in: s.sourceTopics, out: s.sinkTopics, partitions: s.partitions }))).toEqual([
      { id: 0, in: ['lines'], out: ['app-words-repartition'], partitions: 3 },
      { id: 1, in: ['app-words-repartition'], out: ['counts'], partitions: 3 },
    ]);
    expect(e.plan.internalTopics).toEqual([{ name: 'app-words-repartition', partitions: 3 }]);
  });

  it('numbers one task per partition of each sub-topology, and maps input partitions to them', () => {
    const e = engine(wordCount, { lines: 2 });
    expect(e.tasks()).toEqual([
      { subtopology: 0, partition: 0 },
      { subtopology: 0, partition: 1 },
      { subtopology: 1, partition: 0 },
      { subtopology: 1, partition: 1 },
    ]);
    expect(e.taskFor('app-words-repartition', 1)).toEqual({ subtopology: 1, partition: 1 });
    expect(() => e.taskFor('lines', 2)).toThrow(UnknownTopicOrPartitionError);
  });

  it('needs every source topic to exist', () => {
    expect(() => engine(wordCount, {})).toThrow(UnknownTopicOrPartitionError);
  });

  it('refuses a topic read by two sources', () => {
    expect(() =>
      engine((b) => {
        b.stream('t');
        b.table('t');
      }, { t: 1 }),
    ).toThrow(InvalidTopologyError);
  });

  it('lets stateless merges mix partition counts, but not state fed by both', () => {
    expect(() => engine((b) => b.stream('x').merge(b.stream('y')).to('out'), { x: 2, y: 3 })).not.toThrow();
    expect(() => engine((b) => b.stream('x').merge(b.stream('y')).groupByKey().count(), { x: 2, y: 3 })).toThrow(TopicsNotCopartitionedError);
  });

  it('keeps a global table in a sub-topology of its own, free of co-partitioning', () => {
    const e = engine((b) => {
      const g = b.globalTable('products');
      b.stream('orders').join(g, (k) => k, (o, p) => [o, p]).to('out');
    }, { orders: 4, products: 1 });
    expect(e.plan.subtopologies.map((s) => [s.sourceTopics, s.global])).toEqual([
      [['products'], true],
      [['orders'], false],
    ]);
  });

  it('is the same plan for the same topology and counts (task ids are stable)', () => {
    const twice = () => engine(wordCount, { lines: 2 }).plan.subtopologies.map((s) => [s.id, s.nodes]);
    expect(twice()).toEqual(twice());
  });

  it('refuses to build a builder twice and names with characters topics cannot carry', () => {
    const b = new StreamsBuilder();
    b.stream('t');
    const t: Topology = b.build();
    expect(t.nodes()).toHaveLength(1);
    expect(() => b.build()).toThrow(InvalidTopologyError);
    expect(() => new StreamsBuilder().stream('t').selectKey((k) => k).groupByKey(Grouped.as('no spaces')).count()).toThrow(InvalidTopologyError);
  });
});
