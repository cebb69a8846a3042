// The README's "Connectors" walkthroughs, run as written: Kafka's file quickstart, the S3
// archive of a topic, the custom source connector and "Capture changes from DynamoDB"
// with the real `sluice` CLI against a dev server (in a scratch directory, `sluice` being
// the package's bin; the archive lands in the dev server's S3 emulator, the users table in
// its DynamoDB), and every other connector the section creates validated by the API as
// its create would be. ("Capture changes from PostgreSQL" needs a PostgreSQL:
// cdc/postgres/readme.test.ts.)
import { gunzipSync } from 'node:zlib';
import { CreateBucketCommand, GetObjectCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Sluice } from '../../../lib/client/sluice.ts';
import { writeAwsEnv } from '../../../lib/local/awsEnv.ts';
import type { DevServer } from '../../../lib/local/devServer.ts';
import { createStorageClients } from '../../../lib/storage/clients.ts';
import { startTestDevServer } from '../client/devServer.ts';
import { codeBlocks, connectorCreates, matchesShown, readme, readmeSection, recordsOnceAtLeast, ROOT, runBlock } from '../../support/readme.ts';
const work = mkdtempSync(join(tmpdir(), 'sluice-quickstart-'));
let dev: DevServer;

beforeAll(async () => {
  // The custom connector example loads from the repository, as from a checkout running `npm start`.
  dev = await startTestDevServer({ moduleDirs: [work, join(ROOT, 'lib/connect/examples')], maintenanceIntervalMs: 0 });
  // The scratch directory stands for the checkout the DynamoDB walkthrough runs in: its lib
  // and node_modules are the repository's, its .sluice/aws.env what `sluice dev` writes on
  // start (the dev server here runs on the test run's emulators, not a data directory).
  symlinkSync(join(ROOT, 'lib'), join(work, 'lib'));
  symlinkSync(join(ROOT, 'node_modules'), join(work, 'node_modules'));
  mkdirSync(join(work, '.sluice'));
  await writeAwsEnv(join(work, '.sluice'), dev.stack.config);
}, 120_000);

afterAll(async () => {
  await dev?.stop();
  rmSync(work, { recursive: true, force: true });
});

/** The ```sh blocks of the README's Connectors section before its subsections, in order. */
const blocks = (): string[] => codeBlocks(readmeSection('## Connectors', { subsections: false }), 'sh');

const run = (script: string) => runBlock(script, { cwd: work, endpoint: dev.url });

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
    expect(readme()).toContain('```ts\n' + readFileSync(join(ROOT, 'lib/connect/examples/tickSource.ts'), 'utf8') + '```');
    const custom = blocks().at(-1)!;
    expect(custom).toContain('connector.class=lib/connect/examples/tickSource.ts');

    const res = await run(custom);

    expect(res.stderr).toBe('Processed a total of 3 messages\n');
    expect(res.stdout).toContain('Created source connector ticks.');
    const ticks = res.stdout.split('\n').filter((l) => l.includes('tick '));
    expect(ticks.map((l) => l.match(/tick \d+/)![0])).toEqual(['tick 1', 'tick 2', 'tick 3']);
  });

  it('captures the changes of a DynamoDB table made with the example script: c, u, d and a tombstone, keyed by the item key', { timeout: 90_000 }, async () => {
    const section = readmeSection('### Capture changes from DynamoDB');
    const [prepare, consume] = codeBlocks(section, 'sh');
    const [shown] = codeBlocks(section, 'text');

    const prepared = await run(prepare!);
    expect(prepared.stderr).toBe('');
    expect(prepared.stdout).toBe(
      'Created table users with a NEW_AND_OLD_IMAGES stream.\nCreated source connector users-cdc.\nInserted, updated and deleted item alice of table users.\n',
    );
    // "Within a few seconds" the topic holds them.
    expect(await recordsOnceAtLeast(dev.url, 'ddb.users', 4)).toBe(4);
    const consumed = await run(consume!);

    expect(consumed.stderr).toBe('Processed a total of 4 messages\n');
    expect(matchesShown(shown!, consumed.stdout)).toEqual([]);
  });

  it('creates only connectors the API validates without an error', async () => {
    const connectors = new Sluice({ endpoint: dev.url }).connectors();
    const all = codeBlocks(readmeSection('## Connectors'), 'sh').slice(2).flatMap(connectorCreates);
    expect(all.map((c) => c.name)).toEqual(['orders-archive', 'ticks', 'shop-cdc', 'users-cdc']);
    for (const c of all) {
      const infos = await connectors.validate(c.config['connector.class']!, { name: c.name, ...c.config });
      expect(infos.configs.filter((x) => x.value.errors.length).map((x) => [x.definition.name, x.value.errors]), c.name).toEqual([]);
    }
  });
});
