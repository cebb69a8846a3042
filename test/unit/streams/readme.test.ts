// The README's stream processing examples are the example files, word for word, and the
// test of the word count runs as a user would run it (`sluice/streams` resolved through
// the package's self-reference), through the test driver.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = new URL('../../..', import.meta.url).pathname;
const TOPOLOGY = 'lib/streams/examples/wordCount.ts';
const CHECK = 'lib/streams/examples/wordCount.check.ts';

function blocksOfSection(): string[] {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const start = readme.indexOf('\n## Stream processing');
  const section = readme.slice(start, readme.indexOf('\n## ', start + 1));
  return [...section.matchAll(/```ts\n([\s\S]*?)\n```/g)].map((m) => m[1]!);
}

describe('the README stream processing section', () => {
  it('shows the word count topology and its test, word for word', () => {
    const [topology, check] = blocksOfSection();
    expect(topology).toBe(readFileSync(join(ROOT, TOPOLOGY), 'utf8').trimEnd());
    expect(check).toBe(readFileSync(join(ROOT, CHECK), 'utf8').trimEnd());
  });

  it('runs the word count through the test driver, its assertions passing', () => {
    const run = spawnSync(process.execPath, ['--import', 'tsx', CHECK], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(run.stdout).toBe('word count: ok\n');
  });
});
