// PostgresCdcSource's settings, under Debezium's PostgreSQL connector names where it has
// one (database.*, topic.prefix, slot.name, publication.name, publication.autocreate.mode,
// table.include.list, snapshot.mode, snapshot.fetch.size, tombstones.on.delete) and ours
// for what it lacks (the slot's retained-WAL limits, see slot.ts).
//
// TLS is required unless the database is on this machine: database.sslmode defaults to
// verify-full, and disable is accepted only for a loopback host.
import { InvalidConfigError } from '../../../core/errors.ts';
import { ConfigReader, type ConfigMap } from '../config.ts';

export type SslMode = 'disable' | 'require' | 'verify-ca' | 'verify-full';

export interface PostgresCdcConfig {
  host: string;
  port: number;
  user: string;
  password: string;
  database: string;
  sslMode: SslMode;
  /** PEM of the CA(s) to trust (RDS's bundle, say); the system's when absent. */
  sslRootCert?: string;
  topicPrefix: string;
  slotName: string;
  publicationName: string;
  /** all_tables: FOR ALL TABLES; filtered: FOR TABLE the include list; disabled: must exist. */
  publicationMode: 'all_tables' | 'filtered' | 'disabled';
  /** schema.table names; empty: every table of the publication. */
  tables: string[];
  snapshotMode: 'initial' | 'never';
  snapshotFetchSize: number;
  tombstonesOnDelete: boolean;
  /** Retained WAL past which each poll and slot check warns. */
  slotWarnBytes: number;
  /** Retained WAL past which the slot is dropped and the connector fails (0: never). */
  slotMaxBytes: number;
}

const IDENTIFIER = /^[a-z_][a-z0-9_]{0,62}$/;
const LOOPBACK = /^(localhost|127(\.\d{1,3}){3}|::1|\[::1\])$/i;

/** A slot or publication name derived from the topic prefix: lower case, [a-z0-9_]. */
const derivedName = (prefix: string): string => `sluice_${prefix.toLowerCase().replace(/[^a-z0-9_]/g, '_')}`.slice(0, 63);

export function parsePostgresCdcConfig(map: ConfigMap): PostgresCdcConfig {
  const c = new ConfigReader(map);
  const host = c.string('database.hostname');
  const sslMode = c.oneOf<SslMode>('database.sslmode', ['disable', 'require', 'verify-ca', 'verify-full'], 'verify-full');
  if (sslMode === 'disable' && !LOOPBACK.test(host)) {
    throw new InvalidConfigError('database.sslmode=disable is only allowed for a database on this machine (loopback)', { field: 'database.sslmode' });
  }
  const topicPrefix = c.string('topic.prefix');
  const slotName = c.string('slot.name', derivedName(topicPrefix));
  const publicationName = c.string('publication.name', derivedName(topicPrefix));
  for (const [field, name] of [['slot.name', slotName], ['publication.name', publicationName]] as const) {
    if (!IDENTIFIER.test(name)) throw new InvalidConfigError(`${field} must be 1-63 of [a-z0-9_], starting with a letter or _`, { field, value: name });
  }
  const tables = c.list('table.include.list');
  for (const t of tables) {
    if (!/^[^.\s]+\.[^.\s]+$/.test(t)) throw new InvalidConfigError('table.include.list names tables as schema.table', { field: 'table.include.list', value: t });
  }
  const publicationMode = c.oneOf('publication.autocreate.mode', ['all_tables', 'filtered', 'disabled'] as const, tables.length ? 'filtered' : 'all_tables');
  if (publicationMode === 'filtered' && !tables.length) {
    throw new InvalidConfigError('publication.autocreate.mode=filtered needs table.include.list', { field: 'table.include.list' });
  }
  return {
    host,
    port: c.int('database.port', 5432, 1),
    user: c.string('database.user'),
    password: c.string('database.password', ''),
    database: c.string('database.dbname'),
    sslMode,
    ...(c.optional('database.sslrootcert') ? { sslRootCert: c.optional('database.sslrootcert') } : {}),
    topicPrefix,
    slotName,
    publicationName,
    publicationMode,
    tables,
    snapshotMode: c.oneOf('snapshot.mode', ['initial', 'never'] as const, 'initial'),
    snapshotFetchSize: c.int('snapshot.fetch.size', 10_240, 1),
    tombstonesOnDelete: c.bool('tombstones.on.delete', true),
    slotWarnBytes: c.int('slot.retained.wal.warn.bytes', 1 << 30, 0),
    slotMaxBytes: c.int('slot.retained.wal.max.bytes', 16 * (1 << 30), 0),
  };
}

/** Debezium's topic name: topic.prefix.schema.table. */
export const topicFor = (config: Pick<PostgresCdcConfig, 'topicPrefix'>, schema: string, table: string): string =>
  `${config.topicPrefix}.${schema}.${table}`;
