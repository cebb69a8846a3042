// The canonical word count, through the test driver: text lines in, a running count per
// word out, and the count store readable by word.
import { describe, expect, it } from 'vitest';
import { Grouped, Materialized, Produced, Serdes, StreamsBuilder, TopologyTestDriver } from '../../../lib/streams/index.ts';

function wordCount() {
  const builder = new StreamsBuilder();
  builder
    .stream<string, string>('text-lines', { key: Serdes.string(), value: Serdes.string() })
    .flatMapValues((line) => line.toLowerCase().split(/\W+/).filter((w) => w.length > 0))
    .groupBy((_key, word) => word, Grouped.with(Serdes.string(), Serdes.string()))
    .count(Materialized.as('counts'))
    .toStream()
    .to('word-counts', Produced.with(Serdes.string(), Serdes.long()));
  return builder.build();
}

describe('word count', () => {
  it('emits a running count per word and keeps the counts in a queryable store', async () => {
    const driver = new TopologyTestDriver(wordCount(), { 'application.id': 'wordcount' });
    const input = driver.createInputTopic('text-lines', Serdes.string(), Serdes.string());
    const output = driver.createOutputTopic('word-counts', Serdes.string(), Serdes.long());

    await input.pipeInput(null, 'Hello Kafka Streams', 1000);
    await input.pipeInput(null, 'hello sluice', 2000);

    expect(output.readKeyValuesToList()).toEqual([
      { key: 'hello', value: 1 },
      { key: 'kafka', value: 1 },
      { key: 'streams', value: 1 },
      { key: 'hello', value: 2 },
      { key: 'sluice', value: 1 },
    ]);
    const counts = driver.getKeyValueStore<string, number>('counts');
    expect(await counts.get('hello')).toBe(2);
    expect(await counts.get('absent')).toBeUndefined();
  });

  it('repartitions through <application.id>-counts-repartition', async () => {
    const driver = new TopologyTestDriver(wordCount(), { 'application.id': 'wordcount' });
    await driver.createInputTopic('text-lines', Serdes.string(), Serdes.string()).pipeInput(null, 'a b', 0);
    expect(driver.producedTopicNames()).toEqual(['word-counts', 'wordcount-counts-repartition']);
  });
});
