// The workload of the change-data-capture crash tests: two tables (one with REPLICA
// IDENTITY FULL, seeded for the snapshot), rounds of inserts, updates and deletes, and a
// transaction over both tables with a key change; and the tables' contents to compare
// the replayed topics with.
import type { TestDatabase } from './harness.ts';

export async function createTables(db: TestDatabase): Promise<void> {
  await db.sql.query('CREATE TABLE accounts (id int PRIMARY KEY, name text NOT NULL, balance int NOT NULL)');
  await db.sql.query('ALTER TABLE accounts REPLICA IDENTITY FULL');
  await db.sql.query('CREATE TABLE orders (id int PRIMARY KEY, account int NOT NULL, note text)');
  await db.sql.query("INSERT INTO accounts SELECT g, 'seed ' || g, g FROM generate_series(10000, 10039) g");
}

/** The rows of both tables, by the topic their changes go to. */
export async function tableRows(db: TestDatabase): Promise<Record<string, Record<string, unknown>[]>> {
  const accounts = (await db.sql.query('SELECT id, name, balance FROM accounts')).rows;
  const orders = (await db.sql.query('SELECT id, account, note FROM orders')).rows;
  return { 'shop.public.accounts': accounts, 'shop.public.orders': orders };
}

/** One round of the workload; `round` makes every written value distinct. */
export async function workload(db: TestDatabase, round: number): Promise<void> {
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
