// The README walkthrough "Capture changes from PostgreSQL", run as written: its SQL with a
// client of the run's PostgreSQL (as the tables' owner, in a database `shop` of its own),
// its shell blocks with the real `sluice` CLI against a dev server in a scratch
// directory. One substitution, as the database must differ: `database.port=5432` becomes
// the port of the run's PostgreSQL (its host is 127.0.0.1, as in the README). What the
// README says the consumer shows is what the CLI prints, `…` standing for times, LSNs
// and transaction ids.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { DevServer } from '../../../../../lib/local/devServer.ts';
import { codeBlocks, matchesShown, readmeSection, recordsOnceAtLeast, runBlock, sqlStatements } from '../../../../support/readme.ts';
import { startTestDevServer } from '../../../client/devServer.ts';

const work = mkdtempSync(join(tmpdir(), 'sluice-pg-walkthrough-'));
let dev: DevServer;
let shop: pg.Client;
let admin: pg.Client;

async function connect(database: string): Promise<pg.Client> {
  const { host, port, user, password } = inject('postgres');
  const client = new pg.Client({ host, port, user, password, database });
  client.on('error', () => undefined);
  await client.connect();
  return client;
}

beforeAll(async () => {
  dev = await startTestDevServer({ moduleDirs: [work], maintenanceIntervalMs: 0 });
  admin = await connect('postgres');
  await admin.query('CREATE DATABASE shop');
  shop = await connect('shop');
}, 120_000);

afterAll(async () => {
  await dev?.stop();
  await shop?.end().catch(() => undefined);
  await admin?.end().catch(() => undefined);
  rmSync(work, { recursive: true, force: true });
});

const section = () => readmeSection('### Capture changes from PostgreSQL');
const run = (block: string) => runBlock(block, { cwd: work, endpoint: dev.url });

/** Runs a SQL block in `shop` statement by statement, as psql does; the last statement's rows. */
async function psql(block: string): Promise<Record<string, unknown>[]> {
  let rows: Record<string, unknown>[] = [];
  for (const statement of sqlStatements(block)) rows = (await shop.query(statement)).rows;
  return rows;
}

/** The envelopes of `%k %v` lines: [key, value or null]. */
const envelopes = (stdout: string) =>
  stdout.trimEnd().split('\n').map((line) => {
    const [key, value] = line.trim().split(/ (.*)/);
    return [JSON.parse(key!), value ? JSON.parse(value) : null] as [unknown, { op: string; source: { txId: number; lsn: number } } | null];
  });

/** An LSN as PostgreSQL writes it (hi/lo, hex) as a number, as the envelope's source.lsn. */
const lsnNumber = (lsn: string) => {
  const [hi, lo] = lsn.split('/');
  return parseInt(hi!, 16) * 2 ** 32 + parseInt(lo!, 16);
};

describe('the README walkthrough "Capture changes from PostgreSQL"', () => {
  it('captures a snapshot, a transaction over two tables, an update and a delete as Debezium envelopes and tombstones; delete drops the slot', { timeout: 120_000 }, async () => {
    const [prepare, changes, slotQuery] = codeBlocks(section(), 'sql');
    const [create, consume, manage] = codeBlocks(section(), 'sh');
    const [shownConsume, shownManage] = codeBlocks(section(), 'text');
    expect(create).toContain('--config database.port=5432 ');
    await psql(prepare!);

    const created = await run(create!.replace('--config database.port=5432 ', `--config database.port=${inject('postgres').port} `));
    expect(created.stderr).toBe('');
    expect(created.stdout).toBe('Created source connector shop-cdc.\n');
    // "Within a few seconds" the snapshot: Alice as a read.
    expect(await recordsOnceAtLeast(dev.url, 'shop.public.customers', 1)).toBe(1);
    await psql(changes!);
    const consumed = await run(consume!);

    expect(consumed.stderr).toBe('Processed a total of 2 messages\nProcessed a total of 4 messages\n');
    expect(matchesShown(shownConsume!, consumed.stdout)).toEqual([]);
    // The transaction's two changes share its txId and commit LSN; the later ones are others'.
    const [, emailChange, orderInsert, orderUpdate, orderDelete] = envelopes(consumed.stdout).map(([, value]) => value);
    expect(orderInsert!.source).toMatchObject({ txId: emailChange!.source.txId, lsn: emailChange!.source.lsn });
    expect(orderUpdate!.source.txId).not.toBe(orderInsert!.source.txId);
    expect(orderDelete!.source.lsn).toBeGreaterThan(orderUpdate!.source.lsn);

    expect(await psql(slotQuery!)).toEqual([{ slot_name: 'sluice_shop' }]);
    const managed = await run(manage!);
    expect(managed.stderr).toBe('');
    expect(matchesShown(shownManage!, managed.stdout)).toEqual([]);
    // The offsets: every transaction up to the delete's is in the topics.
    const offsetLsn = managed.stdout.match(/"lsn":"([0-9A-F]+\/[0-9A-F]+)"/)![1]!;
    expect(lsnNumber(offsetLsn)).toBeGreaterThanOrEqual(orderDelete!.source.lsn);
    expect(await psql(slotQuery!)).toEqual([]);
  });
});
