// The CLI parses and prints over the SDK: it reaches the product only through lib/client
// (and the servers it runs: lib/local for `sluice dev`, the console's own server for
// `sluice console`, the gateway's process entry for `sluice gateway`), never through the
// server's modules.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(new URL('../../..', import.meta.url).pathname);
const CLI = join(ROOT, 'lib/cli');
/** The benchmarks are a product of their own (lib/bench), not the CLI's commands. */
const isBench = (file: string) => file.includes('/bench/') || file.endsWith('/commands/bench.ts');
/** The few modules outside lib/client one command may serve: the dev server, the console's signing proxy, a gateway node. */
const SERVED: Record<string, (target: string) => boolean> = {
  'commands/dev.ts': (target) => target.startsWith('local/'),
  'commands/console.ts': (target) => target === 'console/server/standalone.ts',
  'commands/gateway.ts': (target) => target === 'gateway/main.ts',
};
const served = (file: string, target: string) => SERVED[relative(CLI, file)]?.(target) ?? false;

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return sources(path);
    return e.name.endsWith('.ts') ? [path] : [];
  });
}

describe('the CLI', () => {
  it('imports nothing of lib/ but lib/client and the servers its commands run', () => {
    const outside: string[] = [];
    for (const file of sources(CLI).filter((f) => !isBench(f))) {
      const text = readFileSync(file, 'utf8');
      for (const m of text.matchAll(/(?:from\s+|import\()\s*'(\.[^']+)'/g)) {
        const target = relative(join(ROOT, 'lib'), resolve(dirname(file), m[1]!));
        const area = target.split('/')[0];
        if (area !== 'cli' && area !== 'client' && !served(file, target)) outside.push(`${relative(ROOT, file)} -> ${target}`);
      }
    }
    expect(outside).toEqual([]);
  });
});
