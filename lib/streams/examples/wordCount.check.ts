// Test the word count without the platform: npx tsx lib/streams/examples/wordCount.check.ts
import assert from 'node:assert/strict';
import { Serdes, TopologyTestDriver } from 'sluice/streams';
import { wordCount } from './wordCount.ts';

const driver = new TopologyTestDriver(wordCount(), { 'application.id': 'word-count' });
const lines = driver.createInputTopic('text-lines', Serdes.string(), Serdes.string());
const counts = driver.createOutputTopic('word-counts', Serdes.string(), Serdes.long());

await lines.pipeInput(null, 'Hello Kafka Streams', 1_000);
await lines.pipeInput(null, 'hello Sluice', 2_000);

assert.deepEqual(counts.readKeyValuesToList(), [
  { key: 'hello', value: 1 },
  { key: 'kafka', value: 1 },
  { key: 'streams', value: 1 },
  { key: 'hello', value: 2 },
  { key: 'sluice', value: 1 },
]);
assert.equal(await driver.getKeyValueStore<string, number>('counts').get('hello'), 2);

await driver.advanceWallClockTime(60_000); // wall-clock punctuators and idle windows, if any
console.log('word count: ok');
