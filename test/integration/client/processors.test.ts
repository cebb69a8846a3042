// The processors' routes through the SDK and the CLI against a real dev server: a word
// count run by the processor runtime on the server's storage, then listed, described
// (lag per input partition), queried by key and reset over HTTP.
import { randomBytes } from 'node:crypto';
import { describe, expect, it, vi } from 'vitest';
import { buildProgram } from '../../../lib/cli/main.ts';
import { KeyNotFoundError, Sluice, UnknownProcessorError, UnknownStateStoreError } from '../../../lib/client/index.ts';
import { Log } from '../../../lib/log/index.ts';
import { Grouped, Materialized, Produced, Serdes, StreamsBuilder } from '../../../lib/streams/index.ts';
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
});
