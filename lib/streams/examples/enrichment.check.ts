// Test the enrichment without the platform: npx tsx lib/streams/examples/enrichment.check.ts
import assert from 'node:assert/strict';
import { Serdes, TopologyTestDriver } from 'sluice/streams';
import { enrichment, type Customer, type Order } from './enrichment.ts';

const driver = new TopologyTestDriver(enrichment(), { 'application.id': 'enrichment' });
const customers = driver.createInputTopic<string, Customer | null>('customers', Serdes.string(), Serdes.json());
const orders = driver.createInputTopic<string, Order>('orders', Serdes.string(), Serdes.json());
const enriched = driver.createOutputTopic('enriched-orders', Serdes.string(), Serdes.json());

await customers.pipeInput('c1', { name: 'Ann', tier: 'gold' }, 1_000);
await orders.pipeInput('o1', { customerId: 'c1', amount: 30 }, 2_000);
await orders.pipeInput('o2', { customerId: 'c2', amount: 15 }, 3_000); // no such customer (yet): a left join keeps it
await customers.pipeInput('c1', { name: 'Ann', tier: 'standard' }, 4_000); // a table update emits nothing
await orders.pipeInput('o3', { customerId: 'c1', amount: 12 }, 5_000);

assert.deepEqual(enriched.readKeyValuesToList(), [
  { key: 'c1', value: { customerId: 'c1', amount: 30, customer: 'Ann', tier: 'gold' } },
  { key: 'c2', value: { customerId: 'c2', amount: 15, customer: null, tier: null } },
  { key: 'c1', value: { customerId: 'c1', amount: 12, customer: 'Ann', tier: 'standard' } },
]);
console.log('enrichment: ok');
