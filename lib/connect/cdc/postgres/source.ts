// PostgresCdcSource: change data capture from PostgreSQL by logical decoding (pgoutput)
// through a replication slot of the connector's own, polled in bounded runs.
//
// A poll does one of two things, as the offsets say:
//   snapshot  (offsets.snapshot.pending non-empty) read up to maxRecords rows of the
//             pending tables as op=r records (snapshot.ts);
//   stream    START_REPLICATION from offsets.lsn, collect changes until maxRecords,
//             caught up, or maxMs (collector.ts), end the stream.
// The first poll (no offsets) creates the publication and the slot, with the snapshot
// taken at the slot's point when snapshot.mode=initial.
//
// Exactly once: offsets hold the LSN up to which every transaction has been delivered
// (plus how far into a transaction a pass stopped). The runtime commits them with the
// records; the slot is confirmed (pg_replication_slot_advance) only by ack(), called
// after that commit, and by the status updates of the next pass, which report the
// committed offsets it was given. A crash before the commit leaves the slot behind the
// records, and the next poll, starting from the committed offsets, produces them again;
// nothing after the commit can be produced twice because START_REPLICATION skips what
// committed before the start LSN. How the slot is kept from growing: slot.ts.
import type pg from 'pg';
import type { ChangeSource, Clock, PollRequest, PollResult, SourceRecord } from '../source.ts';
import { changeRecords } from '../envelope.ts';
import { readChange, truncateChange, type ChangeContext } from './changes.ts';
import { capturedTables, dropSlot, ensurePublication, primaryKeys, slotState } from './catalog.ts';
import { ChangeCollector, sourceFields, type Skip } from './collector.ts';
import { parsePostgresCdcConfig, topicFor, type PostgresCdcConfig } from './config.ts';
import { closeQuietly, connectReplication, databaseError, ident, literal, queryText } from './connection.ts';
import { checkSlot, type SlotLog } from './slot.ts';
import { SnapshotSession } from './snapshot.ts';
import { streamPass } from './stream.ts';
import { convertValue } from './types.ts';
import { formatLsn, parseLsn, type Lsn } from './wal.ts';
import type { ConfigMap } from '../config.ts';

export interface PostgresOffsets {
  /** Every transaction that committed before this LSN has been delivered. */
  lsn: string;
  /** The pass stopped inside this transaction after `count` change messages. */
  skip?: Skip;
  snapshot?: {
    /** Tables not yet read whole, in reading order. */
    pending: string[];
    /** For each table read, the point its snapshot was taken at. */
    tables: Record<string, string>;
    /** The first pending table has rows committed already (a poll ended inside it). */
    partial?: boolean;
  };
}

export interface PostgresCdcSourceOptions {
  clock?: Clock;
  log?: SlotLog;
}

/** SQLSTATE object_in_use: the slot is still held by a stream that has not ended yet. */
const SLOT_IN_USE = '55006';

export class PostgresCdcSource implements ChangeSource<PostgresOffsets> {
  readonly config: PostgresCdcConfig;
  private readonly clock: Clock;
  private readonly log: SlotLog | undefined;
  private client: pg.Client | undefined;
  private snapshot: SnapshotSession | undefined;
  private keys: Map<string, string[]> | undefined;
  private acking: Promise<void> = Promise.resolve();

  constructor(config: ConfigMap | PostgresCdcConfig, opts: PostgresCdcSourceOptions = {}) {
    this.config = 'topicPrefix' in config ? (config as PostgresCdcConfig) : parsePostgresCdcConfig(config as ConfigMap);
    this.clock = opts.clock ?? Date.now;
    this.log = opts.log;
  }

  async poll(request: PollRequest<PostgresOffsets>): Promise<PollResult<PostgresOffsets>> {
    await this.acking;
    const deadline = this.clock() + request.maxMs;
    const client = await this.connection();
    const offsets = request.offsets ?? (await this.begin(client));
    if (offsets.snapshot?.pending.length) return this.snapshotPoll(offsets, request.maxRecords, deadline);
    await checkSlot(client, this.config, parseLsn(offsets.lsn), this.log);
    return this.streamPoll(client, offsets, request.maxRecords, deadline);
  }

  async close(): Promise<void> {
    await this.acking.catch(() => undefined);
    await this.snapshot?.close();
    this.snapshot = undefined;
    await closeQuietly(this.client);
    this.client = undefined;
  }

  private async connection(): Promise<pg.Client> {
    if (!this.client) {
      const client = await connectReplication(this.config);
      try {
        await ensurePublication(client, this.config);
      } catch (err) {
        await closeQuietly(client);
        throw err;
      }
      this.client = client;
    }
    return this.client;
  }

  private async primaryKeys(client: pg.Client): Promise<Map<string, string[]>> {
    this.keys ??= await primaryKeys(client, await capturedTables(client, this.config));
    return this.keys;
  }

  /**
   * No offsets: nothing was ever committed, so a slot of ours found here is left from a
   * first run that crashed before its commit; it is replaced, as its snapshot is gone.
   */
  private async begin(client: pg.Client): Promise<PostgresOffsets> {
    if (await slotState(client, this.config.slotName)) await dropSlot(client, this.config.slotName);
    if (this.config.snapshotMode === 'never') {
      const res = await queryText(client, `CREATE_REPLICATION_SLOT ${ident(this.config.slotName)} LOGICAL pgoutput NOEXPORT_SNAPSHOT`, 'CREATE_REPLICATION_SLOT');
      return { lsn: res.rows[0]!.consistent_point! };
    }
    const tables = await capturedTables(client, this.config);
    this.snapshot = await SnapshotSession.open(this.config, tables, true);
    return { lsn: formatLsn(this.snapshot.lsn), snapshot: { pending: tables, tables: {} } };
  }

  private async snapshotPoll(offsets: PostgresOffsets, maxRecords: number, deadline: number): Promise<PollResult<PostgresOffsets>> {
    const pending = offsets.snapshot!.pending;
    const { session, restarted } = await this.snapshotFor(pending);
    const keys = await this.primaryKeys(this.client!);
    const tables = { ...offsets.snapshot!.tables };
    const records: SourceRecord[] = [];
    let partial = offsets.snapshot!.partial === true && !restarted;
    if (restarted && offsets.snapshot!.partial) {
      // Rows of the interrupted table read at the old point may since have been deleted;
      // clear the table before reading it again (see snapshot.ts).
      records.push(...changeRecords(truncateChange(this.readContext(pending[0]!, keys, session)), this.clock()));
    }
    while (!session.done && records.length < maxRecords && this.clock() < deadline) {
      const batch = await session.fetch(Math.min(this.config.snapshotFetchSize, maxRecords - records.length));
      if (!batch) break;
      const now = this.clock();
      const ctx = this.readContext(batch.table, keys, session);
      for (const row of batch.result.rows) {
        const converted = Object.fromEntries(batch.result.fields.map((f) => [f.name, convertValue(f.dataTypeID, row[f.name] ?? null)]));
        records.push(...changeRecords(readChange(ctx, converted), now));
      }
      partial = !batch.finished;
      if (batch.finished) tables[batch.table] = formatLsn(session.lsn);
    }
    const next: PostgresOffsets = { lsn: offsets.lsn, snapshot: { pending: [...session.pending], tables, ...(partial ? { partial } : {}) } };
    if (session.done) {
      await session.close();
      this.snapshot = undefined;
    }
    return { records, offsets: next };
  }

  /**
   * The open snapshot if it is the one these offsets continue; otherwise (a new run, or
   * a crash) a new snapshot, by a temporary slot, for the tables still pending.
   */
  private async snapshotFor(pending: string[]): Promise<{ session: SnapshotSession; restarted: boolean }> {
    const open = this.snapshot;
    if (open && open.pending.join('\n') === pending.join('\n')) return { session: open, restarted: false };
    await open?.close();
    this.snapshot = await SnapshotSession.open(this.config, pending, false);
    return { session: this.snapshot, restarted: true };
  }

  private readContext(name: string, keys: Map<string, string[]>, session: SnapshotSession): ChangeContext {
    const [schema, table] = splitName(name);
    return {
      topic: topicFor(this.config, schema, table),
      keyColumns: keys.get(name) ?? [],
      source: sourceFields(this.config, schema, table),
      txId: null,
      lsn: session.lsn,
      timestamp: this.clock(),
      snapshot: true,
    };
  }

  private async streamPoll(client: pg.Client, offsets: PostgresOffsets, maxRecords: number, deadline: number): Promise<PollResult<PostgresOffsets>> {
    const start = parseLsn(offsets.lsn);
    const points = new Map(Object.entries(offsets.snapshot?.tables ?? {}).map(([t, l]) => [t, parseLsn(l)]));
    const collector = new ChangeCollector(this.config, start, offsets.skip, await this.primaryKeys(client), points, maxRecords, this.clock);
    const end = await queryText(client, 'SELECT pg_current_wal_insert_lsn()::text AS lsn', 'end of WAL');
    const caughtUpAt = parseLsn(end.rows[0]!.lsn!);
    for (;;) {
      const stream = await connectReplication(this.config);
      try {
        await streamPass(stream, {
          slot: this.config.slotName,
          publication: this.config.publicationName,
          start,
          acknowledged: start,
          maxMs: Math.max(0, deadline - this.clock()),
          clock: this.clock,
          onMessage: (m) => collector.onMessage(m),
          onKeepalive: (walEnd) => collector.onKeepalive(walEnd, caughtUpAt),
        });
        break;
      } catch (err) {
        // The stream of a run that just ended (or crashed) may still hold the slot.
        const busy = (err as { details?: { sqlState?: string } }).details?.sqlState === SLOT_IN_USE;
        if (!busy || this.clock() >= deadline || collector.records.length) throw err;
        await new Promise((r) => setTimeout(r, 100));
      } finally {
        await closeQuietly(stream);
      }
    }
    const position = collector.position;
    const next: PostgresOffsets = { lsn: formatLsn(position) };
    const skip = collector.pendingSkip;
    if (skip) next.skip = skip;
    // The snapshot points matter until the stream has passed the latest of them.
    const latest = [...points.values()].reduce((a, b) => (a > b ? a : b), 0n);
    if (offsets.snapshot && position < latest) next.snapshot = { pending: [], tables: offsets.snapshot.tables };
    const result: PollResult<PostgresOffsets> = { records: collector.records, offsets: next };
    if (position > start) result.ack = () => this.acknowledge(position);
    return result;
  }

  /** Confirms `lsn` to PostgreSQL: the slot may forget what committed before it. */
  private acknowledge(lsn: Lsn): Promise<void> {
    const run = async () => {
      const client = await this.connection();
      const at = literal(formatLsn(lsn));
      try {
        await client.query(
          `SELECT pg_replication_slot_advance(slot_name, ${at}::pg_lsn) FROM pg_replication_slots
            WHERE slot_name = ${literal(this.config.slotName)} AND confirmed_flush_lsn < ${at}::pg_lsn`,
        );
      } catch (err) {
        throw databaseError('slot advance', err);
      }
    };
    this.acking = this.acking.catch(() => undefined).then(run);
    return this.acking;
  }
}

function splitName(name: string): [string, string] {
  const dot = name.indexOf('.');
  return [name.slice(0, dot), name.slice(dot + 1)];
}

export type { Lsn };
