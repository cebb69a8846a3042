// A processor as a long-running process (StreamsApp): killed with SIGKILL in the middle
// of a batch (its outputs uploaded, the commit not made), a second instance carries on
// from what is committed, and the checker over the whole output topic and the store
// finds every count exactly once.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { Log } from '../../../lib/log/index.ts';
import { storageEnvironment } from '../../../lib/storage/definitions.ts';
import { StreamsApp } from '../../../lib/streams/index.ts';
import { Processors } from '../../../lib/streams/service.ts';
import { useTestStorage } from '../../support/stack.ts';
import { sharedEmulatorsEnv } from '../client/devServer.ts';
import { expectedCounts, wordCount } from './fixtures/wordCount.ts';
import { checkOutput } from './helpers.ts';

const storage = useTestStorage();
const FIXTURE = new URL('./fixtures/longRunning.ts', import.meta.url).pathname;
const LINES = Array.from({ length: 12 }, (_, i) => ['a b c', 'b c', 'c a d', 'e', 'a a b'][i % 5]!);

/** Runs the fixture until it prints "mid-batch", then kills it (SIGKILL). */
function killMidBatch(env: NodeJS.ProcessEnv): Promise<{ signal: NodeJS.Signals | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', FIXTURE], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.stdout.on('data', (d: Buffer) => {
      output += d.toString();
      if (output.includes('mid-batch')) child.kill('SIGKILL');
    });
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.on('error', reject);
    child.on('exit', (_code, signal) => {
      clearTimeout(timer);
      resolve({ signal, output });
    });
  });
}

async function untilCaughtUp(processors: Processors, name: string): Promise<void> {
  for (let i = 0; i < 1200; i++) {
    const { lag } = await processors.describe(name);
    if (lag.length > 0 && lag.every((l) => l.lag === 0)) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`processor ${name} never caught up`);
}

describe('a long-running processor (StreamsApp)', () => {
  it('killed mid-batch, a second instance continues: every effect exactly once in the output and the store', async () => {
    const id = randomBytes(4).toString('hex');
    const names = { APP: `wc-${id}`, LINES: `lines-${id}`, COUNTS: `counts-${id}` };
    const log = new Log(storage.clients);
    for (const topic of [names.LINES, names.COUNTS]) await log.createTopic({ name: topic, partitions: 2 });
    for (const [i, line] of LINES.entries()) await log.append(names.LINES, i % 2, { records: [{ key: null, value: Buffer.from(line), timestamp: 1_000 + i }] });

    const killed = await killMidBatch({ ...process.env, ...sharedEmulatorsEnv(), ...storageEnvironment(storage.config.names), ...names, HANG_AT_UPLOAD: '5' });
    expect(killed.output).toContain('mid-batch');
    expect(killed.signal).toBe('SIGKILL');
    const processors = new Processors(storage.clients);
    const before = await processors.describe(names.APP);
    expect(before.lag.some((l) => l.lag > 0)).toBe(true);

    const second = new StreamsApp(wordCount(names.LINES, names.COUNTS), { 'application.id': names.APP }, { clients: storage.clients, maxBatchRecords: 2, idle: { minMs: 5, maxMs: 50 } });
    await second.start();
    try {
      await untilCaughtUp(processors, names.APP);
    } finally {
      await second.stop();
    }
    const expected = expectedCounts(LINES);
    expect(await checkOutput(log, names.COUNTS, 2)).toEqual(expected);
    for (const [word, n] of expected) expect(await processors.get(names.APP, 'counts', word)).toEqual({ key: word, value: n });
  });
});
