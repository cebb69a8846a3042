// The CLI parses and prints over the SDK: it reaches the product only through lib/client
// (and the two servers it runs: lib/local for `sluice dev`, the gateway's process entry
// for `sluice gateway`), never through the server's modules.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(new URL('../../..', import.meta.url).pathname);
const CLI = join(ROOT, 'lib/cli');
/** The benchmarks are a product of their own (lib/bench), not the CLI's commands. */
const isBench = (file: string) => file.includes('/bench/') || file.endsWith('/commands/bench.ts');

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return sources(path);
    return e.name.endsWith('.ts') ? [path] : [];
  });
}

describe('the CLI', () => {
  it('imports nothing of lib/ but lib/client, lib/local for the dev server and the gateway process for the gateway', () => {
    const outside: string[] = [];
    for (const file of sources(CLI).filter((f) => !isBench(f))) {
      const text = readFileSync(file, 'utf8');
      for (const m of text.matchAll(/(?:from\s+|import\()\s*'(\.[^']+)'/g)) {
        const target = relative(join(ROOT, 'lib'), resolve(dirname(file), m[1]!));
        const area = target.split('/')[0];
        const server =
          (area === 'local' && file.endsWith('/commands/dev.ts')) || (target === 'gateway/main.ts' && file.endsWith('/commands/gateway.ts'));
        if (area !== 'cli' && area !== 'client' && !server) outside.push(`${relative(ROOT, file)} -> ${target}`);
      }
    }
    expect(outside).toEqual([]);
  });
});
