// The README's SDK example, run as a user would (`import { Sluice } from 'sluice'`
// resolves through the package's self-reference), against a real dev server.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Sluice } from '../../../lib/client/index.ts';
import { useDevServer } from './devServer.ts';
import { runExample } from './runExample.ts';

const ROOT = new URL('../../..', import.meta.url).pathname;
const EXAMPLE = join(ROOT, 'lib/client/examples/quickstart.ts');

const dev = useDevServer();

describe('the README SDK example', () => {
  it('is the example file, word for word', () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const sdk = readme.slice(readme.indexOf('\n## SDK'));
    const block = /```ts\n([\s\S]*?)\n```/.exec(sdk)?.[1];

    expect(block).toBe(readFileSync(EXAMPLE, 'utf8').trimEnd());
  });

  it('produces three orders and bills them through a consumer group', { timeout: 60_000 }, async () => {
    const r = await runExample(EXAMPLE, dev.url);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split('\n');
    const sent = lines.filter((l) => l.startsWith('sent '));
    const billed = lines.filter((l) => l.startsWith('billed '));
    expect(sent).toHaveLength(3);
    expect(sent[0]).toMatch(/^sent alice 200 to partition \d at offset 0$/);
    expect(sent[1]).toMatch(/^sent bob 50 to partition \d at offset [01]$/);
    // Same key, same partition, later offset.
    const alice = /partition (\d)/.exec(sent[0]!)![1];
    expect(sent[2]).toMatch(new RegExp(`^sent alice 75 to partition ${alice} at offset [12]$`));
    expect(billed.map((l) => l.replace(/ \(.*\)$/, '')).sort()).toEqual(['billed alice 200', 'billed alice 75', 'billed bob 50']);
    expect(billed.filter((l) => l.startsWith('billed alice')).map((l) => l.split(' ')[2])).toEqual(['200', '75']);

    // The group committed everything it billed and left.
    const group = await new Sluice({ endpoint: dev.url }).admin().describeGroup('billing');
    expect(group).toMatchObject({ state: 'Empty', lag: 0 });
  });
});
