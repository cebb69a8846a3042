// Deleting a PostgresCdcSource connector releases what it holds in the database: its
// replication slot (which would otherwise pin the WAL for ever) and the publication it
// created, even while a session still streams from the slot.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cdcPlugins } from '../../../../../lib/connect/connectors/cdc.ts';
import { PluginRegistry } from '../../../../../lib/connect/plugins/registry.ts';
import { createConnectRuntime, type ConnectRuntime } from '../../../../../lib/connect/runtime/index.ts';
import { ConnectorService } from '../../../../../lib/connect/service.ts';
import { Log } from '../../../../../lib/log/index.ts';
import { createStorageClients, type StorageClients } from '../../../../../lib/storage/clients.ts';
import { useTestStorage } from '../../../../support/stack.ts';
import { streamFrom, usePostgresDatabase } from './harness.ts';
import { createTables } from './workload.ts';

const storage = useTestStorage();
const db = usePostgresDatabase();
const registry = new PluginRegistry({ deployed: false, plugins: cdcPlugins() });
let clients: StorageClients;
let runtime: ConnectRuntime;

beforeAll(async () => {
  clients = createStorageClients(storage.config);
  runtime = createConnectRuntime(new Log(clients), { registry });
  await createTables(db);
});

afterAll(async () => {
  await runtime?.stop();
});

const slots = async (name: string) => (await db.sql.query('SELECT active FROM pg_replication_slots WHERE slot_name = $1', [name])).rows as { active: boolean }[];
const publications = async (name: string) => (await db.sql.query('SELECT 1 FROM pg_publication WHERE pubname = $1', [name])).rowCount;

describe('deleting a PostgresCdcSource connector', () => {
  it('drops its replication slot and its publication, ending the session that still streams from the slot', async () => {
    const slot = `${db.name}_deleted`;
    const service = new ConnectorService(clients, registry);
    await service.create({
      name: 'doomed-cdc',
      config: { ...db.config({ 'table.include.list': 'public.accounts,public.orders', 'slot.name': slot, 'publication.name': `${db.name}_pub` }), 'connector.class': 'PostgresCdcSource' },
    });
    await runtime.sources.runAll();
    // A poll still streaming from the slot (another Lambda's, say) holds it active.
    const streaming = await streamFrom(db, slot, `${db.name}_pub`);
    await expect.poll(() => slots(slot)).toEqual([{ active: true }]);
    expect(await publications(`${db.name}_pub`)).toBe(1);

    await service.delete('doomed-cdc');

    expect(await slots(slot)).toEqual([]);
    expect(await publications(`${db.name}_pub`)).toBe(0);
    await streaming.end().catch(() => undefined);
    expect((await service.list()).map((r) => r.name)).not.toContain('doomed-cdc');
  });
});
