// The batch contract the exactly-once runtime builds on: a batch reads through the store
// backend and writes nothing; its result (outputs, mutations, state) is the whole effect;
// a re-run of the same batch is the same; records below the committed position are
// skipped; a commit that would not fit ends the batch early at a unit boundary; failures
// stop at the record or skip it to a dead-letter topic; idle ticks advance stream time.
import { describe, expect, it } from 'vitest';
import {
  InMemoryStoreBackend,
  Materialized,
  Serdes,
  StreamsBuilder,
  StreamsEngine,
  Suppressed,
  TimeWindows,
  type InputRecord,
  type StoreBackend,
  type StreamsConfig,
} from '../../../lib/streams/index.ts';
import {
  CommitTooLargeError,
  DependencyError,
  InvalidConfigError,
  InvalidRequestError,
  RecordDeserializationError,
  RecordProcessingError,
  UnknownTopicOrPartitionError,
} from '../../../lib/core/errors.ts';

const text = new TextEncoder();
const rec = (offset: number, key: string, value: string, timestamp = offset): InputRecord => ({
  topic: 'in',
  partition: 0,
  offset,
  timestamp,
  key: text.encode(key),
  value: text.encode(value),
});

function countingEngine(config: Partial<StreamsConfig> = {}) {
  const b = new StreamsBuilder();
  b.stream<string, string>('in', { value: Serdes.string() })
    .mapValues((v) => {
      if (v === 'boom') throw new Error('bad value');
      return v;
    })
    .groupByKey()
    .count(Materialized.as('counts'))
    .toStream()
    .to('out');
  return new StreamsEngine(b.build(), { 'application.id': 'app', ...config }, () => 1);
}

const task = { subtopology: 0, partition: 0 };

describe('a batch', () => {
  it('reads through the backend, writes nothing, and returns outputs, mutations and the new position', async () => {
    const engine = countingEngine();
    const backend = new InMemoryStoreBackend();
    const result = await engine.processBatch({ task, records: [rec(0, 'a', 'x'), rec(1, 'a', 'y')], wallClockTime: 0 }, backend);
    expect(backend.storeNames()).toEqual([]);
    expect(result.outputs.map((o) => [o.topic, new TextDecoder().decode(o.key!)])).toEqual([
      ['out', 'a'],
      ['out', 'a'],
    ]);
    expect(result.mutations).toHaveLength(1);
    expect(result.mutations[0]).toMatchObject({ store: 'counts', expectedVersion: null });
    expect(result.state.positions).toEqual({ 'in:0': 2 });
    expect(result.consumed).toBe(2);
  });

  it('is the same when run again on the same input and committed state (a crash before the commit)', async () => {
    const engine = countingEngine();
    const backend = new InMemoryStoreBackend();
    const input = { task, records: [rec(0, 'a', 'x'), rec(1, 'b', 'y')], wallClockTime: 7 };
    expect(await engine.processBatch(input, backend)).toEqual(await engine.processBatch(input, backend));
  });

  it('skips records below the committed position, so a batch handed over twice counts once', async () => {
    const engine = countingEngine();
    const backend = new InMemoryStoreBackend();
    const records = [rec(0, 'a', 'x'), rec(1, 'a', 'y')];
    const first = await engine.processBatch({ task, records, wallClockTime: 0 }, backend);
    backend.apply(first.mutations);
    const again = await engine.processBatch({ task, records, state: first.state, wallClockTime: 0 }, backend);
    expect(again.outputs).toEqual([]);
    expect(again.mutations).toEqual([]);
    expect(again.metrics).toEqual({ 'skipped-already-processed': 2 });
  });

  it('carries the version it read, so the runtime can write conditionally', async () => {
    const engine = countingEngine();
    const backend = new InMemoryStoreBackend();
    const first = await engine.processBatch({ task, records: [rec(0, 'a', 'x')], wallClockTime: 0 }, backend);
    backend.apply(first.mutations);
    const second = await engine.processBatch({ task, records: [rec(1, 'a', 'y')], state: first.state, wallClockTime: 0 }, backend);
    expect(second.mutations).toEqual([expect.objectContaining({ store: 'counts', expectedVersion: 1 })]);
  });

  it('drops and counts records with a negative timestamp', async () => {
    const result = await countingEngine().processBatch({ task, records: [rec(0, 'a', 'x', -5)], wallClockTime: 0 }, new InMemoryStoreBackend());
    expect(result.outputs).toEqual([]);
    expect(result.metrics).toEqual({ 'dropped-invalid-timestamp:KSTREAM-SOURCE-0000000000': 1 });
    expect(result.state.positions).toEqual({ 'in:0': 1 });
  });
});

describe('a batch that would not fit one commit', () => {
  it('stops before the record that would overflow it, and the rest continues where it stopped', async () => {
    const engine = countingEngine();
    const backend = new InMemoryStoreBackend();
    const records = [rec(0, 'a', 'x'), rec(1, 'b', 'x'), rec(2, 'a', 'x'), rec(3, 'c', 'x')];
    const fits = (u: { items: number }) => u.items <= 2;
    const first = await engine.processBatch({ task, records, wallClockTime: 0 }, backend, { fits });
    expect(first).toMatchObject({ consumed: 3, pending: true });
    expect(first.outputs).toHaveLength(3);
    backend.apply(first.mutations);
    const rest = await engine.processBatch({ task, records: records.slice(3), state: first.state, wallClockTime: 0 }, backend, { fits });
    expect(rest).toMatchObject({ consumed: 1, pending: false });
  });

  it('is a CommitTooLargeError when one record alone does not fit', async () => {
    const result = await countingEngine().processBatch({ task, records: [rec(0, 'a', 'x')], wallClockTime: 0 }, new InMemoryStoreBackend(), { fits: () => false });
    expect(result.error).toBeInstanceOf(CommitTooLargeError);
    expect(result).toMatchObject({ consumed: 0, outputs: [], mutations: [] });
  });
});

describe('failures', () => {
  it('stop at the failing record by default; what came before it stays in the result', async () => {
    const result = await countingEngine().processBatch({ task, records: [rec(0, 'a', 'x'), rec(1, 'a', 'boom'), rec(2, 'a', 'z')], wallClockTime: 0 }, new InMemoryStoreBackend());
    expect(result.error).toBeInstanceOf(RecordProcessingError);
    expect(result.error!.details).toMatchObject({ topic: 'in', partition: 0, offset: 1 });
    expect(result.consumed).toBe(1);
    expect(result.outputs).toHaveLength(1);
    expect(result.state.positions).toEqual({ 'in:0': 1 });
  });

  it('skip the record to the dead-letter topic with the error in headers when the handler continues', async () => {
    const engine = countingEngine({ 'processing.exception.handler': 'continue', 'errors.dead.letter.queue.topic.name': 'dlq' });
    const result = await engine.processBatch({ task, records: [rec(0, 'a', 'boom'), rec(1, 'a', 'ok')], wallClockTime: 0 }, new InMemoryStoreBackend());
    expect(result.error).toBeUndefined();
    const dead = result.outputs.find((o) => o.topic === 'dlq')!;
    expect(new TextDecoder().decode(dead.value!)).toBe('boom');
    const headers = Object.fromEntries(dead.headers.map((h) => [h.key, new TextDecoder().decode(h.value!)]));
    expect(headers).toMatchObject({ '__streams.errors.exception': 'RECORD_PROCESSING_FAILED', '__streams.errors.offset': '0', '__streams.errors.topic': 'in' });
    expect(result.metrics).toMatchObject({ 'skipped-processing': 1 });
    expect(result.mutations).toHaveLength(1);
  });

  it('report a record that cannot be deserialized as such, and skip it when that handler continues', async () => {
    const b = new StreamsBuilder();
    b.stream('in', { value: Serdes.json() }).to('out');
    const topology = b.build();
    const broken = { ...rec(0, 'a', '{not json'), value: text.encode('{not json') };
    const failing = new StreamsEngine(topology, { 'application.id': 'app' }, () => 1);
    expect((await failing.processBatch({ task, records: [broken], wallClockTime: 0 }, new InMemoryStoreBackend())).error).toBeInstanceOf(RecordDeserializationError);
    const b2 = new StreamsBuilder();
    b2.stream('in', { value: Serdes.json() }).to('out');
    const skipping = new StreamsEngine(b2.build(), { 'application.id': 'app', 'deserialization.exception.handler': 'continue' }, () => 1);
    const result = await skipping.processBatch({ task, records: [broken], wallClockTime: 0 }, new InMemoryStoreBackend());
    expect(result).toMatchObject({ consumed: 1, outputs: [], metrics: { 'skipped-deserialization': 1 } });
  });

  it('of the store backend fail the batch itself, even when the handler would continue', async () => {
    const failing: StoreBackend = {
      get: () => Promise.reject(new DependencyError('down')),
      getMany: () => Promise.reject(new DependencyError('down')),
      range: () => Promise.reject(new DependencyError('down')),
    };
    const engine = countingEngine({ 'processing.exception.handler': 'continue' });
    await expect(engine.processBatch({ task, records: [rec(0, 'a', 'x')], wallClockTime: 0 }, failing)).rejects.toThrow(DependencyError);
  });

  it('refuse a bad application.id', () => {
    expect(() => countingEngine({ 'application.id': 'no spaces' })).toThrow(InvalidConfigError);
  });
});

describe('idle ticks', () => {
  function windowed(config: Partial<StreamsConfig> = {}) {
    const b = new StreamsBuilder();
    b.stream('in').groupByKey().windowedBy(TimeWindows.ofSizeWithNoGrace(100)).count().suppress(Suppressed.untilWindowCloses()).toStream().to('out');
    return new StreamsEngine(b.build(), { 'application.id': 'app', ...config }, () => 1);
  }

  it('move stream time on by the wall-clock time passed since the last batch with records', async () => {
    const engine = windowed();
    const backend = new InMemoryStoreBackend();
    const first = await engine.processBatch({ task, records: [rec(0, 'a', '1', 50)], wallClockTime: 1_000 }, backend);
    backend.apply(first.mutations);
    expect(await engine.wakeAt(task, first.state, backend, 1_000)).toBe(1_050);
    expect(first.wakeAt).toBe(1_050);
    const tick = await engine.processBatch({ task, records: [], state: first.state, wallClockTime: 1_030 }, backend);
    expect(tick.state.streamTime).toBe(80);
    expect(tick.outputs).toEqual([]);
    expect(tick.wakeAt).toBe(1_050);
    const close = await engine.processBatch({ task, records: [], state: first.state, wallClockTime: 1_050 }, backend);
    expect(close.outputs).toHaveLength(1);
  });

  it('do not move stream time when idle advance is off, or before any record', async () => {
    const backend = new InMemoryStoreBackend();
    const off = windowed({ 'stream.time.advance.when.idle': false });
    const first = await off.processBatch({ task, records: [rec(0, 'a', '1', 50)], wallClockTime: 0 }, backend);
    expect((await off.processBatch({ task, records: [], state: first.state, wallClockTime: 10_000 }, backend)).state.streamTime).toBe(50);
    expect((await windowed().processBatch({ task, records: [], wallClockTime: 10_000 }, backend)).state.streamTime).toBe(-1);
  });
});

describe('a batch handed the wrong records', () => {
  it('is refused before anything runs', async () => {
    const engine = countingEngine();
    await expect(engine.processBatch({ task, records: [{ ...rec(0, 'a', 'x'), topic: 'elsewhere' }], wallClockTime: 0 }, new InMemoryStoreBackend())).rejects.toThrow(
      UnknownTopicOrPartitionError,
    );
    await expect(engine.processBatch({ task: { subtopology: 0, partition: 3 }, records: [], wallClockTime: 0 }, new InMemoryStoreBackend())).rejects.toThrow(
      InvalidRequestError,
    );
  });
});
