// The runtime seams with in-memory connectors and a controllable clock: runSinkBatch
// (converters, transforms, put, flush, error tolerance, dead letters) and pollSource
// (poll, transforms, converters, offsets to commit with the records).
import { describe, expect, it } from 'vitest';
import { ConfigDef } from '../../../lib/connect/config/def.ts';
import { DataException, RetriableException } from '../../../lib/connect/data/exceptions.ts';
import type { SinkRecord } from '../../../lib/connect/data/record.ts';
import { ERROR_HEADERS, type LogRecord } from '../../../lib/connect/errors/deadLetter.ts';
import { retryDelay, type Clock } from '../../../lib/connect/errors/operator.ts';
import { defineSinkConnector, defineSourceConnector, type PollResult } from '../../../lib/connect/plugins/define.ts';
import { runSinkBatch } from '../../../lib/connect/tasks/sink.ts';
import { partitionKey, pollSource } from '../../../lib/connect/tasks/source.ts';
import { startSinkTask, startSourceTask } from '../../../lib/connect/tasks/task.ts';

/** A clock whose sleeps advance it instantly. */
function fakeClock(start = 1_000_000): Clock & { slept: number[] } {
  let now = start;
  const slept: number[] = [];
  return { now: () => now, sleep: async (ms) => void (slept.push(ms), (now += ms)), random: () => 0.5, slept };
}

const log = (offset: number, value: string | null, extra: Partial<LogRecord> = {}): LogRecord => ({
  topic: 'orders',
  partition: 0,
  offset,
  timestamp: 1_700_000_000_000 + offset,
  key: null,
  value: value === null ? null : Buffer.from(value),
  headers: [],
  ...extra,
});

function memorySink(opts: { failPut?: (n: number) => unknown } = {}) {
  const written: SinkRecord[][] = [];
  let calls = 0;
  const connector = defineSinkConnector({
    configDef: {},
    put: async (records, ctx) => {
      calls++;
      const err = opts.failPut?.(calls);
      if (err) throw err;
      for (const r of records) if (r.value === 'bad') await ctx.reportError(r, new DataException('cannot write bad'));
      written.push(records.filter((r) => r.value !== 'bad'));
    },
  });
  return { connector, written, calls: () => calls };
}

const sinkProps = (extra: Record<string, string> = {}) => ({
  name: 'mem',
  'connector.class': 'Memory',
  topics: 'orders',
  'value.converter': 'json',
  'value.converter.schemas.enable': 'false',
  'key.converter': 'string',
  ...extra,
});

describe('runSinkBatch', () => {
  it('converts, transforms in order, puts, and commits past the batch', async () => {
    const mem = memorySink();
    const task = await startSinkTask(mem.connector, {
      props: sinkProps({ transforms: 'Drop,Ts', 'transforms.Drop.type': 'Filter', 'transforms.Drop.predicate': 'Tomb', predicates: 'Tomb', 'predicates.Tomb.type': 'RecordIsTombstone', 'transforms.Ts.type': 'InsertField$Value', 'transforms.Ts.offset.field': 'offset' }),
    });
    const result = await runSinkBatch(task, [log(5, '{"a":1}', { key: Buffer.from('k') }), log(6, null), log(7, '{"a":2}')]);
    expect(result).toMatchObject({ outcome: 'delivered', delivered: 2, filtered: 1, skipped: 0, deadLetters: [], commit: [{ topic: 'orders', partition: 0, offset: 8 }] });
    expect(mem.written[0]!.map((r) => [r.key, r.value, r.kafkaOffset])).toEqual([
      ['k', { a: 1, offset: 5 }, 5],
      [null, { a: 2, offset: 7 }, 7],
    ]);
  });

  it('errors.tolerance=none: a converter error fails the batch, nothing put or committed', async () => {
    const mem = memorySink();
    const task = await startSinkTask(mem.connector, { props: sinkProps() });
    const result = await runSinkBatch(task, [log(0, '{"a":1}'), log(1, 'not json')]);
    expect(result).toMatchObject({ outcome: 'failed', commit: [], deadLetters: [] });
    expect(result.error).toMatchObject({ stage: 'VALUE_CONVERTER', className: 'org.apache.kafka.connect.json.JsonConverter' });
    expect(result.error!.trace).toMatch(/^org.apache.kafka.connect.errors.ConnectException: Tolerance exceeded in error handler\nCaused by: org.apache.kafka.connect.errors.DataException: Converting byte\[\] to Kafka Connect data failed/);
    expect(mem.calls()).toBe(0);
  });

  it('errors.tolerance=all: bad records are dead-lettered with Kafka\'s context headers; the rest are put', async () => {
    const mem = memorySink();
    const logged: string[] = [];
    const task = await startSinkTask(mem.connector, {
      props: sinkProps({ 'errors.tolerance': 'all', 'errors.deadletterqueue.topic.name': 'orders-dlq', 'errors.deadletterqueue.context.headers.enable': 'true', 'errors.log.enable': 'true' }),
      logger: { info: () => undefined, warn: () => undefined, error: (m) => logged.push(m) },
    });
    const bad = log(1, 'not json', { headers: [{ key: 'source', value: Buffer.from('web') }] });
    const result = await runSinkBatch(task, [log(0, '{"a":1}'), bad, log(2, '"bad"')]);
    expect(result).toMatchObject({ outcome: 'delivered', delivered: 1, skipped: 2, commit: [{ topic: 'orders', partition: 0, offset: 3 }] });
    const [conv, put] = result.deadLetters;
    expect(conv).toMatchObject({ topic: 'orders-dlq', value: bad.value, timestamp: bad.timestamp, original: { topic: 'orders', partition: 0, offset: 1 } });
    const headers = Object.fromEntries(conv!.headers.map((h) => [h.key, h.value?.toString()]));
    expect(headers).toMatchObject({
      source: 'web',
      [ERROR_HEADERS.topic]: 'orders',
      [ERROR_HEADERS.partition]: '0',
      [ERROR_HEADERS.offset]: '1',
      [ERROR_HEADERS.connectorName]: 'mem',
      [ERROR_HEADERS.taskId]: '0',
      [ERROR_HEADERS.stage]: 'VALUE_CONVERTER',
      [ERROR_HEADERS.className]: 'org.apache.kafka.connect.json.JsonConverter',
      [ERROR_HEADERS.exceptionClassName]: 'org.apache.kafka.connect.errors.DataException',
    });
    expect(headers[ERROR_HEADERS.exceptionMessage]).toMatch(/Converting byte\[\] to Kafka Connect data failed/);
    expect(headers[ERROR_HEADERS.exceptionStacktrace]).toMatch(/DataException/);
    // A record the connector reports itself is dead-lettered at stage TASK_PUT.
    expect(Object.fromEntries(put!.headers.map((h) => [h.key, h.value?.toString()]))).toMatchObject({ [ERROR_HEADERS.stage]: 'TASK_PUT', [ERROR_HEADERS.className]: 'Memory', [ERROR_HEADERS.offset]: '2' });
    expect(logged[0]).toMatch(/^Error encountered in task mem-0. Executing stage 'VALUE_CONVERTER' with class 'org.apache.kafka.connect.json.JsonConverter', where consumed record is \{topic='orders', partition=0, offset=1/);
  });

  it('without context headers the dead letter carries only the original headers; without a topic none is written', async () => {
    const mem = memorySink();
    const plain = await startSinkTask(mem.connector, { props: sinkProps({ 'errors.tolerance': 'all', 'errors.deadletterqueue.topic.name': 'dlq' }) });
    const r1 = await runSinkBatch(plain, [log(0, 'nope', { headers: [{ key: 'h', value: null }] })]);
    expect(r1.deadLetters[0]!.headers).toEqual([{ key: 'h', value: null }]);
    const none = await startSinkTask(mem.connector, { props: sinkProps({ 'errors.tolerance': 'all' }) });
    expect(await runSinkBatch(none, [log(0, 'nope')])).toMatchObject({ outcome: 'delivered', skipped: 1, deadLetters: [] });
  });

  it('a retriable put is retried with Kafka\'s backoff within errors.retry.timeout, then answered retry', async () => {
    const clock = fakeClock();
    const mem = memorySink({ failPut: () => new RetriableException('store busy') });
    const task = await startSinkTask(mem.connector, { props: sinkProps({ 'errors.retry.timeout': '2000', 'errors.retry.delay.max.ms': '1000' }), clock });
    const result = await runSinkBatch(task, [log(0, '1')]);
    expect(result).toMatchObject({ outcome: 'retry', commit: [], error: { stage: 'TASK_PUT', message: 'store busy' } });
    expect(clock.slept).toEqual([300, 600, 500, 500, 100]);
    expect(mem.calls()).toBe(6);
  });

  it('a retriable put that recovers is delivered once; a non-retriable one fails the task', async () => {
    const clock = fakeClock();
    const flaky = memorySink({ failPut: (n) => (n < 3 ? new RetriableException('busy') : undefined) });
    const task = await startSinkTask(flaky.connector, { props: sinkProps({ 'errors.retry.timeout': '-1' }), clock });
    expect(await runSinkBatch(task, [log(0, '1')])).toMatchObject({ outcome: 'delivered', delivered: 1 });
    expect(clock.slept).toEqual([300, 600]);
    const broken = memorySink({ failPut: () => new Error('disk full') });
    const t2 = await startSinkTask(broken.connector, { props: sinkProps({ 'errors.retry.timeout': '-1', 'errors.tolerance': 'all' }), clock });
    expect(await runSinkBatch(t2, [log(0, '1')])).toMatchObject({ outcome: 'failed', error: { stage: 'TASK_PUT', message: 'disk full' } });
  });

  it('a record reported during put fails the task under errors.tolerance=none', async () => {
    const mem = memorySink();
    const task = await startSinkTask(mem.connector, { props: sinkProps() });
    expect(await runSinkBatch(task, [log(0, '"bad"')])).toMatchObject({ outcome: 'failed', error: { stage: 'TASK_PUT', message: 'cannot write bad' } });
  });

  it('Kafka\'s backoff doubles from 300 ms and turns random past the maximum', () => {
    expect([1, 2, 3, 4].map((a) => retryDelay(a, 60_000, () => 0))).toEqual([300, 600, 1200, 2400]);
    expect(retryDelay(10, 1000, () => 0.25)).toBe(250);
  });
});

describe('pollSource', () => {
  const config = new ConfigDef().define({ name: 'topic', type: 'STRING', importance: 'HIGH' });
  const props = (extra: Record<string, string> = {}) => ({ name: 'src', 'connector.class': 'Lines', topic: 'lines', ...extra });

  function lines(polls: (PollResult | Error | null)[]) {
    let i = 0;
    const seen: unknown[] = [];
    const connector = defineSourceConnector({
      configDef: config,
      poll: ({ offsets, config: c }) => {
        seen.push(offsets.get({ file: 'a.txt' }));
        const next = polls[Math.min(i++, polls.length - 1)];
        if (next instanceof Error) throw next;
        return next
          ? { ...next, records: next.records.map((r) => ({ ...r, topic: r.topic ?? (c.topic as string) })) }
          : null;
      },
    });
    return { connector, seen };
  }

  it('answers bytes and the offsets to commit with them; the connector reads committed offsets', async () => {
    const src = lines([
      {
        records: [
          { topic: 'lines', value: 'foo', sourcePartition: { file: 'a.txt' }, sourceOffset: { position: 4 } },
          { topic: 'lines', value: 'bar', sourcePartition: { file: 'a.txt' }, sourceOffset: { position: 8 }, headers: [{ key: 'n', schema: null, value: 1 }] },
        ],
      },
    ]);
    const task = await startSourceTask(src.connector, { props: props({ 'value.converter': 'string' }) });
    const result = await pollSource(task, { offsets: (p) => (partitionKey(p) === partitionKey({ file: 'a.txt' }) ? { position: 0 } : null) });
    expect(src.seen).toEqual([{ position: 0 }]);
    expect(result.outcome).toBe('records');
    expect(result.records.map((r) => [r.topic, r.value?.toString(), r.headers.map((h) => [h.key, h.value?.toString()])])).toEqual([
      ['lines', 'foo', []],
      ['lines', 'bar', [['n', '1']]],
    ]);
    expect(result.sourceOffsets).toEqual([{ partition: { file: 'a.txt' }, offset: { position: 8 } }]);
  });

  it('runs transforms before converters (the JSON envelope of the quickstart), and commits offsets of dropped records', async () => {
    const src = lines([
      {
        records: [
          { topic: 'lines', value: 'hello', sourcePartition: { f: 1 }, sourceOffset: { p: 1 } },
          { topic: 'lines', value: 'drop', sourcePartition: { f: 1 }, sourceOffset: { p: 2 } },
        ],
      },
    ]);
    const task = await startSourceTask(src.connector, {
      props: props({ transforms: 'Hoist,Skip', 'transforms.Hoist.type': 'HoistField$Value', 'transforms.Hoist.field': 'line', 'transforms.Skip.type': 'Filter', 'transforms.Skip.predicate': 'IsDrop', predicates: 'IsDrop', 'predicates.IsDrop.type': 'HasHeaderKey', 'predicates.IsDrop.name': 'x' }),
    });
    const result = await pollSource(task, { offsets: () => null });
    expect(result.records.map((r) => r.value?.toString())).toEqual(['{"schema":null,"payload":{"line":"hello"}}', '{"schema":null,"payload":{"line":"drop"}}']);
    expect(result.sourceOffsets).toEqual([{ partition: { f: 1 }, offset: { p: 2 } }]);
  });

  it('skips records that fail under errors.tolerance=all; fails under none', async () => {
    const bad = { records: [{ topic: 'lines', value: 'ok' }, { topic: 'lines', value: { nested: true }, sourcePartition: { f: 1 }, sourceOffset: { p: 9 } }] };
    const strict = await startSourceTask(lines([bad]).connector, { props: props({ 'value.converter': 'bytearray' }) });
    expect(await pollSource(strict, { offsets: () => null })).toMatchObject({ outcome: 'failed', records: [], error: { stage: 'VALUE_CONVERTER' } });
    const lenient = await startSourceTask(lines([bad]).connector, { props: props({ 'value.converter': 'string', 'errors.tolerance': 'all', transforms: 'c', 'transforms.c.type': 'Cast$Value', 'transforms.c.spec': 'int8' }) });
    const result = await pollSource(lenient, { offsets: () => null });
    expect(result).toMatchObject({ outcome: 'records', skipped: 2, records: [] });
    expect(result.sourceOffsets).toEqual([{ partition: { f: 1 }, offset: { p: 9 } }]);
  });

  it('nothing polled is idle; explicit offsets still commit; poll errors retry or fail', async () => {
    const idle = await startSourceTask(lines([null]).connector, { props: props() });
    expect(await pollSource(idle, { offsets: () => null })).toMatchObject({ outcome: 'idle', records: [], sourceOffsets: [] });
    const advanced = await startSourceTask(lines([{ records: [], sourceOffsets: [{ partition: { f: 1 }, offset: { p: 3 } }] }]).connector, { props: props() });
    expect(await pollSource(advanced, { offsets: () => null })).toMatchObject({ outcome: 'idle', sourceOffsets: [{ partition: { f: 1 }, offset: { p: 3 } }] });
    const clock = fakeClock();
    const busy = await startSourceTask(lines([new RetriableException('later')]).connector, { props: props({ 'errors.retry.timeout': '1000' }), clock });
    expect(await pollSource(busy, { offsets: () => null })).toMatchObject({ outcome: 'retry', error: { stage: 'TASK_POLL' } });
    expect(clock.slept.reduce((a, b) => a + b, 0)).toBe(1000);
    const broken = await startSourceTask(lines([new Error('gone')]).connector, { props: props() });
    expect(await pollSource(broken, { offsets: () => null })).toMatchObject({ outcome: 'failed', error: { message: 'gone' } });
  });

  it('partition keys do not depend on key order', () => {
    expect(partitionKey({ b: 1, a: { d: 2, c: 3 } })).toBe(partitionKey({ a: { c: 3, d: 2 }, b: 1 }));
  });
});
