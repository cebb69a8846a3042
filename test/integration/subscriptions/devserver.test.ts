// Subscriptions in the local dev server: the stream poller (lib/local/streams.ts) reads
// DynamoDB Local's stream of the partitions table and feeds the dispatcher, so a produce
// reaches an HTTP target (or a module) without waiting for a sweep. The sweep is turned
// off here, so every delivery below came through the stream. (How fast is a benchmark's
// question, not a test's.)
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpClient } from '../../../lib/client/http.ts';
import { startDevServer, type DevServer } from '../../../lib/local/devServer.ts';
import type { SluiceKafkaEvent } from '../../../lib/subscriptions/model.ts';
import { offsetsOf, startTargetServer, type TargetServer } from './helpers.ts';

let dev: DevServer;
let dataDir: string;
let target: TargetServer;
let client: HttpClient;

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'sluice-dev-subs-'));
  target = await startTargetServer();
  dev = await startDevServer({ port: 0, dataDir, quiet: true, maintenanceIntervalMs: 0, subscriptions: { sweepIntervalMs: 0 } });
  client = new HttpClient({ endpoint: dev.url });
}, 120_000);

afterAll(async () => {
  await dev?.stop();
  await target?.close();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

describe('the dev server dispatches from the partitions stream', () => {
  it('delivers to a loopback HTTP target from the stream alone, in order per partition', async () => {
    await client.json({ method: 'POST', path: '/v1/topics', body: { name: 'events', partitions: 3 } });
    await client.json({
      method: 'POST',
      path: '/v1/topics/events/subscriptions',
      body: { name: 'hook', target: { type: 'http', url: target.url('/hook') } },
    });
    for (let round = 0; round < 2; round++) {
      const records = [0, 1, 2].flatMap((p) => [{ partition: p, value: `${round}-${p}-a` }, { partition: p, value: `${round}-${p}-b` }]);
      await client.json({ method: 'POST', path: '/v1/topics/events/records', body: { encoding: 'string', records } });
      await target.until(() => offsetsOf(target.succeeded('/hook')).length === 6 * (round + 1), 20_000);
    }
    for (const p of [0, 1, 2]) {
      const got = target.succeeded('/hook').flatMap((e) => e.records[`events-${p}`] ?? []);
      expect(got.map((r) => r.offset)).toEqual([0, 1, 2, 3]);
      expect(got.map((r) => Buffer.from(r.value!, 'base64').toString())).toEqual([`0-${p}-a`, `0-${p}-b`, `1-${p}-a`, `1-${p}-b`]);
    }
    // The target answers before the dispatcher moves its cursor: wait for the cursor.
    type Listing = { subscriptions: { name: string; lag: number; delivered: number }[] };
    const list = () => client.json<Listing>({ method: 'GET', path: '/v1/topics/events/subscriptions' });
    let listed = await list();
    for (const deadline = Date.now() + 20_000; listed.subscriptions[0]?.lag !== 0 && Date.now() < deadline; ) {
      await new Promise((r) => setTimeout(r, 50));
      listed = await list();
    }
    expect(listed.subscriptions).toEqual([expect.objectContaining({ name: 'hook', lag: 0, delivered: 12 })]);
  });

  it('calls a module target in-process', async () => {
    const path = new URL('./fixtures/module-target.ts', import.meta.url).pathname;
    await client.json({ method: 'POST', path: '/v1/topics', body: { name: 'modular', partitions: 1 } });
    await client.json({ method: 'POST', path: '/v1/topics/modular/subscriptions', body: { name: 'mod', target: { type: 'module', path } } });
    await client.json({ method: 'POST', path: '/v1/topics/modular/records', body: { records: [{ value: { n: 1 } }] } });
    const store = globalThis as { __sluiceModuleTarget?: SluiceKafkaEvent[] };
    await target.until(() => (store.__sluiceModuleTarget ?? []).some((e) => e.records['modular-0']), 5_000);
    const [event] = (store.__sluiceModuleTarget ?? []).filter((e) => e.records['modular-0']);
    expect(JSON.parse(Buffer.from(event!.records['modular-0']![0]!.value!, 'base64').toString())).toEqual({ n: 1 });
  });
});
