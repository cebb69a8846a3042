// Stream-table joins (inner, left), the global-table-style lookup join, and the
// co-partitioning rules that tell them apart.
import { describe, expect, it } from 'vitest';
import { Serdes } from '../../../lib/streams/index.ts';
import { TopicsNotCopartitionedError } from '../../../lib/core/errors.ts';
import { drive, kvt } from './support.ts';

type Customer = { name: string };

function enrich(kind: 'inner' | 'left', partitions?: Record<string, number>) {
  return drive(
    (b) => {
      const customers = b.table<string, Customer>('customers');
      const orders = b.stream<string, number>('orders', { value: Serdes.json<number>() });
      const joiner = (amount: number, c: Customer | null) => `${c?.name ?? '?'}:${amount}`;
      (kind === 'inner' ? orders.join(customers, joiner) : orders.leftJoin(customers, joiner)).to('enriched');
    },
    {},
    partitions ? { partitions } : {},
  );
}

async function scenario(kind: 'inner' | 'left') {
  const driver = enrich(kind);
  const customers = driver.createInputTopic<string, Customer | null>('customers');
  const orders = driver.createInputTopic<string, number>('orders');
  await customers.pipeInput('c1', { name: 'Ann' }, 1);
  await orders.pipeInput('c1', 10, 2);
  await orders.pipeInput('c2', 20, 3);
  await customers.pipeInput('c2', { name: 'Bob' }, 4);
  await orders.pipeInput('c2', 30, 5);
  await customers.pipeInput('c1', null, 6);
  await orders.pipeInput('c1', 40, 7);
  return kvt(driver.createOutputTopic('enriched').readRecordsToList());
}

describe('stream-table join', () => {
  it('inner: joins each order with the customer row current when it arrives; table updates emit nothing', async () => {
    expect(await scenario('inner')).toEqual([
      ['c1', 'Ann:10', 2],
      ['c2', 'Bob:30', 5],
    ]);
  });

  it('left: joins an order without a customer row with null', async () => {
    expect(await scenario('left')).toEqual([
      ['c1', 'Ann:10', 2],
      ['c2', '?:20', 3],
      ['c2', 'Bob:30', 5],
      ['c1', '?:40', 7],
    ]);
  });

  it('requires the stream and the table topics to be co-partitioned', () => {
    expect(() => enrich('inner', { orders: 2, customers: 3 })).toThrow(TopicsNotCopartitionedError);
    try {
      enrich('inner', { orders: 2, customers: 3 });
    } catch (err) {
      expect((err as TopicsNotCopartitionedError).details.topics).toEqual({ orders: 2, customers: 3 });
      expect((err as Error).message).toMatch(/same number of partitions/);
    }
  });

  it('repartitions a re-keyed stream before joining, to the table topic partition count', async () => {
    const driver = drive(
      (b) => {
        const customers = b.table<string, Customer>('customers');
        b.stream<string, { customer: string; amount: number }>('orders')
          .selectKey((_k, v) => v.customer)
          .join(customers, (o, c) => `${c.name}:${o.amount}`, { key: Serdes.string(), name: 'by-customer' })
          .to('enriched');
      },
      {},
      { partitions: { orders: 1, customers: 4 } },
    );
    expect(driver.internals.engine.plan.internalTopics).toEqual([{ name: 'app-by-customer-left-repartition', partitions: 4 }]);
    await driver.createInputTopic<string, Customer>('customers').pipeInput('c7', { name: 'Eve' }, 1);
    await driver.createInputTopic('orders').pipeInput('o1', { customer: 'c7', amount: 5 }, 2);
    expect(driver.createOutputTopic('enriched').readKeyValuesToList()).toEqual([{ key: 'c7', value: 'Eve:5' }]);
  });
});

describe('lookup join (GlobalKTable style)', () => {
  function lookup(global: boolean, kind: 'inner' | 'left') {
    return drive(
      (b) => {
        const products = global ? b.globalTable<string, { name: string }>('products') : b.table<string, { name: string }>('products');
        const orders = b.stream<string, { product: string }>('orders');
        const joiner = (o: { product: string }, p: { name: string } | null) => p?.name ?? `no ${o.product}`;
        (kind === 'inner'
          ? orders.join(products, (_k, v) => v.product, joiner)
          : orders.leftJoin(products, (_k, v) => v.product, joiner)
        ).to('named');
      },
      {},
      { partitions: { orders: 2, products: 3 } },
    );
  }

  it.each([true, false])('reads the row of any key from any task, with no co-partitioning (globalTable: %s)', async (global) => {
    const driver = lookup(global, 'inner');
    await driver.createInputTopic<string, { name: string }>('products').pipeInput('p9', { name: 'pen' }, 1);
    const orders = driver.createInputTopic<string, { product: string }>('orders');
    await orders.pipeInput('o1', { product: 'p9' }, 2);
    await orders.pipeInput('o2', { product: 'p0' }, 3);
    expect(driver.createOutputTopic('named').readKeyValuesToList()).toEqual([{ key: 'o1', value: 'pen' }]);
    expect(driver.producedTopicNames()).toEqual(['named']);
  });

  it('left: joins with null when the looked-up key has no row', async () => {
    const driver = lookup(true, 'left');
    await driver.createInputTopic<string, { product: string }>('orders').pipeInput('o2', { product: 'p0' }, 3);
    expect(driver.createOutputTopic('named').readValuesToList()).toEqual(['no p0']);
  });
});
