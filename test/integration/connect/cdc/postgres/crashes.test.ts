// The Postgres source under a workload of inserts, updates, deletes and transactions over
// two tables, with the reader crashed and restarted between and inside its steps: the
// records that were committed replay to exactly the tables' contents, in commit order per
// key, each change once.
import { afterAll, describe, expect, it } from 'vitest';
import { PostgresCdcSource, type PostgresOffsets } from '../../../../../lib/connect/cdc/postgres/source.ts';
import { expectOrderedOnce, expectReplayEquals } from '../checker.ts';
import { emptyLog, pollAndCommit, usePostgresDatabase, type Committed } from './harness.ts';
import { createTables, tableRows, workload } from './workload.ts';

const db = usePostgresDatabase();
const open: PostgresCdcSource[] = [];
afterAll(async () => {
  await Promise.all(open.map((s) => s.close()));
});

const CRASHES = ['before-commit', undefined, 'before-ack', undefined, 'before-commit', 'before-ack'] as const;

describe('PostgresCdcSource across crashes', () => {
  it('replays to the tables, in commit order per key, each change once', async () => {
    await createTables(db);
    const config = db.config({ 'table.include.list': 'public.accounts,public.orders', 'snapshot.fetch.size': '7' });
    const log: Committed<PostgresOffsets> = emptyLog();
    let source = new PostgresCdcSource(config);
    open.push(source);
    for (let round = 0; round < CRASHES.length; round++) {
      await workload(db, round);
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
    expectReplayEquals(log.records, await tableRows(db), (row) => ({ id: row.id }));
    expectOrderedOnce(log.records, true);
  });
});
