// Processors in the dev server (`sluice processors run ./topology.ts`): a topology module
// from an allowed directory is registered, run on head moves and ticks, listed, reloaded
// when its file changes (the new topology takes over from the committed positions and
// state), refused outside the allowed directories, and a stopped processor stays stopped
// across a restart of the dev server until it is started. `processors.settle()` runs one
// pass of every processor and waits for it, so nothing here waits on a clock.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InvalidConfigError, InvalidTargetError } from '../../../lib/core/errors.ts';
import { Sluice } from '../../../lib/client/index.ts';
import { startDevServer, type DevServer } from '../../../lib/local/devServer.ts';
import { uniquePrefix } from '../../support/stack.ts';
import { sharedEmulatorsEnv } from '../client/devServer.ts';

const STREAMS = new URL('../../../lib/streams/index.ts', import.meta.url).pathname;

/** A word count module; `transform` is applied to each word, `sink` is its output topic. */
const moduleText = (transform: 'toLowerCase' | 'toUpperCase', sink: string) => `
import { Grouped, Materialized, Produced, Serdes, StreamsBuilder } from '${STREAMS}';
export const config = { 'application.id': 'wc' };
export default function topology() {
  const builder = new StreamsBuilder();
  builder
    .stream('lines', { key: Serdes.string(), value: Serdes.string() })
    .flatMapValues((line) => line.split(' ').map((w) => w.${transform}()))
    .groupBy((_k, word) => word, Grouped.with(Serdes.string(), Serdes.string()))
    .count(Materialized.as('counts'))
    .toStream()
    .to('${sink}', Produced.with(Serdes.string(), Serdes.long()));
  return builder.build();
}
`;

const prefix = uniquePrefix();
let dir: string;
let outside: string;
let module: string;
let dev: DevServer;
let sluice: Sluice;

function start(): Promise<DevServer> {
  return startDevServer({
    port: 0,
    prefix,
    quiet: true,
    maintenanceIntervalMs: 0,
    moduleDirs: [dir],
    processors: { tickIntervalMs: 0, runtime: { backoff: { baseMs: 1, maxMs: 2 } } },
    env: sharedEmulatorsEnv(),
  });
}

async function restart(): Promise<void> {
  await dev.stop();
  dev = await start();
  sluice = new Sluice({ endpoint: dev.url });
}

async function until<T>(read: () => Promise<T>, ok: (v: T) => boolean, what: string): Promise<T> {
  for (let i = 0; i < 400; i++) {
    const v = await read();
    if (ok(v)) return v;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`gave up waiting for ${what}`);
}

const produce = (...lines: string[]) => sluice.records().produce('lines', lines.map((value) => ({ value })), { encoding: 'string' });
const count = async (word: string) => (await sluice.processors().query('wc', 'counts', word))?.value;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'sluice-procs-'));
  outside = mkdtempSync(join(tmpdir(), 'sluice-procs-outside-'));
  module = join(dir, 'topology.ts');
  writeFileSync(module, moduleText('toLowerCase', 'counts'));
  dev = await start();
  sluice = new Sluice({ endpoint: dev.url });
  for (const name of ['lines', 'counts', 'shouts']) await sluice.admin().createTopic({ name, partitions: 2 });
}, 120_000);

afterAll(async () => {
  await dev?.stop();
  for (const d of [dir, outside]) if (d) rmSync(d, { recursive: true, force: true });
});

describe('sluice processors run (the dev server)', () => {
  it('registers the module, runs it and lists it', async () => {
    await produce('Hello Kafka', 'hello Sluice');
    const summary = await sluice.processors().run(module);
    expect(summary).toEqual(expect.objectContaining({ name: 'wc', entry: module, inputs: ['lines'], outputs: ['counts'], state: 'RUNNING' }));
    await dev.processors.settle();
    expect(await count('hello')).toBe(2);
    expect(await count('sluice')).toBe(1);
    expect(await sluice.processors().list()).toEqual([expect.objectContaining({ name: 'wc', state: 'RUNNING' })]);
  });

  it('reloads the module when it changes: the new topology carries on from the committed positions and state', async () => {
    writeFileSync(module, moduleText('toUpperCase', 'shouts'));
    await until(() => sluice.processors().list(), (l) => l[0]?.outputs[0] === 'shouts', 'the reload');
    await produce('hello again');
    await dev.processors.settle();
    // Records already processed are not processed again; the store was not rebuilt.
    expect(await count('hello')).toBe(2);
    expect(await count('HELLO')).toBe(1);
    const shouts = await Promise.all([0, 1].map((p) => sluice.records().fetch('shouts', p, { offset: 0, encoding: 'string' })));
    expect(shouts.flatMap((f) => f.records.map((r) => r.key)).sort()).toEqual(['AGAIN', 'HELLO']);
  });

  it('refuses a module outside the allowed directories, and a module that exports no topology', async () => {
    const elsewhere = join(outside, 'topology.ts');
    writeFileSync(elsewhere, moduleText('toLowerCase', 'counts'));
    await expect(sluice.processors().run(elsewhere)).rejects.toBeInstanceOf(InvalidTargetError);
    const empty = join(dir, 'empty.ts');
    writeFileSync(empty, 'export const config = { "application.id": "empty" };\n');
    await expect(sluice.processors().run(empty)).rejects.toBeInstanceOf(InvalidConfigError);
    expect((await sluice.processors().list()).map((p) => p.name)).toEqual(['wc']);
  });

  it('keeps a stopped processor stopped across a restart, until it is started', async () => {
    expect(await sluice.processors().stop('wc')).toEqual(expect.objectContaining({ state: 'STOPPED' }));
    await restart();
    expect(dev.processors.names()).toEqual(['wc']);
    await produce('hello stopped');
    await dev.processors.settle();
    expect(await count('HELLO')).toBe(1);
    expect((await sluice.processors().describe('wc')).lag.some((l) => l.topic === 'lines' && l.lag > 0)).toBe(true);

    expect(await sluice.processors().start('wc')).toEqual(expect.objectContaining({ state: 'RUNNING' }));
    await dev.processors.settle();
    expect(await count('HELLO')).toBe(2);
    expect(await count('STOPPED')).toBe(1);
  });
});
