// The Postgres source under a workload of inserts, updates, deletes and transactions over
// two tables, with the reader crashed and restarted between and inside its steps: the
// records that were committed replay to exactly the tables' contents, in commit order per
// key, each change once.
import { afterAll, describe, expect, it } from 'vitest';
import { PostgresCdcSource, type PostgresOffsets } from '../../../../../lib/connect/cdc/postgres/source.ts';
import { expectOrderedOnce, expectReplayEquals } from './checker.ts';
import { emptyLog, pollAndCommit, usePostgresDatabase, type Committed } from './harness.ts';

const db = usePostgresDatabase();
const open: PostgresCdcSource[] = [];
afterAll(async () => {
  await Promise.all(open.map((s) => s.close()));
});

const CRASHES = ['before-commit', undefined, 'before-ack', undefined, 'before-commit', 'before-ack'] as const;

async function tableRows(): Promise<Record<string, Record<string, unknown>[]>> {
  const accounts = (await db.sql.query('SELECT id, name, balance FROM accounts')).rows;
  const orders = (await db.sql.query('SELECT id, account, note FROM orders')).rows;
  return { 'shop.public.accounts': accounts, 'shop.public.orders': orders };
}

/** One round of the workload; `round` makes every written value distinct. */
async function workload(round: number): Promise<void> {
  const base = round * 100;
  for (let i = 0; i < 6; i++) await db.sql.query('INSERT INTO accounts VALUES ($1, $2, $3)', [base + i, `acct ${base + i}`, i]);
  await db.sql.query('UPDATE accounts SET balance = balance + $1 WHERE id BETWEEN $2 AND $3', [1000 * round, base, base + 2]);
  await db.sql.query('DELETE FROM accounts WHERE id = $1', [base + 3]);
  // One transaction over both tables, including a key change and a delete.
  await db.sql.query('BEGIN');
  await db.sql.query('INSERT INTO orders VALUES ($1, $2, $3)', [base, base, `order ${base}`]);
  await db.sql.query('INSERT INTO orders VALUES ($1, $2, $3)', [base + 1, base + 1, `order ${base + 1}`]);
  await db.sql.query('UPDATE accounts SET balance = -1, name = $2 WHERE id = $1', [base + 1, `moved ${round}`]);
  await db.sql.query('UPDATE orders SET id = $1 WHERE id = $2', [base + 50, base + 1]);
  await db.sql.query('DELETE FROM accounts WHERE id = $1', [base + 4]);
  await db.sql.query('COMMIT');
  if (round > 0) await db.sql.query('UPDATE orders SET note = $1 WHERE id = $2', [`again ${round}`, (round - 1) * 100]);
}

describe('PostgresCdcSource across crashes', () => {
  it('replays to the tables, in commit order per key, each change once', async () => {
    await db.sql.query('CREATE TABLE accounts (id int PRIMARY KEY, name text NOT NULL, balance int NOT NULL)');
    await db.sql.query('ALTER TABLE accounts REPLICA IDENTITY FULL');
    await db.sql.query('CREATE TABLE orders (id int PRIMARY KEY, account int NOT NULL, note text)');
    await db.sql.query("INSERT INTO accounts SELECT g, 'seed ' || g, g FROM generate_series(10000, 10039) g");
    const config = db.config({ 'table.include.list': 'public.accounts,public.orders', 'snapshot.fetch.size': '7' });
    const log: Committed<PostgresOffsets> = emptyLog();
    let source = new PostgresCdcSource(config);
    open.push(source);
    for (let round = 0; round < CRASHES.length; round++) {
      await workload(round);
      // Small polls, so that passes also stop inside transactions and inside the snapshot.
      for (let step = 0; step < 4; step++) {
        const crash = step === 1 ? CRASHES[round] : undefined;
        await pollAndCommit(source, log, { maxRecords: 9, maxMs: 1500, crash });
        if (crash) {
          // The reader is gone: a new one starts from what was committed.
          source = new PostgresCdcSource(config);
          open.push(source);
        }
      }
    }
    // Drain what is left.
    for (let i = 0; i < 50; i++) {
      const before = log.records.length;
      await pollAndCommit(source, log, { maxRecords: 50, maxMs: 1500 });
      if (log.records.length === before && !log.offsets?.snapshot?.pending.length) break;
    }
    expect(log.records.length).toBeGreaterThan(100);
    expectReplayEquals(log.records, await tableRows(), (row) => ({ id: row.id }));
    expectOrderedOnce(log.records, true);
  });
});
