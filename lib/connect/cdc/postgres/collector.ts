// Turns the messages of one stream pass into records and keeps the position that the
// offsets will hold. The rules that make restarts exact:
//
// - `position` only moves to a Commit's end LSN, or to a keepalive's walEnd while no
//   transaction is open: every transaction that committed before it has been delivered
//   whole. Restarting from it (START_REPLICATION skips what committed before) repeats
//   nothing and misses nothing.
// - A pass may stop inside a large transaction (maxRecords, time). Then `skip` names the
//   transaction (its commit LSN from Begin) and how many of its change messages were
//   handled; the next pass gets the transaction again from its Begin, identical, and
//   passes over that many.
// - Tables that a snapshot read (snapshot.ts) drop the changes that committed before the
//   point their snapshot was taken at: the snapshot already shows them.
import { changeRecords, type Change } from '../envelope.ts';
import type { Clock, Json, SourceRecord } from '../source.ts';
import { deleteChanges, insertChanges, truncateChange, updateChanges, type ChangeContext } from './changes.ts';
import { topicFor, type PostgresCdcConfig } from './config.ts';
import type { PgOutputMessage, Relation } from './pgoutput.ts';
import { formatLsn, type Lsn } from './wal.ts';

/** Bytes of a long WAL page header (SizeOfXLogLongPHD), rounded up. */
const PAGE_HEADER_SLACK = 64n;

export interface Skip {
  txn: string;
  count: number;
}

interface OpenTxn {
  finalLsn: Lsn;
  xid: number;
  commitTime: number;
  seen: number;
  skipUntil: number;
}

export class ChangeCollector {
  readonly records: SourceRecord[] = [];
  position: Lsn;
  private txn: OpenTxn | undefined;
  private skip: Skip | undefined;
  private readonly relations = new Map<number, Relation>();

  constructor(
    private readonly config: PostgresCdcConfig,
    start: Lsn,
    skip: Skip | undefined,
    /** Primary key columns by schema.table. */
    private readonly keys: ReadonlyMap<string, string[]>,
    /** The snapshot point of each table a snapshot read. */
    private readonly snapshotPoints: ReadonlyMap<string, Lsn>,
    private readonly maxRecords: number,
    private readonly clock: Clock,
  ) {
    this.position = start;
    this.skip = skip;
  }

  /** The skip to store in the offsets: set when the pass ends inside a transaction. */
  get pendingSkip(): Skip | undefined {
    return this.txn ? { txn: formatLsn(this.txn.finalLsn), count: this.txn.seen } : undefined;
  }

  private get full(): boolean {
    return this.records.length >= this.maxRecords;
  }

  /** Handles one message; true when the pass should end. */
  onMessage(msg: PgOutputMessage): boolean {
    switch (msg.tag) {
      case 'begin': {
        const skipUntil = this.skip && this.skip.txn === formatLsn(msg.finalLsn) ? this.skip.count : 0;
        this.txn = { finalLsn: msg.finalLsn, xid: msg.xid, commitTime: msg.commitTime, seen: 0, skipUntil };
        return false;
      }
      case 'commit':
        this.txn = undefined;
        this.skip = undefined;
        if (msg.endLsn > this.position) this.position = msg.endLsn;
        return this.full;
      case 'relation':
        this.relations.set(msg.relation.id, msg.relation);
        return false;
      case 'insert':
      case 'update':
      case 'delete':
      case 'truncate':
        this.onChange(msg);
        return this.full;
      default:
        return false;
    }
  }

  /**
   * A keepalive: the server has sent everything up to walEnd. True when the pass should
   * end: no transaction is open and the server has read up to `caughtUpAt`, the end of
   * WAL when the pass began. (The server also sends keepalives while it waits for WAL
   * to be flushed, which with asynchronous commit lags the commits; those do not end
   * the pass.) Whether it ends early or late only costs time, never a change.
   */
  onKeepalive(walEnd: Lsn, caughtUpAt: Lsn): boolean {
    if (this.txn) return false;
    if (walEnd > this.position) this.position = walEnd;
    // The end of WAL may point past a page header that ends no record: allow for one.
    return walEnd + PAGE_HEADER_SLACK >= caughtUpAt;
  }

  private onChange(msg: Extract<PgOutputMessage, { tag: 'insert' | 'update' | 'delete' | 'truncate' }>): void {
    const txn = this.txn;
    if (!txn) throw new Error(`pgoutput: ${msg.tag} outside a transaction`);
    txn.seen++;
    if (txn.seen <= txn.skipUntil) return;
    const changes: Change[] = [];
    if (msg.tag === 'truncate') {
      for (const id of msg.relationIds) {
        const relation = this.relation(id);
        if (this.wanted(relation, txn)) changes.push(truncateChange(this.context(relation, txn)));
      }
    } else {
      const relation = this.relation(msg.relationId);
      if (!this.wanted(relation, txn)) return;
      const ctx = this.context(relation, txn);
      if (msg.tag === 'insert') changes.push(...insertChanges(ctx, relation, msg.after));
      else if (msg.tag === 'update') changes.push(...updateChanges(ctx, relation, msg.before, msg.beforeIsKey, msg.after));
      else changes.push(...deleteChanges(ctx, relation, msg.before));
    }
    const now = this.clock();
    for (const c of changes) this.records.push(...changeRecords(c, now, this.config.tombstonesOnDelete));
  }

  private relation(id: number): Relation {
    const relation = this.relations.get(id);
    if (!relation) throw new Error(`pgoutput: change for relation ${id} before its Relation message`);
    return relation;
  }

  private wanted(relation: Relation, txn: OpenTxn): boolean {
    const name = `${relation.schema}.${relation.table}`;
    if (this.config.tables.length && !this.config.tables.includes(name)) return false;
    const point = this.snapshotPoints.get(name);
    return point === undefined || txn.finalLsn >= point;
  }

  private context(relation: Relation, txn: OpenTxn): ChangeContext {
    const name = `${relation.schema}.${relation.table}`;
    // A table created after the keys were read: its replica identity is its primary key
    // unless the table says otherwise.
    const keyColumns = this.keys.get(name) ?? (relation.replicaIdentity === 'd' ? relation.columns.filter((c) => c.key).map((c) => c.name) : []);
    return {
      topic: topicFor(this.config, relation.schema, relation.table),
      keyColumns,
      source: sourceFields(this.config, relation.schema, relation.table),
      txId: txn.xid,
      lsn: txn.finalLsn,
      timestamp: txn.commitTime,
      snapshot: false,
    };
  }
}

/** The fixed part of the envelope's source block (Debezium's names). */
export function sourceFields(config: PostgresCdcConfig, schema: string, table: string): Record<string, Json> {
  return { connector: 'postgresql', name: config.topicPrefix, db: config.database, schema, table };
}
