// Table-table joins on the primary key (inner, left, outer) and on a foreign key, against
// hand-computed changelogs; stale foreign-key responses are dropped.
import { describe, expect, it } from 'vitest';
import { Materialized, Serdes, type KTable } from '../../../lib/streams/index.ts';
import { TopicsNotCopartitionedError } from '../../../lib/core/errors.ts';
import { drive, kvt } from './support.ts';

const joiner = (l: string | null, r: string | null) => `${l ?? '-'}${r ?? '-'}`;

async function primaryKey(kind: 'inner' | 'left' | 'outer') {
  const driver = drive((b) => {
    const l = b.table<string, string>('L', { value: Serdes.string() });
    const r = b.table<string, string>('R', { value: Serdes.string() });
    const joined: KTable<string, string> =
      kind === 'inner' ? l.join(r, joiner, Materialized.as('joined')) : kind === 'left' ? l.leftJoin(r, joiner) : l.outerJoin(r, joiner);
    joined.toStream().to('out');
  });
  const L = driver.createInputTopic<string, string | null>('L', Serdes.string(), Serdes.string());
  const R = driver.createInputTopic<string, string | null>('R', Serdes.string(), Serdes.string());
  await L.pipeInput('a', '1', 1);
  await R.pipeInput('a', 'x', 2);
  await L.pipeInput('b', '2', 3);
  await R.pipeInput('c', 'y', 4);
  await L.pipeInput('a', '3', 5);
  await R.pipeInput('a', null, 6);
  await L.pipeInput('b', null, 7);
  return { driver, rows: kvt(driver.createOutputTopic('out').readRecordsToList()) };
}

describe('table-table join', () => {
  it('inner: a row exists while both sides have one; it carries the later timestamp', async () => {
    const { rows, driver } = await primaryKey('inner');
    expect(rows).toEqual([
      ['a', '1x', 2],
      ['a', '3x', 5],
      ['a', null, 6],
    ]);
    expect(await driver.getKeyValueStore('joined').get('a')).toBeUndefined();
  });

  it('left: a row exists while the left side has one', async () => {
    const { rows } = await primaryKey('left');
    expect(rows).toEqual([
      ['a', '1-', 1],
      ['a', '1x', 2],
      ['b', '2-', 3],
      ['a', '3x', 5],
      ['a', '3-', 6],
      ['b', null, 7],
    ]);
  });

  it('outer: a row exists while either side has one', async () => {
    const { rows } = await primaryKey('outer');
    expect(rows).toEqual([
      ['a', '1-', 1],
      ['a', '1x', 2],
      ['b', '2-', 3],
      ['c', '-y', 4],
      ['a', '3x', 5],
      ['a', '3-', 6],
      ['b', null, 7],
    ]);
  });

  it('requires both tables to be co-partitioned', () => {
    expect(() =>
      drive(
        (b) => b.table('L').join(b.table('R'), (x, y) => [x, y]),
        {},
        { partitions: { L: 2, R: 1 } },
      ),
    ).toThrow(TopicsNotCopartitionedError);
  });
});

type Order = { product: string; qty: number };
type Product = { name: string };

function foreignKey(kind: 'inner' | 'left') {
  return drive(
    (b) => {
      const orders = b.table<string, Order>('orders');
      const products = b.table<string, Product>('products');
      const j = (o: Order, p: Product | null) => `${o.qty} x ${p?.name ?? '?'}`;
      (kind === 'inner' ? orders.join(products, (o) => o.product, j) : orders.leftJoin(products, (o) => o.product, j)).toStream().to('lines');
    },
    {},
    { partitions: { orders: 3, products: 2 } },
  );
}

describe('foreign-key join', () => {
  it('inner: follows changes of the referenced row, of the reference, and deletions', async () => {
    const driver = foreignKey('inner');
    const orders = driver.createInputTopic<string, Order | null>('orders');
    const products = driver.createInputTopic<string, Product>('products');
    await products.pipeInput('p1', { name: 'pen' }, 1);
    await orders.pipeInput('o1', { product: 'p1', qty: 2 }, 2);
    await orders.pipeInput('o2', { product: 'p2', qty: 1 }, 3);
    await products.pipeInput('p2', { name: 'ink' }, 4);
    await products.pipeInput('p1', { name: 'pencil' }, 5);
    await orders.pipeInput('o1', { product: 'p2', qty: 5 }, 6);
    await products.pipeInput('p1', { name: 'marker' }, 7);
    await orders.pipeInput('o2', null, 8);
    await products.pipeInput('p2', { name: 'gel' }, 9);
    expect(driver.createOutputTopic('lines').readKeyValuesToList()).toEqual([
      { key: 'o1', value: '2 x pen' },
      { key: 'o2', value: null },
      { key: 'o2', value: '1 x ink' },
      { key: 'o1', value: '2 x pencil' },
      { key: 'o1', value: '5 x ink' },
      { key: 'o2', value: null },
      { key: 'o1', value: '5 x gel' },
    ]);
    expect(driver.producedTopicNames().filter((t) => t.includes('subscription'))).toEqual([
      expect.stringMatching(/^app-KTABLE-FK-JOIN-\d+-subscription-registration-topic$/),
      expect.stringMatching(/^app-KTABLE-FK-JOIN-\d+-subscription-response-topic$/),
    ]);
  });

  it('left: joins a row whose foreign key has no row (or no foreign key) with null', async () => {
    const driver = foreignKey('left');
    const orders = driver.createInputTopic<string, Order>('orders');
    await orders.pipeInput('o1', { product: 'p404', qty: 1 }, 1);
    await orders.pipeInput('o2', { product: null as unknown as string, qty: 2 }, 2);
    expect(driver.createOutputTopic('lines').readKeyValuesToList()).toEqual([
      { key: 'o1', value: '1 x ?' },
      { key: 'o2', value: '2 x ?' },
    ]);
  });

  it('drops a response that answers an older version of the left row', async () => {
    const driver = foreignKey('inner');
    await driver.createInputTopic<string, Product>('products').pipeInput('p1', { name: 'pen' }, 1);
    const rt = driver.internals;
    const json = Serdes.json<Order>();
    const at = (order: Order, ts: number) => ({ key: new TextEncoder().encode('o1'), value: json.serialize(order), timestamp: ts, headers: [], partition: 0 });
    rt.append('orders', at({ product: 'p1', qty: 1 }, 2));
    rt.append('orders', at({ product: 'p1', qty: 7 }, 3));
    await rt.deliver('orders', 0);
    expect(driver.createOutputTopic('lines').readValuesToList()).toEqual(['7 x pen']);
  });
});
