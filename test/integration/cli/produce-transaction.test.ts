// `sluice produce --transactional-id ID`: all of stdin in one transaction, against a real
// dev server: every line visible at once, or (a bad line) none.
import { randomBytes } from 'node:crypto';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { Sluice } from '../../../lib/client/index.ts';
import { produceTransaction } from '../../../lib/cli/commands/produce.ts';
import { CliError } from '../../../lib/cli/errors.ts';
import { useDevServer } from '../client/devServer.ts';

const dev = useDevServer();
const name = (prefix: string) => `${prefix}-${randomBytes(4).toString('hex')}`;

async function values(sluice: Sluice, topic: string): Promise<string[]> {
  const out: string[] = [];
  for await (const batch of sluice.reader({ topic, from: 'earliest' })) for (const r of batch.records) out.push(`${r.key ?? ''}:${r.value}`);
  return out.sort();
}

describe('produce --transactional-id', () => {
  it('commits every line of the input in one transaction', async () => {
    const sluice = new Sluice({ endpoint: dev.url });
    const topic = name('t');
    await sluice.admin().createTopic({ name: topic, partitions: 3 });
    const input = new PassThrough();
    const lines = Array.from({ length: 500 }, (_, i) => `k${i}:v${i}`);

    const run = produceTransaction(sluice, topic, input, name('load'), { keySeparator: ':', producer: { batchBytes: 2048 } });
    for (let i = 0; i < lines.length; i += 100) input.write(`${lines.slice(i, i + 100).join('\n')}\n`);
    input.end();

    expect(await run).toBe(500);
    expect(await values(sluice, topic)).toEqual([...lines].sort());
  });

  it('commits nothing when a line is bad, even after earlier lines were staged', async () => {
    const sluice = new Sluice({ endpoint: dev.url });
    const topic = name('t');
    await sluice.admin().createTopic({ name: topic });
    const input = new PassThrough();
    const good = Array.from({ length: 200 }, (_, i) => `k${i}:v${i}`).join('\n');

    const run = produceTransaction(sluice, topic, input, name('load'), { keySeparator: ':', producer: { batchBytes: 512 } });
    input.write(`${good}\n`);
    input.end('no separator here\n');

    const err = await run.catch((e) => e);
    expect(err).toBeInstanceOf(CliError);
    expect(err.message).toMatch(/line 201.*nothing was committed/);
    expect(await values(sluice, topic)).toEqual([]);
  });
});
