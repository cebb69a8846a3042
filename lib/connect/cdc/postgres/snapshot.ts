// The initial snapshot (snapshot.mode=initial): every captured table read as of one
// point of the WAL, the point from which the slot streams, so that the snapshot and the
// stream meet without a gap and without an overlap.
//
// How: on a replication connection,
//   BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY;
//   CREATE_REPLICATION_SLOT slot [TEMPORARY] LOGICAL pgoutput USE_SNAPSHOT;
//     → consistent_point: transactions that committed before it are exactly those the
//       transaction's snapshot sees; the slot streams exactly the ones after it.
//   DECLARE c NO SCROLL CURSOR FOR SELECT * FROM table;  FETCH n FROM c; ...
// The first snapshot creates the connector's own slot this way. The transaction lives as
// long as this connection, and a bounded run may end (or crash) before the last table
// is read; the next run then takes a new snapshot with a TEMPORARY slot (dropped with
// its session) at a later point L1 and reads the unfinished tables again from their
// start. The stream (which still starts at the first slot's point) then skips, for each
// table, the changes that committed before the point its snapshot was taken at, so each
// change still reaches the topic exactly once after the row image it applies to. A table
// whose reading was cut short has rows committed from the old point, some of which may be
// deleted before the new one; so its new reading starts with a truncate event (op t)
// that clears it, then reads every row again (op r, newer). A consumer that applies
// truncates, as Debezium's consumers do, ends with exactly the table; a compacted topic
// keeps such a deleted row's old read, as compaction never sees a tombstone for it.
// Debezium restarts an interrupted snapshot the same way, without the truncate.
import { randomBytes } from 'node:crypto';
import type pg from 'pg';
import { closeQuietly, connectReplication, ident, qualified, queryText, type TextResult } from './connection.ts';
import type { PostgresCdcConfig } from './config.ts';
import { parseLsn, type Lsn } from './wal.ts';

const CURSOR = 'sluice_snapshot';

export class SnapshotSession {
  private cursorOpen = false;

  private constructor(
    private readonly client: pg.Client,
    /** The point the snapshot is taken at. */
    readonly lsn: Lsn,
    /** Tables still to read; the first is being read. */
    readonly pending: string[],
  ) {}

  /**
   * Takes a snapshot for `tables`: with the connector's own slot (created here) when
   * `createSlot`, else with a temporary one.
   */
  static async open(config: PostgresCdcConfig, tables: readonly string[], createSlot: boolean): Promise<SnapshotSession> {
    const client = await connectReplication(config);
    try {
      const slot = createSlot ? config.slotName : `${config.slotName.slice(0, 40)}_snap_${randomBytes(6).toString('hex')}`;
      await queryText(client, 'BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY', 'BEGIN');
      const res = await queryText(
        client,
        `CREATE_REPLICATION_SLOT ${ident(slot)} ${createSlot ? '' : 'TEMPORARY '}LOGICAL pgoutput USE_SNAPSHOT`,
        'CREATE_REPLICATION_SLOT',
      );
      return new SnapshotSession(client, parseLsn(res.rows[0]!.consistent_point!), [...tables]);
    } catch (err) {
      await closeQuietly(client);
      throw err;
    }
  }

  /** Up to `max` rows of the current table; the table is finished when fewer come back. */
  async fetch(max: number): Promise<{ table: string; result: TextResult; finished: boolean } | undefined> {
    const table = this.pending[0];
    if (table === undefined) return undefined;
    if (!this.cursorOpen) {
      await queryText(this.client, `DECLARE ${CURSOR} NO SCROLL CURSOR FOR SELECT * FROM ${qualified(table)}`, 'snapshot cursor');
      this.cursorOpen = true;
    }
    const result = await queryText(this.client, `FETCH ${max} FROM ${CURSOR}`, 'snapshot fetch');
    const finished = result.rows.length < max;
    if (finished) {
      await queryText(this.client, `CLOSE ${CURSOR}`, 'snapshot cursor');
      this.cursorOpen = false;
      this.pending.shift();
    }
    return { table, result, finished };
  }

  get done(): boolean {
    return this.pending.length === 0;
  }

  /** Ends the snapshot's transaction and session (a temporary slot goes with it). */
  async close(): Promise<void> {
    await queryText(this.client, 'COMMIT', 'COMMIT').catch(() => undefined);
    await closeQuietly(this.client);
  }
}
