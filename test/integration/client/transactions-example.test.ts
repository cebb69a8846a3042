// The README's Transactions example, run as a user would (`import { Sluice } from 'sluice'`
// resolves through the package's self-reference), against a real dev server.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Sluice } from '../../../lib/client/index.ts';
import { useDevServer } from './devServer.ts';
import { runExample } from './runExample.ts';

const ROOT = new URL('../../..', import.meta.url).pathname;
const EXAMPLE = join(ROOT, 'lib/client/examples/transactions.ts');

const dev = useDevServer();

async function values(sluice: Sluice, topic: string): Promise<string[]> {
  const out: string[] = [];
  for await (const batch of sluice.reader({ topic, from: 'earliest' })) for (const r of batch.records) out.push(r.value!.toString());
  return out;
}

describe('the README Transactions example', () => {
  it('is the example file, word for word', () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const section = readme.slice(readme.indexOf('\n## Transactions'));
    const block = /```ts\n([\s\S]*?)\n```/.exec(section)?.[1];

    expect(block).toBe(readFileSync(EXAMPLE, 'utf8').trimEnd());
  });

  it('commits a debit and a credit together and aborts the failing transfer', { timeout: 60_000 }, async () => {
    const r = await runExample(EXAMPLE, dev.url);

    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines).toEqual([
      expect.stringMatching(/^committed debits partition \d offset 0$/),
      expect.stringMatching(/^committed credits partition \d offset 0$/),
      'aborted: insufficient funds',
    ]);
    const sluice = new Sluice({ endpoint: dev.url });
    expect(await values(sluice, 'debits')).toEqual(['{"transfer":"t1","amount":-50}']);
    expect(await values(sluice, 'credits')).toEqual(['{"transfer":"t1","amount":50}']);
  });
});
