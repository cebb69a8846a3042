// The shape every change-data-capture source offers the connector runtime. It mirrors
// the poll of defineSourceConnector (lib/connect): the runtime passes the offsets it last
// committed, the source returns records and the offsets that follow them, the runtime
// commits both in one transaction, and only then calls ack() so the source may release
// what it holds upstream (confirm a replication slot's LSN, delete SQS messages). A crash
// anywhere before that commit makes the next poll start again from the committed offsets:
// nothing is lost, and offsets committed with the records keep anything from repeating.
//
// Runs are bounded (a scheduled Lambda drains a source a little at a time): a poll
// returns after `maxRecords` records or `maxMs`, whichever comes first, and the runtime
// calls it again or stops. Offsets (O) are plain JSON, small enough for one DynamoDB item.

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** A record header; names may repeat (Kafka's headers; the connect model's ConnectHeader without a schema). */
export interface Header {
  key: string;
  value: string | Uint8Array | null;
}

/**
 * One record for a topic, before converters (the runtime serialises key and value). The
 * fields are those of the connect model's RecordInput (lib/connect/data/record.ts).
 */
export interface SourceRecord {
  topic: string;
  /** The record's key (a change's primary key); null for none. */
  key: Json;
  /** The record's value; null is a tombstone. */
  value: Json;
  headers?: Header[];
  /** Epoch ms of the change at its source (commit time, message sent time). */
  timestamp?: number;
}

export interface PollRequest<O> {
  /** What the runtime last committed for this source; undefined before the first commit. */
  offsets: O | undefined;
  /** At most this many records; a delete and its tombstone are never split (may add one). */
  maxRecords: number;
  maxMs: number;
}

export interface PollResult<O> {
  records: SourceRecord[];
  /** The position after these records; commit it with them, in one transaction. */
  offsets: O;
  /** Call after that commit succeeded; releases upstream what the records came from. */
  ack?: () => Promise<void>;
}

export interface ChangeSource<O> {
  poll(request: PollRequest<O>): Promise<PollResult<O>>;
  /** Releases connections; a source is not polled after close. */
  close(): Promise<void>;
}

/** Milliseconds since the epoch; injectable so tests control time. */
export type Clock = () => number;
