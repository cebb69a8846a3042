// The initial snapshot and its handoff to the stream: rows read at the slot's point
// (op r), then exactly the changes after it; and a snapshot interrupted by a crash,
// restarted by a new reader while the tables keep changing.
import { afterAll, describe, expect, it } from 'vitest';
import { PostgresCdcSource, type PostgresOffsets } from '../../../../../lib/connect/cdc/postgres/source.ts';
import { expectOrderedOnce, expectReplayEquals } from '../checker.ts';
import { emptyLog, pollAndCommit, usePostgresDatabase, type Committed } from './harness.ts';

const db = usePostgresDatabase();
const open: PostgresCdcSource[] = [];
afterAll(async () => {
  await Promise.all(open.map((s) => s.close()));
});

const newSource = (table: string) => {
  const source = new PostgresCdcSource(db.config({ 'table.include.list': `public.${table}`, 'slot.name': table, 'publication.name': table, 'snapshot.fetch.size': '5' }));
  open.push(source);
  return source;
};

async function seed(table: string): Promise<void> {
  await db.sql.query(`CREATE TABLE ${table} (id int PRIMARY KEY, v text NOT NULL)`);
  await db.sql.query(`INSERT INTO ${table} SELECT g, 'seed ' || g FROM generate_series(1, 30) g`);
}

async function changeRows(table: string, tag: string): Promise<void> {
  await db.sql.query(`UPDATE ${table} SET v = $1 || id WHERE id % 4 = 0`, [tag]);
  await db.sql.query(`DELETE FROM ${table} WHERE id IN (SELECT id FROM ${table} WHERE id % 7 = 0 ORDER BY id LIMIT 2)`);
  await db.sql.query(`INSERT INTO ${table} SELECT max(id) + 1, $1 FROM ${table}`, [tag]);
}

async function drain(source: PostgresCdcSource, log: Committed<PostgresOffsets>): Promise<void> {
  for (let i = 0; i < 20; i++) {
    const before = log.records.length;
    await pollAndCommit(source, log, { maxRecords: 8, maxMs: 1500 });
    if (log.records.length === before && !log.offsets?.snapshot?.pending.length) return;
  }
}

const rowsOf = async (table: string) => ({ [`shop.public.${table}`]: (await db.sql.query(`SELECT id, v FROM ${table}`)).rows });
const ops = (log: Committed<PostgresOffsets>) => log.records.map((r) => (r.value as { op?: string } | null)?.op ?? 'tombstone');

describe('PostgresCdcSource snapshot', () => {
  it('hands off to the stream with nothing lost and nothing repeated', async () => {
    await seed('handoff');
    const source = newSource('handoff');
    const log: Committed<PostgresOffsets> = emptyLog();
    await pollAndCommit(source, log, { maxRecords: 8 });
    // Changes while the snapshot is being read: the stream delivers them after it.
    await changeRows('handoff', 'during');
    await drain(source, log);
    await changeRows('handoff', 'after');
    await drain(source, log);
    expect(ops(log).filter((op) => op === 'r')).toHaveLength(30);
    expect(ops(log).slice(0, 30).every((op) => op === 'r')).toBe(true);
    expectReplayEquals(log.records, await rowsOf('handoff'), (row) => ({ id: row.id }));
    expectOrderedOnce(log.records);
  });

  it('restarts an interrupted snapshot at a later point without losing or reordering a change', async () => {
    await seed('interrupted');
    let source = newSource('interrupted');
    const log: Committed<PostgresOffsets> = emptyLog();
    await pollAndCommit(source, log, { maxRecords: 8 });
    await changeRows('interrupted', 'one');
    // The reader dies after reading more than it committed.
    await pollAndCommit(source, log, { maxRecords: 8, crash: 'before-commit' });
    source = newSource('interrupted');
    await changeRows('interrupted', 'two');
    await pollAndCommit(source, log, { maxRecords: 8 });
    await changeRows('interrupted', 'three');
    await drain(source, log);
    expect(log.offsets?.snapshot?.pending ?? []).toEqual([]);
    expectReplayEquals(log.records, await rowsOf('interrupted'), (row) => ({ id: row.id }));
    expectOrderedOnce(log.records, true);
  });
});
