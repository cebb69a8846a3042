// The value of a change record, shaped like Debezium's envelope so that consumers written
// for Debezium read Sluice's change topics unchanged:
//
//   { before, after, source: {...}, op, ts_ms }
//     op: c create, u update, d delete, r read (snapshot), t truncate
//     before: the row before an update or delete (when the source has it), else null
//     after:  the row after a create, update or read, else null
//     source: where the change came from (connector, table, position, commit time, ...)
//     ts_ms:  when the connector processed it
//
// A delete is followed by a tombstone (same key, null value) so that a compacted topic
// eventually forgets the key, as Debezium's tombstones.on.delete=true does.
import type { Json, SourceRecord } from './source.ts';

export type Op = 'c' | 'u' | 'd' | 'r' | 't';
export type Row = Record<string, Json>;

export interface Envelope {
  before: Row | null;
  after: Row | null;
  source: Record<string, Json>;
  op: Op;
  ts_ms: number;
  [key: string]: Json;
}

export interface Change {
  topic: string;
  key: Json;
  op: Op;
  before: Row | null;
  after: Row | null;
  source: Record<string, Json>;
  /** Epoch ms of the change at its source. */
  timestamp: number;
}

/**
 * The records of one change: the envelope, and for a delete (unless `tombstones` is off)
 * the tombstone after it.
 */
export function changeRecords(change: Change, now: number, tombstones = true): SourceRecord[] {
  const value: Envelope = { before: change.before, after: change.after, source: change.source, op: change.op, ts_ms: now };
  const record: SourceRecord = { topic: change.topic, key: change.key, value, timestamp: change.timestamp };
  if (change.op !== 'd' || !tombstones) return [record];
  return [record, { topic: change.topic, key: change.key, value: null, timestamp: change.timestamp }];
}
