// A PostgresCdcSource run that finds its replication slot held by another session (a
// runner whose lease ran out, still streaming) for the whole of its poll: the run ends
// to be retried, the task does not fail, and once the slot is free the next run goes on.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cdcPlugins } from '../../../../../lib/connect/connectors/cdc.ts';
import { PluginRegistry } from '../../../../../lib/connect/plugins/registry.ts';
import { createConnectRuntime, type ConnectRuntime } from '../../../../../lib/connect/runtime/index.ts';
import { ConnectorService } from '../../../../../lib/connect/service.ts';
import { Log } from '../../../../../lib/log/index.ts';
import { createStorageClients } from '../../../../../lib/storage/clients.ts';
import { useTestStorage } from '../../../../support/stack.ts';
import { streamFrom, usePostgresDatabase } from './harness.ts';
import { createTables } from './workload.ts';

const storage = useTestStorage();
const db = usePostgresDatabase();
const registry = new PluginRegistry({ deployed: false, plugins: cdcPlugins() });
let runtime: ConnectRuntime;
let service: ConnectorService;

beforeAll(async () => {
  const clients = createStorageClients(storage.config);
  runtime = createConnectRuntime(new Log(clients), { registry });
  service = new ConnectorService(clients, registry);
  await createTables(db);
});

afterAll(async () => {
  await runtime?.stop();
});

describe('a PostgresCdcSource whose slot another session holds', () => {
  it('ends its run to be retried, without failing the task, and goes on once the slot is free', async () => {
    const slot = `${db.name}_busy`;
    const publication = `${db.name}_pub`;
    const config = db.config({ 'table.include.list': 'public.accounts,public.orders', 'slot.name': slot, 'publication.name': publication });
    await service.create({ name: 'busy-cdc', config: { ...config, 'connector.class': 'PostgresCdcSource', 'poll.max.ms': '500' } });
    await runtime.sources.runAll();
    const streaming = await streamFrom(db, slot, publication);
    await expect.poll(async () => (await db.sql.query('SELECT active FROM pg_replication_slots WHERE slot_name = $1', [slot])).rows).toEqual([{ active: true }]);

    const [whileHeld] = await runtime.sources.runAll();
    const status = await service.status('busy-cdc');
    await streaming.end().catch(() => undefined);
    await db.sql.query("INSERT INTO accounts (id, name, balance) VALUES (9001, 'late', 1)");
    const [afterwards] = await runtime.sources.runAll();

    expect(whileHeld?.state).toBe('retry');
    expect(status.tasks.map((t) => t.state)).toEqual(['RUNNING']);
    expect(afterwards?.state).toMatch(/^(idle|budget)$/);
    expect(afterwards?.records).toBeGreaterThanOrEqual(1);
  });
});
