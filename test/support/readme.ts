// The README's walkthroughs as the tests run them: a section's code blocks by language,
// the `sluice` CLI (the package's bin) running a block in bash against a dev server, and
// the `sluice connectors create` commands of a block with their settings.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Sluice } from '../../lib/client/sluice.ts';
import { outputOf } from './processes.ts';

export const ROOT = new URL('../..', import.meta.url).pathname;
const BIN = join(ROOT, 'lib/cli/bin.mjs');

export const readme = (): string => readFileSync(join(ROOT, 'README.md'), 'utf8');

/**
 * The text of the README section under `heading` (e.g. '## Connectors'), up to the next
 * heading of its level or above; without its subsections when `subsections` is false.
 */
export function readmeSection(heading: string, opts: { subsections?: boolean } = {}): string {
  const text = readme();
  const start = text.indexOf(`\n${heading}\n`);
  if (start < 0) throw new Error(`README has no section ${heading}`);
  const level = heading.indexOf(' ');
  const next = new RegExp(`\\n#{1,${opts.subsections === false ? 6 : level}} `, 'g');
  next.lastIndex = start + heading.length + 1;
  const end = next.exec(text)?.index ?? text.length;
  return text.slice(start, end);
}

/** The ```lang blocks of a section, in order. */
export const codeBlocks = (section: string, lang: string): string[] =>
  [...section.matchAll(new RegExp('```' + lang + '\\n([\\s\\S]*?)```', 'g'))].map((m) => m[1]!);

export type Output = { code: number | null; stdout: string; stderr: string };

/** Runs a block with bash -euo pipefail in `cwd`, `sluice` being the package's bin pointed at `endpoint`. */
export function runBlock(script: string, opts: { cwd: string; endpoint: string }): Promise<Output> {
  const child = spawn('bash', ['-euo', 'pipefail', '-c', `sluice() { node ${JSON.stringify(BIN)} "$@"; }\n${script}`], {
    cwd: opts.cwd,
    env: { ...process.env, SLUICE_ENDPOINT: opts.endpoint, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return outputOf(child);
}

/** `--config k=v` pairs of each `sluice connectors create NAME ...` command in a block. */
export function connectorCreates(block: string): { name: string; config: Record<string, string> }[] {
  const commands = block.replace(/\\\n\s*/g, ' ').split('\n').filter((l) => l.startsWith('sluice connectors create '));
  return commands.map((c) => {
    const name = c.split(/\s+/)[3]!;
    const config: Record<string, string> = {};
    for (const m of c.matchAll(/--config ("([^"]*)"|(\S+))/g)) {
      const pair = (m[2] ?? m[3]!).replace(/^'|'$/g, '');
      const eq = pair.indexOf('=');
      config[pair.slice(0, eq)] = pair.slice(eq + 1);
    }
    return { name, config };
  });
}

/**
 * Lines of output that do not match the README's shown lines, `…` standing for any text
 * (a time, an LSN, a transaction id): none when the README shows what is printed.
 */
export function matchesShown(shown: string, output: string): { line: string; pattern: string }[] {
  // Trailing blanks are not shown (a tombstone's empty value after '%k %v').
  const patterns = shown.trimEnd().split('\n').map((l) => l.trimEnd());
  const lines = output.trimEnd().split('\n').map((l) => l.trimEnd());
  const misses: { line: string; pattern: string }[] = [];
  for (let i = 0; i < Math.max(patterns.length, lines.length); i++) {
    const pattern = patterns[i] ?? '';
    const re = new RegExp(`^${pattern.split('…').map((p) => p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('.+?')}$`);
    if (!re.test(lines[i] ?? '')) misses.push({ line: lines[i] ?? '', pattern });
  }
  return misses;
}

/**
 * How many records `topic` holds once it holds `count` (or after `timeoutMs`): what a
 * walkthrough's "within a few seconds" waits for before its next step.
 */
export async function recordsOnceAtLeast(endpoint: string, topic: string, count: number, timeoutMs = 30_000): Promise<number> {
  const admin = new Sluice({ endpoint }).admin();
  let held = 0;
  for (const deadline = Date.now() + timeoutMs; Date.now() < deadline; await new Promise((r) => setTimeout(r, 200))) {
    const topicNow = await admin.describeTopic(topic).catch(() => undefined);
    held = topicNow?.partitions.reduce((n, p) => n + p.highWatermark - p.logStartOffset, 0) ?? 0;
    if (held >= count) break;
  }
  return held;
}

/** A block of SQL statements one by one, as psql runs them (each its own transaction unless inside BEGIN ... COMMIT). */
export const sqlStatements = (block: string): string[] =>
  block
    .split(/;\s*\n/)
    .map((s) => s.trim())
    .filter(Boolean);
