// The processors' routes through the SDK and the CLI against a real dev server: a word
// count run by the processor runtime on the server's storage, then listed, described
// (lag per input partition), queried by key and reset over HTTP; a windowed count whose
// windows of a key are read in a time range, bad ranges refused with 400 INVALID_REQUEST.
import { randomBytes } from 'node:crypto';
import { describe, expect, it, vi } from 'vitest';
import { buildProgram } from '../../../lib/cli/main.ts';
import { InvalidRequestError, KeyNotFoundError, Sluice, UnknownProcessorError, UnknownStateStoreError } from '../../../lib/client/index.ts';
import { Log } from '../../../lib/log/index.ts';
import { Grouped, Materialized, Produced, Serdes, StreamsBuilder, TimeWindows } from '../../../lib/streams/index.ts';
import { ProcessorRuntime } from '../../../lib/streams/runtime/processor.ts';
import { useDevServer } from './devServer.ts';

const dev = useDevServer();
const id = () => randomBytes(4).toString('hex');

async function wordCountOnServer() {
  const suffix = id();
  const names = { app: `wc-${suffix}`, lines: `lines-${suffix}`, counts: `counts-${suffix}` };
  const sluice = new Sluice({ endpoint: dev.url });
  await sluice.admin().createTopic({ name: names.lines, partitions: 2 });
  await sluice.admin().createTopic({ name: names.counts, partitions: 2 });
  const log = new Log(dev.server.stack.clients);
  await log.append(names.lines, 0, { records: [{ key: null, value: Buffer.from('to be or not to be'), timestamp: 1 }] });
  const b = new StreamsBuilder();
  b.stream<string, string>(names.lines, { key: Serdes.string(), value: Serdes.string() })
    .flatMapValues((line) => line.split(' '))
    .groupBy((_k, w) => w, Grouped.with(Serdes.string(), Serdes.string()))
    .count(Materialized.as('counts'))
    .toStream()
    .to(names.counts, Produced.with(Serdes.string(), Serdes.long()));
  const runtime = await ProcessorRuntime.create(log, b.build(), { 'application.id': names.app }, 'wordCount.ts');
  await runtime.runOnce();
  await log.append(names.lines, 1, { records: [{ key: null, value: Buffer.from('be'), timestamp: 2 }] });
  return { names, sluice, runtime };
}

/** 2023-11-14T22:14:00Z, on a minute boundary. */
const T = 1_700_000_040_000;
const MIN = 60_000;

/**
 * Page views per user per minute (grace one hour, so the runtime's wall clock moving on
 * closes nothing): alice has 1 view in [T, T+1m) and 2 in [T+1m, T+2m), bob 1 in [T, T+1m).
 */
async function windowedCountOnServer() {
  const suffix = id();
  const names = { app: `views-${suffix}`, views: `page-views-${suffix}` };
  const sluice = new Sluice({ endpoint: dev.url });
  await sluice.admin().createTopic({ name: names.views, partitions: 1 });
  const log = new Log(dev.server.stack.clients);
  const view = (user: string, timestamp: number) => ({ key: Buffer.from(user), value: Buffer.from('"/home"'), timestamp });
  await log.append(names.views, 0, { records: [view('alice', T + 1000), view('alice', T + MIN + 2000), view('bob', T + 3000), view('alice', T + MIN + 5000)] });
  const b = new StreamsBuilder();
  b.stream<string, string>(names.views, { key: Serdes.string() }).groupByKey().windowedBy(TimeWindows.ofSizeAndGrace(MIN, 60 * MIN)).count(Materialized.as('per-user'));
  await (await ProcessorRuntime.create(log, b.build(), { 'application.id': names.app }, 'views.ts')).runOnce();
  return { names, sluice };
}

async function cli(...args: string[]): Promise<string> {
  const chunks: string[] = [];
  const spy = vi.spyOn(process.stdout, 'write').mockImplementation((c: string | Uint8Array) => {
    chunks.push(String(c));
    return true;
  });
  try {
    await buildProgram().parseAsync([...args, '--endpoint', dev.url], { from: 'user' });
  } finally {
    spy.mockRestore();
  }
  return chunks.join('');
}

describe('Processors over HTTP', () => {
  it('lists, describes with lag, answers queries by key and resets', async () => {
    const { names, sluice } = await wordCountOnServer();
    const processors = sluice.processors();

    expect((await processors.list()).find((p) => p.name === names.app)).toMatchObject({ inputs: [names.lines], outputs: [names.counts] });
    const d = await processors.describe(names.app);
    expect(d.lag.filter((l) => l.topic === names.lines)).toEqual([
      { topic: names.lines, partition: 0, offset: 1, highWatermark: 1, lag: 0 },
      { topic: names.lines, partition: 1, offset: 0, highWatermark: 1, lag: 1 },
    ]);
    expect(d.stores.map((s) => s.name)).toEqual(['counts']);

    expect(await processors.query(names.app, 'counts', 'be')).toEqual({ key: 'be', value: 2 });
    expect(await processors.query(names.app, 'counts', 'never')).toBeUndefined();
    await expect(processors.query(names.app, 'nope', 'be')).rejects.toBeInstanceOf(UnknownStateStoreError);
    await expect(processors.describe(`missing-${id()}`)).rejects.toBeInstanceOf(UnknownProcessorError);

    const reset = await processors.reset(names.app);
    expect(reset.deletedTasks).toBeGreaterThan(0);
    expect(await processors.query(names.app, 'counts', 'be')).toBeUndefined();
  });

  it('answers 404 KEY_NOT_FOUND for a key without a value', async () => {
    const { names } = await wordCountOnServer();
    const res = await fetch(`${dev.url}/v1/processors/${names.app}/stores/counts/keys/absent`);
    expect(res.status).toBe(404);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe(new KeyNotFoundError('x').code);
  });

  it('sluice processors list|describe|query|reset go over the SDK', async () => {
    const { names } = await wordCountOnServer();
    expect(await cli('processors', 'list')).toContain(names.app);
    const described = await cli('processors', 'describe', names.app);
    expect(described).toMatch(new RegExp(`${names.lines}\\s+1\\s+0\\s+1\\s+1`));
    expect(JSON.parse(await cli('processors', 'query', names.app, 'counts', 'to'))).toEqual({ key: 'to', value: 2 });
    expect(await cli('processors', 'reset', names.app)).toContain(`Reset processor ${names.app}`);
  });

  it("answers a windowed store's windows of a key in a time range over the SDK", async () => {
    const { names, sluice } = await windowedCountOnServer();
    const processors = sluice.processors();
    expect(await processors.windows(names.app, 'per-user', 'alice')).toEqual([
      { start: T, end: T + MIN, value: 1 },
      { start: T + MIN, end: T + 2 * MIN, value: 2 },
    ]);
    expect(await processors.windows(names.app, 'per-user', 'alice', { from: T + 1, to: T + 10 * MIN })).toEqual([{ start: T + MIN, end: T + 2 * MIN, value: 2 }]);
    expect(await processors.windows(names.app, 'per-user', 'bob', { to: T })).toEqual([{ start: T, end: T + MIN, value: 1 }]);
    expect(await processors.windows(names.app, 'per-user', 'carol')).toEqual([]);
    await expect(processors.windows(names.app, 'per-user', 'alice', { from: T, to: T - 1 })).rejects.toBeInstanceOf(InvalidRequestError);
  });

  it.each([
    ['a from that is not a number', 'from=soon'],
    ['a to that is not an integer', 'to=1.5'],
    ['a from after the to', 'from=20&to=10'],
    ['a bound given twice', 'from=1&from=2'],
    ['an unknown parameter', 'since=0'],
  ])('refuses %s with 400 INVALID_REQUEST', async (_what, query) => {
    const { names } = await windowedCountOnServer();
    const res = await fetch(`${dev.url}/v1/processors/${names.app}/stores/per-user/keys/alice/windows?${query}`);
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('INVALID_REQUEST');
  });

  it('sluice processors windows, and query with --from/--to, print the windows of a key', async () => {
    const { names } = await windowedCountOnServer();
    const text = await cli('processors', 'windows', names.app, 'per-user', 'alice');
    expect(text).toMatch(/^2023-11-14T22:14:00\.000Z\s+2023-11-14T22:15:00\.000Z\s+1$/m);
    expect(text).toMatch(/^2023-11-14T22:15:00\.000Z\s+2023-11-14T22:16:00\.000Z\s+2$/m);
    expect(JSON.parse(await cli('processors', 'query', names.app, 'per-user', 'alice', '--from', String(T + 1), '--json'))).toEqual({
      key: 'alice',
      windows: [{ start: T + MIN, end: T + 2 * MIN, value: 2 }],
    });
    expect(JSON.parse(await cli('processors', 'windows', names.app, 'per-user', 'alice', '--to', '2023-11-14T22:14:59Z', '--json')).windows).toEqual([
      { start: T, end: T + MIN, value: 1 },
    ]);
    expect(await cli('processors', 'windows', names.app, 'per-user', 'carol')).toContain('no windows of key carol');
  });
});
