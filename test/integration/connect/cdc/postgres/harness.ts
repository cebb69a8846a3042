// Per-file PostgreSQL database on the run's server (postgresSetup.ts), the connector
// config pointing at it, and a runtime stand-in: it polls a source, "commits" records and
// offsets together (both kept in memory, as one transaction would), then acks; it can
// drop the source at any step without closing it, as a crashed Lambda would.
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, inject } from 'vitest';
import type { ChangeSource, PollResult, SourceRecord } from '../../../../../lib/connect/cdc/source.ts';

export interface TestDatabase {
  name: string;
  /** A plain SQL client for the workload. */
  sql: pg.Client;
  /** Connector config for this database. */
  config(extra?: Record<string, string>): Record<string, string>;
  /** Another plain client (for concurrent writers). */
  client(): Promise<pg.Client>;
}

export function usePostgresDatabase(): TestDatabase {
  const name = `cdc_${randomBytes(5).toString('hex')}`;
  const clients: pg.Client[] = [];
  let sql: pg.Client | undefined;
  const connect = async (database: string) => {
    const { host, port, user, password } = inject('postgres');
    const client = new pg.Client({ host, port, user, password, database });
    client.on('error', () => undefined);
    await client.connect();
    clients.push(client);
    return client;
  };
  beforeAll(async () => {
    const admin = await connect('postgres');
    await admin.query(`CREATE DATABASE ${name}`);
    sql = await connect(name);
  });
  afterAll(async () => {
    await Promise.all(clients.map((c) => c.end().catch(() => undefined)));
  });
  return {
    name,
    get sql() {
      if (!sql) throw new Error('the database exists only between beforeAll and afterAll');
      return sql;
    },
    config(extra = {}) {
      const { host, port, user, password } = inject('postgres');
      return {
        'database.hostname': host,
        'database.port': String(port),
        'database.user': user,
        'database.password': password,
        'database.dbname': name,
        'database.sslmode': 'disable',
        'topic.prefix': 'shop',
        // Slots are the server's, not the database's: one of this database's own unless named.
        'slot.name': name,
        ...extra,
      };
    },
    client: () => connect(name),
  };
}

/** What a runtime has committed: the records (in commit order) and the last offsets. */
export interface Committed<O> {
  records: SourceRecord[];
  offsets: O | undefined;
  commits: number;
}

export const emptyLog = <O>(): Committed<O> => ({ records: [], offsets: undefined, commits: 0 });

/**
 * One poll as the runtime does it: poll from the committed offsets, commit records and
 * offsets together, then ack. `crash` stops after the poll (nothing committed) or after
 * the commit (not acked).
 */
export async function pollAndCommit<O>(
  source: ChangeSource<O>,
  log: Committed<O>,
  opts: { maxRecords?: number; maxMs?: number; crash?: 'before-commit' | 'before-ack' } = {},
): Promise<PollResult<O>> {
  const result = await source.poll({ offsets: log.offsets, maxRecords: opts.maxRecords ?? 1000, maxMs: opts.maxMs ?? 2000 });
  if (opts.crash === 'before-commit') return result;
  log.records.push(...result.records);
  log.offsets = structuredClone(result.offsets);
  log.commits++;
  if (opts.crash === 'before-ack') return result;
  await result.ack?.();
  return result;
}

/** A replication session streaming from the slot, as a running poll (another runner's) holds one. */
export async function streamFrom(db: TestDatabase, slot: string, publication: string): Promise<pg.Client> {
  const { host, port, user, password } = inject('postgres');
  const client = new pg.Client({ host, port, user, password, database: db.name, replication: 'database' } as pg.ClientConfig);
  client.on('error', () => undefined);
  await client.connect();
  client.query(`START_REPLICATION SLOT ${slot} LOGICAL 0/0 (proto_version '1', publication_names '${publication}')`).catch(() => undefined);
  return client;
}
