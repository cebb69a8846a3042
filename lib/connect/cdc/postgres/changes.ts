// pgoutput's row messages as Debezium-like changes: which topic, which key, the before and
// after images converted to JSON (types.ts), and the source block.
//
// Keys are the table's primary key (PostgreSQL's replica identity flags mark every column
// under REPLICA IDENTITY FULL, so the primary key columns come from the catalog; see
// primaryKeys in catalog.ts); a table without one has a null key. An update that changes
// the primary key becomes a delete of the old key and a create of the new one, as
// Debezium does, so a consumer keyed by primary key never keeps the old row.
//
// Before images: PostgreSQL sends the old row only as its replica identity allows. With
// FULL, updates and deletes carry the whole old row; with DEFAULT, deletes carry the key
// (other columns null), updates carry nothing unless the key changed, and so `before` is
// null. A TOASTed value that an update did not change is not sent; it is filled from the
// old row when FULL gave us one, and is otherwise Debezium's placeholder.
import type { Change, Row } from '../envelope.ts';
import type { Json } from '../source.ts';
import type { Relation, Tuple } from './pgoutput.ts';
import { convertValue } from './types.ts';

export const UNAVAILABLE_VALUE = '__debezium_unavailable_value';

export interface ChangeContext {
  topic: string;
  /** Primary key column names, in key order; empty: no primary key. */
  keyColumns: readonly string[];
  /** Static fields of the source block (connector, name, db, schema, table). */
  source: Record<string, Json>;
  txId: number | null;
  lsn: bigint;
  /** Epoch ms of the commit (or of the snapshot). */
  timestamp: number;
  snapshot: boolean;
}

/** A tuple as a row; unchanged TOASTed values taken from `previous` when it has them. */
export function tupleToRow(relation: Relation, tuple: Tuple, previous?: Row | null): Row {
  const row: Row = {};
  relation.columns.forEach((column, i) => {
    const value = tuple[i] ?? null;
    if (value !== null && typeof value === 'object') {
      const known = previous?.[column.name];
      row[column.name] = known !== undefined && known !== null && known !== UNAVAILABLE_VALUE ? known : UNAVAILABLE_VALUE;
    } else {
      row[column.name] = convertValue(column.typeOid, value);
    }
  });
  return row;
}

export function keyOf(row: Row, keyColumns: readonly string[]): Json {
  if (!keyColumns.length) return null;
  return Object.fromEntries(keyColumns.map((c) => [c, row[c] ?? null]));
}

const sameKey = (a: Json, b: Json): boolean => JSON.stringify(a) === JSON.stringify(b);

function change(ctx: ChangeContext, op: Change['op'], key: Json, before: Row | null, after: Row | null): Change {
  const source = { ...ctx.source, ts_ms: ctx.timestamp, snapshot: ctx.snapshot ? 'true' : 'false', txId: ctx.txId, lsn: Number(ctx.lsn) };
  return { topic: ctx.topic, key, op, before, after, source, timestamp: ctx.timestamp };
}

export function insertChanges(ctx: ChangeContext, relation: Relation, tuple: Tuple): Change[] {
  const after = tupleToRow(relation, tuple);
  return [change(ctx, 'c', keyOf(after, ctx.keyColumns), null, after)];
}

export function readChange(ctx: ChangeContext, row: Row): Change {
  return change(ctx, 'r', keyOf(row, ctx.keyColumns), null, row);
}

export function updateChanges(ctx: ChangeContext, relation: Relation, oldTuple: Tuple | null, oldIsKey: boolean, tuple: Tuple): Change[] {
  const old = oldTuple ? tupleToRow(relation, oldTuple) : null;
  const after = tupleToRow(relation, tuple, oldIsKey ? null : old);
  const key = keyOf(after, ctx.keyColumns);
  const before = old && !oldIsKey ? old : null;
  if (old && ctx.keyColumns.length) {
    const oldKey = keyOf(old, ctx.keyColumns);
    if (!sameKey(oldKey, key)) return [change(ctx, 'd', oldKey, old, null), change(ctx, 'c', key, null, after)];
  }
  return [change(ctx, 'u', key, before, after)];
}

export function deleteChanges(ctx: ChangeContext, relation: Relation, oldTuple: Tuple): Change[] {
  const before = tupleToRow(relation, oldTuple);
  return [change(ctx, 'd', keyOf(before, ctx.keyColumns), before, null)];
}

export function truncateChange(ctx: ChangeContext): Change {
  return change(ctx, 't', null, null, null);
}
