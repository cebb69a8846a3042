// PostgresCdcSource run by the source runtime (a connector created over the management
// service, polled by SourceRunner, records and offsets committed in one lib/log
// transaction, the slot acknowledged in the commit hook), under the workload of
// workload.ts while the runner is crashed and restarted (../crashes.ts): before the commit,
// with the transaction refused after the upload, with its answer lost (resent, or the
// runner dying with it), and after the commit before the acknowledgement; and two
// runners racing the task after each round.
// A restart is a fresh runtime whose task opens a new replication connection; the
// crashed one is left as a dead Lambda leaves it. The topics, read back from the log,
// replay to exactly the tables, in commit order per key, each change once. While the
// connector is stopped the runtime keeps its slot in bounds: past its limit it is dropped
// and the connector shows FAILED with the reason.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cdcPlugins } from '../../../../../lib/connect/connectors/cdc.ts';
import { PluginRegistry } from '../../../../../lib/connect/plugins/registry.ts';
import { createConnectRuntime, type ConnectRuntime } from '../../../../../lib/connect/runtime/index.ts';
import { ConnectorService } from '../../../../../lib/connect/service.ts';
import { readSourceOffsets } from '../../../../../lib/connect/store.ts';
import { Log } from '../../../../../lib/log/index.ts';
import type { StorageClients } from '../../../../../lib/storage/clients.ts';
import { useTestStorage } from '../../../../support/stack.ts';
import { expectOrderedOnce, expectReplayEquals } from '../checker.ts';
import { crashRig, expectRun, type Crash, type CrashRig } from '../crashes.ts';
import { usePostgresDatabase } from './harness.ts';
import { createTables, tableRows, workload } from './workload.ts';

const storage = useTestStorage();
const db = usePostgresDatabase();
const NAME = 'shop-cdc';
const TOPICS = ['shop.public.accounts', 'shop.public.orders'];

const CRASHES: (Crash | undefined)[] = ['before-commit', undefined, 'before-ack', 'refused-commit', 'lost-answer', 'lost-answer-and-die', 'before-ack', 'before-commit'];

let rig: CrashRig;
let clients: StorageClients;
const runtimes: ConnectRuntime[] = [];
const registry = new PluginRegistry({ deployed: false, plugins: cdcPlugins() });

beforeAll(() => {
  rig = crashRig(storage.config, cdcPlugins());
  clients = rig.clients;
});

afterAll(async () => {
  await Promise.all(runtimes.map((r) => r.stop()));
  await rig?.stop();
});

const snapshotPending = async () => {
  const stored = (await readSourceOffsets(clients, NAME))[0]?.offset?.offsets as { snapshot?: { pending: string[] } } | undefined;
  return stored === undefined || (stored.snapshot?.pending.length ?? 0) > 0;
};

describe('PostgresCdcSource through the source runtime', () => {
  it('replays to the tables across injected crashes of the runner: each change once, in commit order per key', async () => {
    await createTables(db);
    // Slots are the server's, not the database's: a name of this file's own.
    const config = db.config({ 'table.include.list': 'public.accounts,public.orders', 'snapshot.fetch.size': '7', 'slot.name': `${db.name}_runtime` });
    await rig.service.create({
      name: NAME,
      config: {
        ...config,
        'connector.class': 'PostgresCdcSource',
        'poll.max.records': '9',
        'poll.max.ms': '1500',
        'key.converter': 'json',
        'key.converter.schemas.enable': 'false',
        'value.converter': 'json',
        'value.converter.schemas.enable': 'false',
      },
    });
    let runtime = rig.restart();
    for (let round = 0; round < CRASHES.length; round++) {
      await workload(db, round);
      for (let step = 0; step < 3; step++) {
        const crash = step === 1 ? CRASHES[round] : undefined;
        if (crash) runtime = rig.restart(crash);
        expectRun(rig, (await runtime.sources.runAll())[0], crash);
        // The crashed runner is gone: the next run is another's, from the committed offsets.
        if (crash) runtime = rig.restart();
      }
      await rig.race(NAME);
    }
    for (let i = 0; i < 50; i++) {
      const [report] = await runtime.sources.runAll();
      if (report!.records === 0 && !(await snapshotPending())) break;
    }
    // A snapshot restarted after a crash first clears its table (op t, no key).
    const records = (await Promise.all(TOPICS.map((t) => rig.topic(t)))).flat();
    expect(records.length).toBeGreaterThan(100);
    expectReplayEquals(records, await tableRows(db), (row) => ({ id: row.id }));
    expectOrderedOnce(records, true);
  });

  it('checks a stopped connector\'s slot on its schedule: dropped past slot.retained.wal.max.bytes, the connector FAILED', async () => {
    const service = new ConnectorService(clients, registry);
    const config = { ...db.config({ 'topic.prefix': 'kept', 'table.include.list': 'public.accounts', 'snapshot.mode': 'never', 'slot.name': `${db.name}_kept` }), 'connector.class': 'PostgresCdcSource' };
    await service.create({ name: 'kept', config });
    const runtime = createConnectRuntime(new Log(clients), { registry, sources: { keepIntervalMs: 0 } });
    runtimes.push(runtime);
    await runtime.sources.runAll(); // creates the slot, commits its position
    const slots = () => db.sql.query("SELECT 1 FROM pg_replication_slots WHERE slot_name = $1", [`${db.name}_kept`]);
    expect((await slots()).rowCount).toBe(1);
    await service.setTargetState('kept', 'STOPPED');
    await runtime.stop();
    await service.putConfig('kept', { ...config, 'slot.retained.wal.max.bytes': '1' });
    await workload(db, 50); // WAL the stopped slot retains
    await runtime.sources.runAll();
    expect((await slots()).rowCount).toBe(0);
    const status = await service.status('kept');
    expect(status.connector).toMatchObject({ state: 'FAILED', trace: expect.stringMatching(/^SOURCE_POSITION_LOST: replication slot \S+_kept: .*was dropped/) });
  });
});
