// The Processor API inside a DSL topology: named key-value stores (get, put, delete,
// range), the record's context, and punctuators on stream time and on the wall clock,
// whose schedules carry over from batch to batch.
import { describe, expect, it } from 'vitest';
import { Serdes, type Processor, type ProcessorContext, type RecordContextInfo } from '../../../lib/streams/index.ts';
import { RecordProcessingError } from '../../../lib/core/errors.ts';
import { drive } from './support.ts';

describe('process() with stores', () => {
  it('deduplicates by key with get and put, and forgets a key on delete', async () => {
    const driver = drive((b) => {
      b.addStateStore({ name: 'seen', key: Serdes.string(), value: Serdes.json<boolean>() });
      b.stream<string, string>('in', { value: Serdes.string() })
        .process<string, string>(
          () => {
            let ctx: ProcessorContext<string, string>;
            return {
              init: (c) => void (ctx = c),
              async process(r) {
                const seen = ctx.getStateStore<string, boolean>('seen');
                if (r.value === 'forget') return void (await seen.delete(r.key));
                if (await seen.get(r.key)) return;
                await seen.put(r.key, true);
                await ctx.forward(r);
              },
            };
          },
          { stores: ['seen'] },
        )
        .to('out', { value: Serdes.string() });
    });
    const input = driver.createInputTopic<string, string>('in', Serdes.string(), Serdes.string());
    for (const [k, v] of [['a', '1'], ['a', '2'], ['b', '3'], ['a', 'forget'], ['a', '4']]) await input.pipeInput(k!, v!, 0);
    expect(driver.createOutputTopic<string, string>('out', Serdes.string(), Serdes.string()).readValuesToList()).toEqual(['1', '3', '4']);
    expect(await driver.getKeyValueStore('seen').get('b')).toBe(true);
  });

  it('reads an ordered store by range, prefix and in full, within the task', async () => {
    const driver = drive((b) => {
      b.addStateStore({ name: 'words', key: Serdes.string(), value: Serdes.json<number>(), ordered: true });
      b.stream<string, string>('in', { value: Serdes.string() })
        .process<string, unknown>(
          () => {
            let ctx: ProcessorContext<string, unknown>;
            return {
              init: (c) => void (ctx = c),
              async process(r) {
                const words = ctx.getStateStore<string, number>('words');
                if (r.value !== 'report') return void (await words.put(r.key, r.value.length));
                const keys = (kvs: Array<{ key: string }>) => kvs.map((kv) => kv.key);
                await ctx.forward({ ...r, value: { range: keys(await words.range('b', 'cherry')), prefix: keys(await words.prefixScan('ap')), all: keys(await words.all()) } });
              },
            };
          },
          { stores: ['words'] },
        )
        .to('out');
    });
    const input = driver.createInputTopic<string, string>('in', Serdes.string(), Serdes.string());
    for (const k of ['cherry', 'apple', 'banana', 'apricot', 'date']) await input.pipeInput(k, k, 0);
    await input.pipeInput('x', 'report', 0);
    expect(driver.createOutputTopic('out').readValue()).toEqual({
      range: ['banana', 'cherry'],
      prefix: ['apple', 'apricot'],
      all: ['apple', 'apricot', 'banana', 'cherry', 'date'],
    });
  });

  it('refuses a store it was not connected to', async () => {
    const driver = drive((b) => {
      b.addStateStore({ name: 'other' });
      b.stream('in').process(() => {
        let ctx: ProcessorContext;
        return { init: (c) => void (ctx = c), process: () => void ctx.getStateStore('other') };
      });
    });
    await expect(driver.createInputTopic('in').pipeInput('a', 1, 0)).rejects.toThrow(RecordProcessingError);
  });
});

describe('process() context', () => {
  it('gives the topic, partition, offset, timestamp and headers of the record', async () => {
    const seen: Array<RecordContextInfo | undefined> = [];
    const driver = drive((b) =>
      b.stream('in').process(() => {
        let ctx: ProcessorContext;
        return { init: (c) => void (ctx = c), process: () => void seen.push(ctx.recordContext()) };
      }),
    );
    const input = driver.createInputTopic('in');
    await input.pipeInput('a', 1, 5);
    await input.pipeRecord({ key: 'b', value: 2, timestamp: 9, headers: [{ key: 'trace', value: new Uint8Array([1]) }] });
    expect(seen).toEqual([
      { topic: 'in', partition: 0, offset: 0, timestamp: 5, headers: [] },
      { topic: 'in', partition: 0, offset: 1, timestamp: 9, headers: [{ key: 'trace', value: new Uint8Array([1]) }] },
    ]);
  });
});

function ticker(type: 'stream-time' | 'wall-clock', interval: number): () => Processor<string, unknown, string, number> {
  return () => {
    let ctx: ProcessorContext<string, number>;
    return {
      init(c) {
        ctx = c;
        ctx.schedule(interval, type, (t) => ctx.forward({ key: type, value: t, timestamp: Math.max(0, ctx.currentStreamTimeMs()), headers: [] }));
      },
      process: () => undefined,
    };
  };
}

describe('punctuators', () => {
  it('on stream time: fire at the first record, then each time stream time crosses the next multiple of the interval', async () => {
    const driver = drive((b) => b.stream('in').process(ticker('stream-time', 10)).to('ticks', { value: Serdes.json() }));
    const input = driver.createInputTopic('in');
    for (const ts of [3, 7, 12, 9, 35, 36, 40]) await input.pipeInput('k', 0, ts);
    expect(driver.createOutputTopic<string, number>('ticks').readValuesToList()).toEqual([3, 12, 35, 40]);
  });

  it('on the wall clock: fire when the clock passes the next due time, keeping the rhythm across batches', async () => {
    const driver = drive((b) => b.stream('in').process(ticker('wall-clock', 1000)).to('ticks', { value: Serdes.json() }), {}, { initialWallClockTime: 10_000 });
    const input = driver.createInputTopic('in');
    await input.pipeInput('k', 0, 1);
    await driver.advanceWallClockTime(999);
    await driver.advanceWallClockTime(1);
    await input.pipeInput('k', 0, 2);
    await driver.advanceWallClockTime(2500);
    expect(driver.createOutputTopic<string, number>('ticks').readValuesToList()).toEqual([11_000, 13_500]);
  });

  it('refuses schedule() outside init', async () => {
    const driver = drive((b) =>
      b.stream('in').process(() => {
        let ctx: ProcessorContext;
        return { init: (c) => void (ctx = c), process: () => void ctx.schedule(10, 'stream-time', () => undefined) };
      }),
    );
    await expect(driver.createInputTopic('in').pipeInput('a', 1, 0)).rejects.toThrow(RecordProcessingError);
  });
});
