// Decoder of pgoutput, the logical decoding plugin built into PostgreSQL (10+), protocol
// version 1: the messages of the Logical Replication Message Formats chapter of its
// manual. One message per XLogData frame. Tuples come in text format (we never ask for
// `binary`), so every column value is PostgreSQL's text output, converted by types.ts.
import type { Lsn } from './wal.ts';
import { pgTimeToMs } from './wal.ts';

export interface Column {
  name: string;
  typeOid: number;
  typeMod: number;
  /** Part of the replica identity (the primary key unless REPLICA IDENTITY says else). */
  key: boolean;
}

export interface Relation {
  id: number;
  schema: string;
  table: string;
  /** d default (primary key), n nothing, f full (all columns), i index. */
  replicaIdentity: 'd' | 'n' | 'f' | 'i';
  columns: Column[];
}

/** A column's text value, null for SQL NULL, or `unchanged` for a TOASTed value not sent. */
export type TupleValue = string | null | { unchanged: true };
export type Tuple = TupleValue[];

export type PgOutputMessage =
  | { tag: 'begin'; finalLsn: Lsn; commitTime: number; xid: number }
  | { tag: 'commit'; commitLsn: Lsn; endLsn: Lsn; commitTime: number }
  | { tag: 'origin'; lsn: Lsn; name: string }
  | { tag: 'relation'; relation: Relation }
  | { tag: 'type'; oid: number; schema: string; name: string }
  | { tag: 'insert'; relationId: number; after: Tuple }
  | { tag: 'update'; relationId: number; before: Tuple | null; beforeIsKey: boolean; after: Tuple }
  | { tag: 'delete'; relationId: number; before: Tuple; beforeIsKey: boolean }
  | { tag: 'truncate'; relationIds: number[]; cascade: boolean; restartIdentity: boolean }
  | { tag: 'message'; lsn: Lsn; prefix: string; content: Buffer };

/** A cursor over one message; every read checks bounds, so a short message throws. */
class Reader {
  private pos = 0;
  constructor(private readonly buf: Buffer) {}
  byte(): number {
    this.need(1);
    return this.buf[this.pos++]!;
  }
  int16(): number {
    this.need(2);
    const v = this.buf.readInt16BE(this.pos);
    this.pos += 2;
    return v;
  }
  int32(): number {
    this.need(4);
    const v = this.buf.readInt32BE(this.pos);
    this.pos += 4;
    return v;
  }
  uint32(): number {
    return this.int32() >>> 0;
  }
  int64(): bigint {
    this.need(8);
    const v = this.buf.readBigUInt64BE(this.pos);
    this.pos += 8;
    return v;
  }
  /** A NUL-terminated string. */
  cstring(): string {
    const end = this.buf.indexOf(0, this.pos);
    if (end < 0) throw new Error('pgoutput: unterminated string');
    const s = this.buf.toString('utf8', this.pos, end);
    this.pos = end + 1;
    return s;
  }
  bytes(n: number): Buffer {
    this.need(n);
    const b = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return b;
  }
  private need(n: number): void {
    if (this.pos + n > this.buf.length) throw new Error('pgoutput: message ends early');
  }
}

/*
 * TupleData:
 *   Int16 ncolumns, then per column one of
 *     'n'                     NULL
 *     'u'                     unchanged TOASTed value (not sent)
 *     't' Int32 len Byte[len] the value in text format
 *     'b' Int32 len Byte[len] the value in binary format (only with the binary option)
 */
function readTuple(r: Reader): Tuple {
  const n = r.int16();
  const values: Tuple = [];
  for (let i = 0; i < n; i++) {
    const kind = String.fromCharCode(r.byte());
    if (kind === 'n') values.push(null);
    else if (kind === 'u') values.push({ unchanged: true });
    else if (kind === 't') values.push(r.bytes(r.int32()).toString('utf8'));
    else throw new Error(`pgoutput: unsupported tuple value kind ${JSON.stringify(kind)}`);
  }
  return values;
}

/*
 * Relation   'R'  Int32 relid  String namespace  String name  Int8 replicaIdentity
 *                 Int16 ncolumns, then per column:
 *                   Int8 flags (1 = part of the key)  String name  Int32 typeOid  Int32 typmod
 * Type       'Y'  Int32 typeOid  String namespace  String name
 */
function readRelation(r: Reader): Relation {
  const id = r.uint32();
  const schema = r.cstring() || 'pg_catalog';
  const table = r.cstring();
  const replicaIdentity = String.fromCharCode(r.byte()) as Relation['replicaIdentity'];
  const n = r.int16();
  const columns: Column[] = [];
  for (let i = 0; i < n; i++) {
    const flags = r.byte();
    columns.push({ name: r.cstring(), typeOid: r.uint32(), typeMod: r.int32(), key: (flags & 1) === 1 });
  }
  return { id, schema, table, replicaIdentity, columns };
}

/*
 * Begin      'B'  Int64 finalLsn (the commit record's LSN)  Int64 commitTime  Int32 xid
 * Commit     'C'  Int8 flags (0)  Int64 commitLsn  Int64 endLsn  Int64 commitTime
 * Origin     'O'  Int64 lsn  String name
 * Insert     'I'  Int32 relid  'N' TupleData
 * Update     'U'  Int32 relid  ['K' TupleData (old key) | 'O' TupleData (old row)]  'N' TupleData
 * Delete     'D'  Int32 relid  ('K' | 'O') TupleData
 * Truncate   'T'  Int32 nrelations  Int8 options (1 cascade, 2 restart identity)  Int32 relid...
 * Message    'M'  Int8 flags  Int64 lsn  String prefix  Int32 len  Byte[len] content
 * Times are PostgreSQL time (µs since 2000-01-01); we return epoch milliseconds.
 */
export function decodePgOutput(buf: Buffer): PgOutputMessage {
  const r = new Reader(buf);
  const tag = String.fromCharCode(r.byte());
  switch (tag) {
    case 'B':
      return { tag: 'begin', finalLsn: r.int64(), commitTime: pgTimeToMs(r.int64()), xid: r.uint32() };
    case 'C': {
      r.byte();
      return { tag: 'commit', commitLsn: r.int64(), endLsn: r.int64(), commitTime: pgTimeToMs(r.int64()) };
    }
    case 'O':
      return { tag: 'origin', lsn: r.int64(), name: r.cstring() };
    case 'R':
      return { tag: 'relation', relation: readRelation(r) };
    case 'Y':
      return { tag: 'type', oid: r.uint32(), schema: r.cstring(), name: r.cstring() };
    case 'I': {
      const relationId = r.uint32();
      expectByte(r, 'N');
      return { tag: 'insert', relationId, after: readTuple(r) };
    }
    case 'U': {
      const relationId = r.uint32();
      let marker = String.fromCharCode(r.byte());
      let before: Tuple | null = null;
      const beforeIsKey = marker === 'K';
      if (marker === 'K' || marker === 'O') {
        before = readTuple(r);
        marker = String.fromCharCode(r.byte());
      }
      if (marker !== 'N') throw new Error(`pgoutput: update without a new tuple (${JSON.stringify(marker)})`);
      return { tag: 'update', relationId, before, beforeIsKey, after: readTuple(r) };
    }
    case 'D': {
      const relationId = r.uint32();
      const marker = String.fromCharCode(r.byte());
      if (marker !== 'K' && marker !== 'O') throw new Error(`pgoutput: delete without an old tuple (${JSON.stringify(marker)})`);
      return { tag: 'delete', relationId, before: readTuple(r), beforeIsKey: marker === 'K' };
    }
    case 'T': {
      const n = r.int32();
      const options = r.byte();
      const relationIds = Array.from({ length: n }, () => r.uint32());
      return { tag: 'truncate', relationIds, cascade: (options & 1) !== 0, restartIdentity: (options & 2) !== 0 };
    }
    case 'M': {
      r.byte();
      const lsn = r.int64();
      const prefix = r.cstring();
      return { tag: 'message', lsn, prefix, content: r.bytes(r.int32()) };
    }
    default:
      throw new Error(`pgoutput: unknown message ${JSON.stringify(tag)}`);
  }
}

function expectByte(r: Reader, want: string): void {
  const got = String.fromCharCode(r.byte());
  if (got !== want) throw new Error(`pgoutput: expected ${JSON.stringify(want)}, got ${JSON.stringify(got)}`);
}
