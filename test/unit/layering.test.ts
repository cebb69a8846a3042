// The dependency rule of DESIGN.md ("Layout"): layers point down only. Computed over the
// import graph of lib/, functions/ and cdk/ (every import, re-export and dynamic import,
// read with TypeScript's own pre-processor), so an import that points the wrong way fails
// here with the file, the import and the rule it breaks.
//
//   core       nothing of lib
//   records    core
//   storage    core, records
//   features   core, records, storage, and the features they build on: log is the base
//              of all; groups and subscriptions build on log; streams (processors are
//              subscriptions of another kind) and connect (sinks are subscriptions) on
//              log and subscriptions; gateway on log and groups
//   api        core and features
//   runtime    api, core and features
//   functions  runtime, api and features
//   cdk        core, storage (the table and bucket definitions), api (the route table)
//              and features (what it deploys and checks at synth time)
//   client     core and records (the SDK speaks Kafka's batch format)
//   cli        client; commands/dev.ts also local (`sluice dev`), commands/bench.ts
//              also bench (`sluice bench`), commands/console.ts the console's proxy,
//              commands/gateway.ts a gateway node
//   console    client
//   bench, local   anything
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(new URL('../..', import.meta.url).pathname);

const FEATURES = ['log', 'groups', 'subscriptions', 'streams', 'connect', 'gateway'] as const;
const BELOW_FEATURES = ['core', 'records', 'storage'];

/** What each area may import (besides itself). */
const ALLOWED: Record<string, readonly string[] | 'anything'> = {
  core: [],
  records: ['core'],
  storage: ['core', 'records'],
  log: BELOW_FEATURES,
  groups: [...BELOW_FEATURES, 'log'],
  subscriptions: [...BELOW_FEATURES, 'log'],
  streams: [...BELOW_FEATURES, 'log', 'subscriptions'],
  connect: [...BELOW_FEATURES, 'log', 'subscriptions'],
  gateway: [...BELOW_FEATURES, 'log', 'groups'],
  api: ['core', ...FEATURES],
  runtime: ['api', 'core', ...FEATURES],
  functions: ['runtime', 'api', ...FEATURES],
  cdk: ['core', 'storage', 'api', ...FEATURES],
  client: ['core', 'records'],
  cli: ['client'],
  console: ['client'],
  bench: 'anything',
  local: 'anything',
};

/** Single files allowed more than their area, and why. */
const EXCEPTIONS: Record<string, readonly string[]> = {
  'lib/cli/commands/dev.ts': ['local'], // `sluice dev` runs the local stack
  'lib/cli/commands/bench.ts': ['bench'], // `sluice bench` parses and calls lib/bench
  'lib/cli/commands/console.ts': ['console'], // `sluice console` runs the console's signing proxy
  'lib/cli/commands/gateway.ts': ['gateway'], // `sluice gateway` runs a gateway node
};

/**
 * Imports that break the rule today and are known: each is fixed by its own change
 * (listed so that this test guards everything else meanwhile). An entry that no longer
 * occurs fails the test, so the list only shrinks.
 */
const KNOWN_VIOLATIONS: readonly string[] = [];

/** lib/X/... → X; functions/... → functions; cdk/... → cdk. */
function areaOf(file: string): string | undefined {
  const parts = file.split('/');
  if (parts[0] === 'lib') return parts.length > 2 ? parts[1] : undefined;
  if (parts[0] === 'functions' || parts[0] === 'cdk') return parts[0];
  return undefined;
}

function sources(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return sources(path);
    return /\.(ts|mts|mjs|js)$/.test(e.name) && !e.name.endsWith('.d.ts') ? [path] : [];
  });
}

/** Every relative module a file imports, as a path from the repository root. */
function importsOf(file: string): string[] {
  const info = ts.preProcessFile(readFileSync(join(ROOT, file), 'utf8'), true, true);
  return info.importedFiles
    .map((f) => f.fileName)
    .filter((spec) => spec.startsWith('.'))
    .map((spec) => relative(ROOT, resolve(ROOT, dirname(file), spec)));
}

function violations(): string[] {
  const found: string[] = [];
  for (const file of ['lib', 'functions', 'cdk'].flatMap(sources)) {
    const from = areaOf(file);
    if (!from) continue;
    const allowed = ALLOWED[from];
    if (allowed === undefined) {
      found.push(`${file}: lib/${from} is not a known layer (add it to DESIGN.md's layout and to this test)`);
      continue;
    }
    if (allowed === 'anything') continue;
    for (const target of importsOf(file)) {
      const to = areaOf(target);
      if (!to || to === from || allowed.includes(to) || EXCEPTIONS[file]?.includes(to)) continue;
      found.push(`${file} -> ${target} (${from} may import ${allowed.length ? allowed.join(', ') : 'nothing of lib'})`);
    }
  }
  return found.sort();
}

describe('the dependency rule', () => {
  const found = violations();

  it('every import points down the layers of DESIGN.md', () => {
    expect(found.filter((v) => !KNOWN_VIOLATIONS.some((k) => v.startsWith(`${k} `)))).toEqual([]);
  });

  it('lists no known violation that is gone', () => {
    expect(KNOWN_VIOLATIONS.filter((k) => !found.some((v) => v.startsWith(`${k} `)))).toEqual([]);
  });
});
