// What the source needs to know from the database's catalog, and the publication it
// creates: which tables it captures, their primary keys, and the state of its slot.
// All statements go over a replication connection, so values are quoted literals
// (connection.ts), never parameters.
import type pg from 'pg';
import { InvalidConfigError } from '../../../core/errors.ts';
import type { PostgresCdcConfig } from './config.ts';
import { ident, literal, qualified, queryText } from './connection.ts';

const tableList = (tables: readonly string[]): string => tables.map(qualified).join(', ');

/**
 * Makes the publication match publication.autocreate.mode: all_tables creates it FOR ALL
 * TABLES, filtered creates it for table.include.list (and sets that list again if it
 * changed), disabled only checks that it exists.
 */
export async function ensurePublication(client: pg.Client, config: PostgresCdcConfig): Promise<void> {
  const name = config.publicationName;
  const found = await queryText(client, `SELECT puballtables FROM pg_publication WHERE pubname = ${literal(name)}`, 'publication lookup');
  const exists = found.rows.length > 0;
  if (config.publicationMode === 'disabled') {
    if (!exists) throw new InvalidConfigError(`publication ${name} does not exist and publication.autocreate.mode is disabled`, { field: 'publication.name' });
    return;
  }
  if (config.publicationMode === 'all_tables') {
    if (!exists) await queryText(client, `CREATE PUBLICATION ${ident(name)} FOR ALL TABLES`, 'CREATE PUBLICATION');
    return;
  }
  if (!exists) {
    await queryText(client, `CREATE PUBLICATION ${ident(name)} FOR TABLE ${tableList(config.tables)}`, 'CREATE PUBLICATION');
    return;
  }
  const current = (await publishedTables(client, name)).sort().join(',');
  if (current !== [...config.tables].sort().join(',')) {
    await queryText(client, `ALTER PUBLICATION ${ident(name)} SET TABLE ${tableList(config.tables)}`, 'ALTER PUBLICATION');
  }
}

/** schema.table of every table the publication publishes. */
export async function publishedTables(client: pg.Client, publication: string): Promise<string[]> {
  const res = await queryText(
    client,
    `SELECT schemaname || '.' || tablename AS name FROM pg_publication_tables WHERE pubname = ${literal(publication)} ORDER BY 1`,
    'publication tables',
  );
  return res.rows.map((r) => r.name!);
}

/** The tables to capture: the include list, or everything the publication has. */
export async function capturedTables(client: pg.Client, config: PostgresCdcConfig): Promise<string[]> {
  return config.tables.length ? [...config.tables] : publishedTables(client, config.publicationName);
}

/** Primary key columns, in key order, of each named table that has one. */
export async function primaryKeys(client: pg.Client, tables: readonly string[]): Promise<Map<string, string[]>> {
  const keys = new Map<string, string[]>();
  if (!tables.length) return keys;
  const res = await queryText(
    client,
    `SELECT n.nspname || '.' || c.relname AS name, a.attname AS col
       FROM pg_index i
       JOIN pg_class c ON c.oid = i.indrelid
       JOIN pg_namespace n ON n.oid = c.relnamespace
       JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k(attnum, ord) ON true
       JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = k.attnum
      WHERE i.indisprimary AND n.nspname || '.' || c.relname IN (${tables.map(literal).join(', ')})
      ORDER BY 1, k.ord`,
    'primary keys',
  );
  for (const row of res.rows) keys.set(row.name!, [...(keys.get(row.name!) ?? []), row.col!]);
  return keys;
}

export interface SlotState {
  active: boolean;
  restartLsn: string | null;
  confirmedFlushLsn: string | null;
  /** PostgreSQL 13+: reserved, extended, unreserved or lost (max_slot_wal_keep_size). */
  walStatus: string | null;
  /** WAL the slot keeps from being recycled, in bytes. */
  retainedBytes: number;
}

export async function slotState(client: pg.Client, slot: string): Promise<SlotState | undefined> {
  const res = await queryText(
    client,
    `SELECT s.*, pg_wal_lsn_diff(pg_current_wal_lsn(), s.restart_lsn)::text AS retained_bytes
       FROM pg_replication_slots s WHERE s.slot_name = ${literal(slot)}`,
    'slot lookup',
  );
  const row = res.rows[0];
  if (!row) return undefined;
  return {
    active: row.active === 't',
    restartLsn: row.restart_lsn ?? null,
    confirmedFlushLsn: row.confirmed_flush_lsn ?? null,
    walStatus: row.wal_status ?? null,
    retainedBytes: Number(row.retained_bytes ?? 0),
  };
}

export async function dropSlot(client: pg.Client, slot: string): Promise<void> {
  await queryText(client, `SELECT pg_drop_replication_slot(${literal(slot)})`, 'drop slot');
}

/** Ends the session streaming from the slot, if any (an active slot cannot be dropped). */
export async function endSlotSession(client: pg.Client, slot: string): Promise<void> {
  await queryText(client, `SELECT pg_terminate_backend(active_pid) FROM pg_replication_slots WHERE slot_name = ${literal(slot)} AND active_pid IS NOT NULL`, 'end slot session');
}
