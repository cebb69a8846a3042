// Stateless operators: each one's effect on keys, values and record order, through the
// driver; to() with a per-record topic and a partitioner; split() branches.
import { describe, expect, it } from 'vitest';
import { KeyValue, Serdes, type KStream } from '../../../lib/streams/index.ts';
import { drive, kvt } from './support.ts';

type S = KStream<string, number>;
const nums = { key: Serdes.string(), value: Serdes.json<number>() };

async function run<K2, V2>(op: (s: S) => KStream<K2, V2>, input: Array<[string | null, number | null]>) {
  const driver = drive((b) => op(b.stream<string, number>('in', nums)).to('out'));
  const topic = driver.createInputTopic<string, number>('in', Serdes.string(), Serdes.json());
  for (const [i, [k, v]] of input.entries()) await topic.pipeInput(k, v, 100 + i);
  return { driver, out: driver.createOutputTopic<unknown, unknown>('out', Serdes.json(), Serdes.json()) };
}

async function runText<V2>(op: (s: S) => KStream<string, V2>, input: Array<[string, number]>) {
  const driver = drive((b) => op(b.stream<string, number>('in', nums)).to('out', { key: Serdes.string() }));
  const topic = driver.createInputTopic<string, number>('in', Serdes.string(), Serdes.json());
  for (const [i, [k, v]] of input.entries()) await topic.pipeInput(k, v, 100 + i);
  return driver.createOutputTopic<string, unknown>('out', Serdes.string(), Serdes.json()).readKeyValuesToList();
}

describe('stateless operators', () => {
  it('filter keeps the records the predicate accepts, filterNot the others', async () => {
    expect(await runText((s) => s.filter((_k, v) => v > 1), [['a', 1], ['b', 2], ['c', 3]])).toEqual([
      { key: 'b', value: 2 },
      { key: 'c', value: 3 },
    ]);
    expect(await runText((s) => s.filterNot((_k, v) => v > 1), [['a', 1], ['b', 2]])).toEqual([{ key: 'a', value: 1 }]);
  });

  it('map replaces key and value; mapValues only the value, and sees the key', async () => {
    const { out } = await run((s) => s.map((k, v) => KeyValue.pair(`${k}!`, v * 10)), [['a', 1]]);
    expect(out.readKeyValuesToList()).toEqual([{ key: 'a!', value: 10 }]);
    expect(await runText((s) => s.mapValues((v, k) => `${k}=${v}`), [['a', 1]])).toEqual([{ key: 'a', value: 'a=1' }]);
  });

  it('flatMap and flatMapValues emit zero or more records per input, in order', async () => {
    const { out } = await run((s) => s.flatMap((k, v) => Array.from({ length: v }, (_, i) => KeyValue.pair(`${k}${i}`, i))), [['a', 2], ['b', 0], ['c', 1]]);
    expect(out.readKeyValuesToList()).toEqual([
      { key: 'a0', value: 0 },
      { key: 'a1', value: 1 },
      { key: 'c0', value: 0 },
    ]);
    expect(await runText((s) => s.flatMapValues((v) => [v, -v]), [['a', 1]])).toEqual([
      { key: 'a', value: 1 },
      { key: 'a', value: -1 },
    ]);
  });

  it('selectKey keys each record by the selector and keeps the value and timestamp', async () => {
    const { out } = await run((s) => s.selectKey((_k, v) => v % 2 === 0 ? 'even' : 'odd'), [['a', 1], ['b', 2]]);
    expect(kvt(out.readRecordsToList())).toEqual([['odd', 1, 100], ['even', 2, 101]]);
  });

  it('peek sees every record and forwards it; foreach sees every record and ends the branch', async () => {
    const peeked: string[] = [];
    const each: string[] = [];
    const driver = drive((b) => {
      const s = b.stream<string, number>('in', nums);
      s.peek((k) => peeked.push(k)).to('out');
      s.foreach((k, v) => each.push(`${k}${v}`));
    });
    const topic = driver.createInputTopic<string, number>('in', Serdes.string(), Serdes.json());
    await topic.pipeInput('a', 1, 0);
    await topic.pipeInput('b', 2, 0);
    expect(peeked).toEqual(['a', 'b']);
    expect(each).toEqual(['a1', 'b2']);
    expect(driver.createOutputTopic('out').getQueueSize()).toBe(2);
  });

  it('merge interleaves two streams in processing order', async () => {
    const driver = drive((b) => {
      const x = b.stream<string, number>('x', nums);
      const y = b.stream<string, number>('y', nums);
      x.merge(y).to('out');
    });
    const x = driver.createInputTopic<string, number>('x', Serdes.string(), Serdes.json());
    const y = driver.createInputTopic<string, number>('y', Serdes.string(), Serdes.json());
    await x.pipeInput('a', 1, 0);
    await y.pipeInput('b', 2, 0);
    await x.pipeInput('c', 3, 0);
    expect(driver.createOutputTopic<string, number>('out').readValuesToList()).toEqual([1, 2, 3]);
  });

  it('split sends each record to the first matching branch, the rest to the default branch', async () => {
    let names: string[] = [];
    const driver = drive((b) => {
      const branches = b
        .stream<string, number>('in', nums)
        .split({ name: 'n-' })
        .branch((_k, v) => v < 0, { name: 'negative' })
        .branch((_k, v) => v < 10)
        .defaultBranch();
      names = Object.keys(branches);
      branches['n-negative']!.to('negative');
      branches['n-2']!.to('small');
      branches['n-0']!.to('large');
    });
    const topic = driver.createInputTopic<string, number>('in', Serdes.string(), Serdes.json());
    for (const v of [-1, 5, 50, -7, 9]) await topic.pipeInput('k', v, 0);
    expect(names).toEqual(['n-negative', 'n-2', 'n-0']);
    expect(driver.createOutputTopic<string, number>('negative').readValuesToList()).toEqual([-1, -7]);
    expect(driver.createOutputTopic<string, number>('small').readValuesToList()).toEqual([5, 9]);
    expect(driver.createOutputTopic<string, number>('large').readValuesToList()).toEqual([50]);
  });

  it('split drops what no branch takes when there is no default branch, and hands consumed branches over', async () => {
    const driver = drive((b) => {
      const branches = b
        .stream<string, number>('in', nums)
        .split()
        .branch((_k, v) => v > 0, { withConsumer: (s) => s.to('positive') })
        .noDefaultBranch();
      expect(Object.keys(branches)).toEqual([]);
    });
    const topic = driver.createInputTopic<string, number>('in', Serdes.string(), Serdes.json());
    for (const v of [1, -1, 2]) await topic.pipeInput('k', v, 0);
    expect(driver.createOutputTopic<string, number>('positive').readValuesToList()).toEqual([1, 2]);
  });

  it('to() with a topic extractor writes each record to the topic it names', async () => {
    const driver = drive((b) => b.stream<string, number>('in', nums).to((k, _v, ctx) => `out-${k}-${ctx.topic}`));
    const topic = driver.createInputTopic<string, number>('in', Serdes.string(), Serdes.json());
    await topic.pipeInput('a', 1, 0);
    await topic.pipeInput('b', 2, 0);
    expect(driver.createOutputTopic<string, number>('out-a-in').readValuesToList()).toEqual([1]);
    expect(driver.createOutputTopic<string, number>('out-b-in').readValuesToList()).toEqual([2]);
  });

  it('to() with a partitioner writes to the partition it picks; without one, to the key hash partition', async () => {
    const driver = drive(
      (b) => {
        const s = b.stream<string, number>('in', nums);
        s.to('picked', { partitioner: (_t, _k, v, n) => (v as number) % n });
        s.to('hashed');
      },
      {},
      { partitions: { picked: 3, hashed: 4 } },
    );
    const topic = driver.createInputTopic<string, number>('in', Serdes.string(), Serdes.json());
    for (const v of [4, 5]) await topic.pipeInput('same-key', v, 0);
    expect(driver.createOutputTopic('picked').readRecordsToList().map((r) => r.partition)).toEqual([1, 2]);
    const hashed = driver.createOutputTopic('hashed').readRecordsToList().map((r) => r.partition);
    expect(hashed[0]).toBe(hashed[1]);
  });

  it('keeps the input record timestamp and headers through stateless steps', async () => {
    const driver = drive((b) => b.stream<string, number>('in', nums).mapValues((v) => v + 1).to('out'));
    await driver.createInputTopic<string, number>('in', Serdes.string(), Serdes.json()).pipeRecord({
      key: 'a',
      value: 1,
      timestamp: 42,
      headers: [{ key: 'h', value: new Uint8Array([7]) }],
    });
    const r = driver.createOutputTopic<string, number>('out').readRecord();
    expect(r).toMatchObject({ key: 'a', value: 2, timestamp: 42, headers: [{ key: 'h', value: new Uint8Array([7]) }] });
  });

  it('repartition() routes the stream through <application.id>-<name>-repartition', async () => {
    const driver = drive((b) => b.stream<string, number>('in', nums).selectKey((_k, v) => `k${v}`).repartition({ name: 'rekeyed' }).to('out'));
    await driver.createInputTopic<string, number>('in', Serdes.string(), Serdes.json()).pipeInput('a', 1, 0);
    expect(driver.producedTopicNames()).toEqual(['app-rekeyed-repartition', 'out']);
    expect(driver.createOutputTopic<unknown, number>('out', Serdes.json()).readKeyValue()).toEqual({ key: 'k1', value: 1 });
  });
});
