import { afterEach, describe, expect, it } from 'vitest';
import { PostgresCdcSource } from '../../../../../lib/connect/cdc/postgres/source.ts';
import { emptyLog, pollAndCommit, usePostgresDatabase, type Committed } from './harness.ts';
import type { PostgresOffsets } from '../../../../../lib/connect/cdc/postgres/source.ts';
import { keepSlot } from '../../../../../lib/connect/cdc/postgres/slot.ts';
import { parsePostgresCdcConfig } from '../../../../../lib/connect/cdc/postgres/config.ts';
import { SourcePositionLostError } from '../../../../../lib/core/errors.ts';
import { parseLsn } from '../../../../../lib/connect/cdc/postgres/wal.ts';

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
    await pollAndCommit(source, log, { maxMs: 5000 });
    expect(log.records.map((r) => [r.key, (r.value as { op?: string } | null)?.op ?? null])).toEqual([
      [{ id: 1 }, 'c'],
      [{ id: 2 }, 'c'],
      [{ id: 1 }, 'u'],
      [{ id: 2 }, 'd'],
      [{ id: 2 }, null],
    ]);
  });

  it('moves its offsets past writes to tables it does not capture, so the slot can advance', async () => {
    await db.sql.query('CREATE TABLE s2 (id int PRIMARY KEY)');
    await db.sql.query('CREATE TABLE other (id int PRIMARY KEY)');
    const source = new PostgresCdcSource(db.config({ 'table.include.list': 'public.s2', 'slot.name': 's2', 'publication.name': 's2', 'snapshot.mode': 'never' }));
    sources.push(source);
    const log: Committed<PostgresOffsets> = emptyLog();
    await pollAndCommit(source, log, { maxMs: 500 });
    const first = parseLsn(log.offsets!.lsn);
    await db.sql.query('INSERT INTO other SELECT generate_series(1, 100)');
    await pollAndCommit(source, log, { maxMs: 5000 });
    expect(log.records).toEqual([]);
    expect(parseLsn(log.offsets!.lsn)).toBeGreaterThan(first);
    const slot = await db.sql.query("SELECT confirmed_flush_lsn::text AS lsn FROM pg_replication_slots WHERE slot_name = 's2'");
    expect(slot.rows[0].lsn).toBe(log.offsets!.lsn);
  });

  it('fails with SourcePositionLostError once the slot retained more WAL than allowed, and drops it', async () => {
    await db.sql.query('CREATE TABLE s3 (id int PRIMARY KEY)');
    const extra = { 'table.include.list': 'public.s3', 'slot.name': 's3', 'publication.name': 's3', 'snapshot.mode': 'never' };
    const source = new PostgresCdcSource(db.config(extra));
    sources.push(source);
    const log: Committed<PostgresOffsets> = emptyLog();
    await pollAndCommit(source, log, { maxMs: 500 });
    // Paused: nobody polls, the database keeps writing.
    await db.sql.query('INSERT INTO s3 SELECT generate_series(1, 2000)');
    const warnings: string[] = [];
    const limits = parsePostgresCdcConfig(db.config({ ...extra, 'slot.retained.wal.warn.bytes': '1', 'slot.retained.wal.max.bytes': '0' }));
    await keepSlot(limits, log.offsets!.lsn, (level, message) => warnings.push(`${level} ${message}`));
    expect(warnings).toEqual([expect.stringMatching(/^warn replication slot s3 retains \d+ bytes/)]);
    const strict = parsePostgresCdcConfig(db.config({ ...extra, 'slot.retained.wal.max.bytes': '1' }));
    await expect(keepSlot(strict, log.offsets!.lsn, () => undefined)).rejects.toBeInstanceOf(SourcePositionLostError);
    const slots = await db.sql.query("SELECT 1 FROM pg_replication_slots WHERE slot_name = 's3'");
    expect(slots.rowCount).toBe(0);
    await expect(source.poll({ offsets: log.offsets, maxRecords: 10, maxMs: 500 })).rejects.toBeInstanceOf(SourcePositionLostError);
  });
});
