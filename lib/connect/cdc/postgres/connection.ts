// Connections to the user's PostgreSQL, all made here: a replication connection
// (replication=database: it speaks both the replication commands and plain SQL, over the
// simple query protocol only) for the slot, the snapshot and the stream, with the session
// settings that types.ts relies on; and SQL quoting for the statements that cannot take
// parameters on such a connection.
import pg from 'pg';
import { DependencyError } from '../../../core/errors.ts';
import type { PostgresCdcConfig } from './config.ts';

/** Settings of every session: the text forms types.ts parses. */
const SESSION_OPTIONS = '-c DateStyle=ISO -c TimeZone=UTC -c bytea_output=hex -c extra_float_digits=3 -c IntervalStyle=postgres';

function sslOptions(config: PostgresCdcConfig): pg.ClientConfig['ssl'] {
  if (config.sslMode === 'disable') return false;
  const ca = config.sslRootCert ? { ca: config.sslRootCert } : {};
  if (config.sslMode === 'require') return { rejectUnauthorized: false };
  if (config.sslMode === 'verify-ca') return { ...ca, rejectUnauthorized: true, checkServerIdentity: () => undefined };
  return { ...ca, rejectUnauthorized: true, servername: config.host };
}

/** A failure of the database or of the way to it: retriable, named as the dependency. */
export function databaseError(operation: string, err: unknown): DependencyError {
  const code = (err as { code?: unknown }).code;
  return new DependencyError(`PostgreSQL ${operation} failed: ${(err as Error).message ?? String(err)}`, { dependency: 'postgres', operation, ...(typeof code === 'string' ? { sqlState: code } : {}) }, err);
}

/** Opens a replication connection (replication=database). */
export async function connectReplication(config: PostgresCdcConfig): Promise<pg.Client> {
  const client = new pg.Client({
    host: config.host,
    port: config.port,
    user: config.user,
    password: config.password,
    database: config.database,
    ssl: sslOptions(config),
    options: SESSION_OPTIONS,
    replication: 'database',
    application_name: `sluice ${config.slotName}`,
    connectionTimeoutMillis: 10_000,
  } as pg.ClientConfig);
  // A dropped connection is reported by the operation that was using it; an 'error'
  // event with no listener would take the process down instead.
  client.on('error', () => undefined);
  try {
    await client.connect();
  } catch (err) {
    await client.end().catch(() => undefined);
    throw databaseError('connect', err);
  }
  return client;
}

/** Rows as PostgreSQL's text output, with each column's type OID; no parsing by pg. */
export interface TextResult {
  fields: { name: string; dataTypeID: number }[];
  rows: Record<string, string | null>[];
}

const RAW_TEXT = { getTypeParser: () => (value: string) => value };

export async function queryText(client: pg.Client, sql: string, operation = 'query'): Promise<TextResult> {
  try {
    const res = await client.query({ text: sql, types: RAW_TEXT } as pg.QueryConfig);
    return { fields: res.fields, rows: res.rows as Record<string, string | null>[] };
  } catch (err) {
    throw databaseError(operation, err);
  }
}

export const ident = (name: string): string => `"${name.replace(/"/g, '""')}"`;

/** A string literal; E'' form when it holds a backslash, as libpq's PQescapeLiteral. */
export function literal(value: string): string {
  const body = value.replace(/'/g, "''");
  return value.includes('\\') ? ` E'${body.replace(/\\/g, '\\\\')}'` : `'${body}'`;
}

/** schema.table, each part quoted. */
export const qualified = (name: string): string => {
  const dot = name.indexOf('.');
  return `${ident(name.slice(0, dot))}.${ident(name.slice(dot + 1))}`;
};

export async function closeQuietly(client: pg.Client | undefined): Promise<void> {
  if (client) await client.end().catch(() => undefined);
}
