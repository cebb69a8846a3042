// The README's "Connectors" walkthroughs, run as written: Kafka's file quickstart and the
// S3 archive of a topic and the custom source connector with the real `sluice` CLI against
// a dev server (in a scratch directory, `sluice` being the package's bin; the archive lands
// in the dev server's S3 emulator), and every other connector the section creates
// validated by the API as its create would be.
import { spawn } from 'node:child_process';
import { gunzipSync } from 'node:zlib';
import { CreateBucketCommand, GetObjectCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Sluice } from '../../../lib/client/sluice.ts';
import type { DevServer } from '../../../lib/local/devServer.ts';
import { createStorageClients } from '../../../lib/storage/clients.ts';
import { startTestDevServer } from '../client/devServer.ts';
import { outputOf } from '../../support/processes.ts';

const ROOT = new URL('../../..', import.meta.url).pathname;
const BIN = join(ROOT, 'lib/cli/bin.mjs');
const work = mkdtempSync(join(tmpdir(), 'sluice-quickstart-'));
let dev: DevServer;

beforeAll(async () => {
  // The custom connector example loads from the repository, as from a checkout running `npm start`.
  dev = await startTestDevServer({ moduleDirs: [work, join(ROOT, 'lib/connect/examples')], maintenanceIntervalMs: 0 });
}, 120_000);

afterAll(async () => {
  await dev?.stop();
  rmSync(work, { recursive: true, force: true });
});

/** The ```sh blocks of the README's Connectors section, in order. */
function blocks(): string[] {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const start = readme.indexOf('\n## Connectors\n');
  const section = readme.slice(start, readme.indexOf('\n## ', start + 5));
  return [...section.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1]!);
}

function run(script: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn('bash', ['-euo', 'pipefail', '-c', `sluice() { node ${JSON.stringify(BIN)} "$@"; }\n${script}`], {
    cwd: work,
    env: { ...process.env, SLUICE_ENDPOINT: dev.url, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return outputOf(child);
}

async function sinkFileHas(lines: string[]): Promise<string> {
  const file = join(work, 'test.sink.txt');
  for (const deadline = Date.now() + 30_000; Date.now() < deadline; await new Promise((r) => setTimeout(r, 100))) {
    const text = existsSync(file) ? readFileSync(file, 'utf8') : '';
    if (text.split('\n').filter(Boolean).length >= lines.length) return text;
  }
  return existsSync(file) ? readFileSync(file, 'utf8') : '';
}

/** path.format 'year'=YYYY/'month'=MM/'day'=dd/'hour'=HH of a time, UTC. */
const hourPath = (d: Date) => {
  const two = (n: number) => String(n).padStart(2, '0');
  return `year=${d.getUTCFullYear()}/month=${two(d.getUTCMonth() + 1)}/day=${two(d.getUTCDate())}/hour=${two(d.getUTCHours())}`;
};

/** The bucket's keys and their gunzipped contents once they hold `lines` lines (or after 30 s). */
async function archived(s3: S3Client, bucket: string, lines: number): Promise<{ keys: string[]; text: string }> {
  let found = { keys: [] as string[], text: '' };
  for (const deadline = Date.now() + 30_000; Date.now() < deadline; await new Promise((r) => setTimeout(r, 100))) {
    const res = await s3.send(new ListObjectsV2Command({ Bucket: bucket }));
    const keys = (res.Contents ?? []).map((o) => o.Key!).sort();
    const bodies = await Promise.all(keys.map(async (Key) => gunzipSync(await (await s3.send(new GetObjectCommand({ Bucket: bucket, Key }))).Body!.transformToByteArray()).toString()));
    found = { keys, text: bodies.join('') };
    if (found.text.split('\n').filter(Boolean).length >= lines) return found;
  }
  return found;
}

/** `--config k=v` pairs of each `sluice connectors create NAME ...` command in a block. */
function creates(block: string): { name: string; config: Record<string, string> }[] {
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

describe('the README Connectors section', () => {
  it("runs Kafka's file quickstart with the CLI: a file to a topic to a file, then a line appended, status and pause/resume", { timeout: 90_000 }, async () => {
    const [quickstart, follow] = blocks();
    const first = await run(quickstart!);
    expect(first.stderr).toBe('');
    expect(first.stdout).toBe('Created source connector local-file-source.\nCreated sink connector local-file-sink.\n');
    expect(await sinkFileHas(['foo', 'bar'])).toBe('foo\nbar\n');

    const second = await run(follow!);
    expect(second.stderr).toBe('');
    expect(second.stdout).toMatch(/local-file-sink\s+sink\s+RUNNING\s+0:RUNNING/);
    expect(second.stdout).toContain('Connector local-file-sink (sink): RUNNING\n  task 0: RUNNING');
    expect(second.stdout).toContain('Paused connector local-file-sink.\nResumed connector local-file-sink.');
    expect(await sinkFileHas(['foo', 'bar', 'Another line'])).toBe('foo\nbar\nAnother line\n');
  });

  it("archives a topic into the dev server's S3: gzipped JSON lines under the hour's path, named from the first offset", { timeout: 60_000 }, async () => {
    const s3: S3Client = createStorageClients(dev.stack.config).s3;
    await s3.send(new CreateBucketCommand({ Bucket: 'my-archive' }));
    const hours = [new Date()];
    const archive = blocks()[2]!;

    const res = await run(archive);
    hours.push(new Date());

    expect(res.stderr).toBe('');
    expect(res.stdout).toContain('Created sink connector orders-archive.');
    const { keys, text } = await archived(s3, 'my-archive', 2);
    const paths = hours.map((d) => `topics/orders/${hourPath(d)}/orders+0+0000000000.json.gz`);
    expect(paths).toContain(keys[0]);
    expect(text).toBe('{"id":1,"total":9.5}\n{"id":2,"total":20}\n');
  });

  it('runs the custom source connector: its module is the example file, word for word, and its ticks arrive once each', { timeout: 60_000 }, async () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    expect(readme).toContain('```ts\n' + readFileSync(join(ROOT, 'lib/connect/examples/tickSource.ts'), 'utf8') + '```');
    const custom = blocks().at(-1)!;
    expect(custom).toContain('connector.class=lib/connect/examples/tickSource.ts');

    const res = await run(custom);

    expect(res.stderr).toBe('Processed a total of 3 messages\n');
    expect(res.stdout).toContain('Created source connector ticks.');
    const ticks = res.stdout.split('\n').filter((l) => l.includes('tick '));
    expect(ticks.map((l) => l.match(/tick \d+/)![0])).toEqual(['tick 1', 'tick 2', 'tick 3']);
  });

  it('creates only connectors the API validates without an error', async () => {
    const connectors = new Sluice({ endpoint: dev.url }).connectors();
    const all = blocks().slice(2).flatMap(creates);
    expect(all.map((c) => c.name)).toEqual(['orders-archive', 'users-cdc', 'shop-cdc', 'ticks']);
    for (const c of all) {
      const infos = await connectors.validate(c.config['connector.class']!, { name: c.name, ...c.config });
      expect(infos.configs.filter((x) => x.value.errors.length).map((x) => [x.definition.name, x.value.errors]), c.name).toEqual([]);
    }
  });
});
