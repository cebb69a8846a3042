// Tables and aggregations: a table from a topic holds the latest value per key; table
// operations forward changes; grouped streams count, reduce and aggregate; grouped tables
// subtract a row's old value and add its new one, through a repartition.
import { describe, expect, it } from 'vitest';
import { Grouped, KeyValue, Materialized, Serdes } from '../../../lib/streams/index.ts';
import { drive, kvt } from './support.ts';

describe('KTable from a topic', () => {
  it('holds the latest value per key, and a null value deletes the key', async () => {
    const driver = drive((b) => b.table('users', {}, Materialized.as('users-store')).toStream().to('changes'));
    const users = driver.createInputTopic('users');
    await users.pipeInput('alice', { city: 'Paris' }, 1);
    await users.pipeInput('bob', { city: 'Oslo' }, 2);
    await users.pipeInput('alice', { city: 'Rome' }, 3);
    await users.pipeInput('bob', null, 4);
    const store = driver.getTimestampedKeyValueStore('users-store');
    expect(await store.get('alice')).toEqual({ value: { city: 'Rome' }, timestamp: 3 });
    expect(await store.get('bob')).toBeUndefined();
    expect(kvt(driver.createOutputTopic('changes').readRecordsToList())).toEqual([
      ['alice', { city: 'Paris' }, 1],
      ['bob', { city: 'Oslo' }, 2],
      ['alice', { city: 'Rome' }, 3],
      ['bob', null, 4],
    ]);
  });

  it('ignores a deletion of a key it never held, and records without a key', async () => {
    const driver = drive((b) => b.table('users').toStream().to('changes'));
    const users = driver.createInputTopic('users');
    await users.pipeInput('ghost', null, 1);
    await users.pipeInput(null, { x: 1 }, 2);
    expect(driver.createOutputTopic('changes').isEmpty()).toBe(true);
    expect(Object.entries(driver.metrics())).toEqual([[expect.stringMatching(/^dropped-null-key:KTABLE-SOURCE-/), 1]]);
  });

  it('filter forwards a deletion when a row stops matching, and can be materialized', async () => {
    const driver = drive((b) =>
      b
        .table<string, number>('scores', { value: Serdes.json<number>() })
        .filter((_k, v) => v >= 10, Materialized.as('high'))
        .toStream()
        .to('high-scores'),
    );
    const scores = driver.createInputTopic<string, number>('scores');
    await scores.pipeInput('a', 5, 1);
    await scores.pipeInput('a', 12, 2);
    await scores.pipeInput('a', 7, 3);
    await scores.pipeInput('b', 20, 4);
    expect(kvt(driver.createOutputTopic('high-scores').readRecordsToList())).toEqual([
      ['a', 12, 2],
      ['a', null, 3],
      ['b', 20, 4],
    ]);
    expect(await driver.getKeyValueStore('high').get('b')).toBe(20);
    expect(await driver.getKeyValueStore('high').get('a')).toBeUndefined();
  });

  it('mapValues transforms every row, filterNot keeps the rows the predicate rejects', async () => {
    const driver = drive((b) =>
      b
        .table<string, number>('t', { value: Serdes.json<number>() })
        .mapValues((v, k) => `${k}:${v * 2}`)
        .filterNot((_k, v) => v.endsWith(':0'))
        .toStream()
        .to('out'),
    );
    const t = driver.createInputTopic<string, number>('t');
    await t.pipeInput('a', 1, 1);
    await t.pipeInput('b', 0, 2);
    expect(driver.createOutputTopic('out').readKeyValuesToList()).toEqual([{ key: 'a', value: 'a:2' }]);
  });

  it('toTable makes a table of a stream, repartitioned first when the key changed', async () => {
    const driver = drive((b) =>
      b
        .stream<string, { user: string; n: number }>('events')
        .selectKey((_k, v) => v.user)
        .toTable(Materialized.as('latest'))
        .toStream()
        .to('out', { key: Serdes.json() }),
    );
    const events = driver.createInputTopic<string, { user: string; n: number }>('events');
    await events.pipeInput('x', { user: 'u1', n: 1 }, 1);
    await events.pipeInput('y', { user: 'u1', n: 2 }, 2);
    expect(await driver.getKeyValueStore<unknown, unknown>('latest').get('u1')).toEqual({ user: 'u1', n: 2 });
    expect(driver.producedTopicNames()).toEqual([expect.stringMatching(/^app-KSTREAM-REPARTITION-\d{10}-repartition$/), 'out']);
  });
});

describe('grouped stream aggregations', () => {
  it('reduce combines values per key; the result carries the latest timestamp', async () => {
    const driver = drive((b) =>
      b
        .stream<string, number>('in', { value: Serdes.json<number>() })
        .groupByKey()
        .reduce((a, v) => a + v, Materialized.as('sums'))
        .toStream()
        .to('out'),
    );
    const input = driver.createInputTopic<string, number>('in');
    await input.pipeInput('a', 1, 10);
    await input.pipeInput('a', 2, 5);
    await input.pipeInput('b', 7, 20);
    expect(kvt(driver.createOutputTopic('out').readRecordsToList())).toEqual([
      ['a', 1, 10],
      ['a', 3, 10],
      ['b', 7, 20],
    ]);
    expect(await driver.getTimestampedKeyValueStore('sums').get('a')).toEqual({ value: 3, timestamp: 10 });
  });

  it('aggregate starts from the initializer per key', async () => {
    const driver = drive((b) =>
      b
        .stream<string, string>('in', { value: Serdes.string() })
        .groupByKey()
        .aggregate(() => [] as string[], (_k, v, agg) => [...agg, v])
        .toStream()
        .to('out'),
    );
    const input = driver.createInputTopic<string, string>('in', Serdes.string(), Serdes.string());
    await input.pipeInput('a', 'x', 1);
    await input.pipeInput('a', 'y', 2);
    expect(driver.createOutputTopic('out').readValuesToList()).toEqual([['x'], ['x', 'y']]);
  });

  it('drops and counts records without a key or a value', async () => {
    const driver = drive((b) => b.stream<string, number>('in').groupByKey().count());
    const input = driver.createInputTopic<string, number>('in');
    await input.pipeInput(null, 1, 1);
    await input.pipeInput('a', null, 2);
    expect(Object.entries(driver.metrics()).sort()).toEqual([
      [expect.stringMatching(/^dropped-null-key:KSTREAM-AGGREGATE-/), 1],
      [expect.stringMatching(/^dropped-null-value:KSTREAM-AGGREGATE-/), 1],
    ]);
  });

  it('groupByKey after a key change repartitions; directly on a source it does not', async () => {
    const direct = drive((b) => b.stream('in').groupByKey().count());
    await direct.createInputTopic('in').pipeInput('a', 1, 0);
    expect(direct.producedTopicNames()).toEqual([]);
    const rekeyed = drive((b) => b.stream('in').selectKey(() => 'k').groupByKey(Grouped.as('by-k')).count());
    await rekeyed.createInputTopic('in').pipeInput('a', 1, 0);
    expect(rekeyed.producedTopicNames()).toEqual(['app-by-k-repartition']);
  });
});

describe('grouped table aggregations', () => {
  function regions() {
    return drive((b) =>
      b
        .table<string, { region: string; amount: number }>('accounts', { value: Serdes.json() })
        .groupBy((_k, v) => KeyValue.pair(v.region, v.amount), Grouped.with(Serdes.string(), Serdes.json<number>()))
        .reduce((a, v) => a + v, (a, v) => a - v, Materialized.as('per-region'))
        .toStream()
        .to('totals'),
    );
  }

  it('moves a row from its old group to its new one: subtract under the old key, add under the new', async () => {
    const driver = regions();
    const accounts = driver.createInputTopic<string, { region: string; amount: number }>('accounts');
    await accounts.pipeInput('acc1', { region: 'eu', amount: 10 }, 1);
    await accounts.pipeInput('acc2', { region: 'eu', amount: 5 }, 2);
    await accounts.pipeInput('acc1', { region: 'us', amount: 10 }, 3);
    await accounts.pipeInput('acc2', { region: 'eu', amount: 8 }, 4);
    const store = driver.getKeyValueStore<string, number>('per-region');
    expect(await store.get('eu')).toBe(8);
    expect(await store.get('us')).toBe(10);
    expect(driver.createOutputTopic('totals').readKeyValuesToList()).toEqual([
      { key: 'eu', value: 10 },
      { key: 'eu', value: 15 },
      { key: 'eu', value: 5 },
      { key: 'us', value: 10 },
      { key: 'eu', value: 8 },
    ]);
  });

  it('subtracts a deleted row', async () => {
    const driver = regions();
    const accounts = driver.createInputTopic<string, { region: string; amount: number } | null>('accounts');
    await accounts.pipeInput('acc1', { region: 'eu', amount: 10 }, 1);
    await accounts.pipeInput('acc1', null, 2);
    expect(await driver.getKeyValueStore<string, number>('per-region').get('eu')).toBe(0);
  });

  it('count and aggregate follow the rows per group', async () => {
    const driver = drive((b) => {
      const t = b.table<string, string>('t', { value: Serdes.string() });
      t.groupBy((k, v) => KeyValue.pair(v, k)).count(Materialized.as('count-per-value'));
      t.groupBy((k, v) => KeyValue.pair(v, k)).aggregate(
        () => [] as string[],
        (_k, v, agg) => [...agg, v].sort(),
        (_k, v, agg) => agg.filter((x) => x !== v),
        Materialized.as('keys-per-value'),
      );
    });
    const t = driver.createInputTopic<string, string>('t', Serdes.string(), Serdes.string());
    await t.pipeInput('k1', 'red', 1);
    await t.pipeInput('k2', 'red', 2);
    await t.pipeInput('k1', 'blue', 3);
    expect(await driver.getKeyValueStore<unknown, number>('count-per-value').get('red')).toBe(1);
    expect(await driver.getKeyValueStore<unknown, number>('count-per-value').get('blue')).toBe(1);
    expect(await driver.getKeyValueStore<unknown, string[]>('keys-per-value').get('red')).toEqual(['k2']);
  });
});
