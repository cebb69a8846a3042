// Test the page views without the platform: npx tsx lib/streams/examples/pageViews.check.ts
import assert from 'node:assert/strict';
import { Duration, Serdes, TopologyTestDriver } from 'sluice/streams';
import { pageViews } from './pageViews.ts';

const at = (time: string) => Date.parse(`2026-01-01T${time}Z`);
const driver = new TopologyTestDriver(pageViews(), { 'application.id': 'page-views' });
const views = driver.createInputTopic<string, { url: string }>('page-views', Serdes.string(), Serdes.json());
const counts = driver.createOutputTopic<string, { start: number; views: number }>('page-view-counts', Serdes.string(), Serdes.json());

await views.pipeInput('ann', { url: '/' }, at('10:00:10'));
await views.pipeInput('ann', { url: '/pricing' }, at('10:03:00'));
await views.pipeInput('bob', { url: '/' }, at('10:05:30'));
await views.pipeInput('ann', { url: '/docs' }, at('10:04:50')); // out of order, within the grace: counted
assert.deepEqual(counts.readKeyValuesToList(), []); // 10:00-10:05 stays open until 10:05 + 1 minute of grace

await views.pipeInput('bob', { url: '/docs' }, at('10:06:30')); // closes 10:00-10:05: its one final count
assert.deepEqual(counts.readKeyValuesToList(), [{ key: 'ann', value: { start: at('10:00:00'), views: 3 } }]);
await views.pipeInput('ann', { url: '/blog' }, at('10:04:59')); // later than the grace: dropped, and counted as such

// No more views: the wall clock closes the last window (where Kafka Streams would wait for a record).
await driver.advanceWallClockTime(Duration.ofMinutes(5));
assert.deepEqual(counts.readKeyValuesToList(), [{ key: 'bob', value: { start: at('10:05:00'), views: 2 } }]);

const windows = await driver.getWindowStore<string, number>('views-per-user').fetch('ann', at('10:00:00'), at('10:00:00'));
assert.deepEqual(windows.map((w) => w.value), [3]);
assert.equal(Object.entries(driver.metrics()).find(([name]) => name.startsWith('dropped-late:'))?.[1], 1);
console.log('page views: ok');
