// Maintenance on the local platform: the dev server's timer runs the same pass the
// schedule runs deployed, and `sluice maintenance run` / POST /v1/maintenance run it now.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpClient } from '../../lib/client/http.ts';
import { startDevServer, type DevServer } from '../../lib/local/devServer.ts';

const BIN = new URL('../../lib/cli/bin.mjs', import.meta.url).pathname;

let server: DevServer;
let client: HttpClient;
let dataDir: string;

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'sluice-maint-'));
  server = await startDevServer({ port: 0, dataDir, quiet: true, maintenanceIntervalMs: 250 });
  client = new HttpClient({ endpoint: server.url });
}, 120_000);

afterAll(async () => {
  await server?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

async function produce(topic: string, values: string[]) {
  await client.json({ method: 'POST', path: `/v1/topics/${topic}/records`, body: { encoding: 'string', records: values.map((value) => ({ value })) } });
}

const partition0 = async (topic: string) =>
  (await client.json<{ partitions: { logStartOffset: number; highWatermark: number }[] }>({ method: 'GET', path: `/v1/topics/${topic}` })).partitions[0]!;

describe('maintenance on the dev server', () => {
  it('the timer applies time retention without being asked', async () => {
    await client.json({ method: 'POST', path: '/v1/topics', body: { name: 'short-lived', config: { 'retention.ms': 1 } } });
    await produce('short-lived', ['a', 'b']);

    let head = await partition0('short-lived');
    for (let i = 0; i < 100 && head.logStartOffset < 2; i++) {
      await new Promise((r) => setTimeout(r, 100));
      head = await partition0('short-lived');
    }

    expect(head).toMatchObject({ logStartOffset: 2, highWatermark: 2 });
  });

  it('POST /v1/maintenance runs a pass for the named topics and reports it', async () => {
    await client.json({ method: 'POST', path: '/v1/topics', body: { name: 'reported' } });
    await produce('reported', ['x']);

    const report = await client.json<{ totals: { partitionsExamined: number }; partitions: unknown[] }>({
      method: 'POST',
      path: '/v1/maintenance',
      body: { topics: ['reported'] },
    });

    expect(report.totals.partitionsExamined).toBe(1);
  });

  it('refuses an unknown field with 400 INVALID_REQUEST', async () => {
    const err = await client.json({ method: 'POST', path: '/v1/maintenance', body: { everything: true } }).catch((e) => e);

    expect(err).toMatchObject({ code: 'INVALID_REQUEST', status: 400 });
  });

  it('`sluice maintenance run` prints the totals', async () => {
    // Asynchronously: the server runs in this process and must keep answering.
    const run = await promisify(execFile)(process.execPath, [BIN, '--endpoint', server.url, 'maintenance', 'run', '--topic', 'reported']);

    expect(run.stdout).toMatch(/partitionsExamined\s+1/);
  });
});
