// The README's stream processing examples are the example files, word for word, and each
// example's test runs as a user would run it (`sluice/streams` resolved through the
// package's self-reference), through the test driver: the word count, the page views per
// user per 5 minutes (grace, suppression, a quiet input closed by the wall clock) and the
// enrichment of orders with customers (a stream-table join).
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = new URL('../../..', import.meta.url).pathname;
const EXAMPLES = [
  { name: 'word count', topology: 'wordCount.ts', check: 'wordCount.check.ts' },
  { name: 'page views', topology: 'pageViews.ts', check: 'pageViews.check.ts' },
  { name: 'enrichment', topology: 'enrichment.ts', check: 'enrichment.check.ts' },
];
const file = (name: string) => readFileSync(join(ROOT, 'lib/streams/examples', name), 'utf8').trimEnd();

function blocksOfSection(): string[] {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const start = readme.indexOf('\n## Stream processing');
  const section = readme.slice(start, readme.indexOf('\n## ', start + 1));
  return [...section.matchAll(/```ts\n([\s\S]*?)\n```/g)].map((m) => m[1]!);
}

describe('the README stream processing section', () => {
  it.each(EXAMPLES)('shows the $name topology and its test, word for word', ({ topology, check }) => {
    const blocks = blocksOfSection();
    expect(blocks).toContain(file(topology));
    expect(blocks).toContain(file(check));
  });

  it.each(EXAMPLES)('runs the $name test through the test driver, its assertions passing', ({ name, check }) => {
    const run = spawnSync(process.execPath, ['--import', 'tsx', join('lib/streams/examples', check)], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(run.stdout).toBe(`${name}: ok\n`);
  });
});
