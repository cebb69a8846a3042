import { afterEach, describe, expect, it } from 'vitest';
import { PostgresCdcSource } from '../../../../../lib/connect/cdc/postgres/source.ts';
import { emptyLog, pollAndCommit, usePostgresDatabase, type Committed } from './harness.ts';
import type { PostgresOffsets } from '../../../../../lib/connect/cdc/postgres/source.ts';

const db = usePostgresDatabase();
const sources: PostgresCdcSource[] = [];
afterEach(async () => {
  await Promise.all(sources.splice(0).map((s) => s.close()));
});

describe('PostgresCdcSource streaming', () => {
  it('streams inserts, updates and deletes with tombstones', async () => {
    await db.sql.query('CREATE TABLE s1 (id int PRIMARY KEY, name text, qty int)');
    const source = new PostgresCdcSource(db.config({ 'table.include.list': 'public.s1', 'slot.name': 's1', 'publication.name': 's1', 'snapshot.mode': 'never' }));
    sources.push(source);
    const log: Committed<PostgresOffsets> = emptyLog();
    await pollAndCommit(source, log, { maxMs: 500 });
    await db.sql.query("INSERT INTO s1 VALUES (1, 'a', 1), (2, 'b', 2)");
    await db.sql.query("UPDATE s1 SET qty = 5 WHERE id = 1");
    await db.sql.query("DELETE FROM s1 WHERE id = 2");
    const t0 = Date.now();
    await pollAndCommit(source, log, { maxMs: 5000 });
    console.log('poll took', Date.now() - t0, JSON.stringify(log, null, 1));
    expect(log.records.map((r) => [r.key, (r.value as { op?: string } | null)?.op ?? null])).toEqual([
      [{ id: 1 }, 'c'],
      [{ id: 2 }, 'c'],
      [{ id: 1 }, 'u'],
      [{ id: 2 }, 'd'],
      [{ id: 2 }, null],
    ]);
  });
});
