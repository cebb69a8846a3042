// One bounded pass over a logical replication slot: START_REPLICATION on a replication
// connection, the COPY stream it opens read frame by frame, and CopyDone to end it when
// the caller has enough, has caught up, or time is up. After the server's CommandComplete
// the slot is released, but the connection is spent: a walsender ends a second logical
// START_REPLICATION at once (it still remembers the first one's CopyDone), so every pass
// opens a connection of its own (openStream) and closes it after.
//
// What we acknowledge: every status update we send reports `acknowledged`, the LSN the
// runtime has committed, and never anything we merely received. So a crash before the
// runtime's commit leaves the slot where it was, and the next pass gets those
// transactions again.
import type pg from 'pg';
import type { Clock } from '../source.ts';
import { databaseError, ident, literal } from './connection.ts';
import { decodePgOutput, type PgOutputMessage } from './pgoutput.ts';
import { formatLsn, readServerFrame, standbyStatus, type Lsn } from './wal.ts';

export interface StreamPass {
  slot: string;
  publication: string;
  /** Where to start: transactions whose commit lies before it are not sent again. */
  start: Lsn;
  /** What the runtime has committed; reported as flushed. */
  acknowledged: Lsn;
  maxMs: number;
  clock: Clock;
  /** Each decoded message; return true to end the pass. */
  onMessage(message: PgOutputMessage): boolean;
  /** The server has sent everything up to walEnd and waits for more; true ends the pass. */
  onKeepalive(walEnd: Lsn): boolean;
}

/** How often we report our position even when the server does not ask (< wal_sender_timeout). */
const STATUS_INTERVAL_MS = 10_000;

/*
 * START_REPLICATION SLOT slot LOGICAL start (proto_version '1', publication_names 'pub')
 *   → CopyBothResponse, then CopyData frames (wal.ts) until either side sends CopyDone,
 *     then CommandComplete and ReadyForQuery.
 * pgoutput's options: proto_version 1 (no streaming of large in-progress transactions,
 * so every change arrives inside its Begin/Commit), publication_names the publications
 * whose tables to send.
 */
export function streamPass(client: pg.Client, pass: StreamPass): Promise<void> {
  const sql =
    `START_REPLICATION SLOT ${ident(pass.slot)} LOGICAL ${formatLsn(pass.start)} ` +
    `("proto_version" '1', "publication_names" ${literal(ident(pass.publication))})`;
  const connection = (client as unknown as { connection: PgConnection }).connection;
  return new Promise((resolve, reject) => {
    let stopping = false;
    let failure: unknown;
    const sendStatus = (reply = false) => {
      if (!stopping) connection.sendCopyFromChunk(standbyStatus(pass.acknowledged, pass.clock(), reply));
    };
    const stop = () => {
      if (stopping) return;
      stopping = true;
      clearTimeout(deadline);
      clearInterval(ticker);
      connection.endCopyFrom();
    };
    const onStart = () => sendStatus();
    const onData = (msg: { chunk: Buffer }) => {
      if (stopping) return;
      try {
        const frame = readServerFrame(msg.chunk);
        if (frame.kind === 'keepalive') {
          if (frame.replyRequested) sendStatus();
          if (pass.onKeepalive(frame.walEnd)) stop();
        } else if (pass.onMessage(decodePgOutput(frame.data))) stop();
      } catch (err) {
        failure = err;
        stop();
      }
    };
    const deadline = setTimeout(stop, pass.maxMs);
    const ticker = setInterval(() => sendStatus(), STATUS_INTERVAL_MS);
    const done = () => {
      clearTimeout(deadline);
      clearInterval(ticker);
      connection.off('copyData', onData);
      connection.off('replicationStart', onStart);
    };
    connection.on('replicationStart', onStart);
    connection.on('copyData', onData);
    client.query(sql).then(
      () => {
        done();
        if (failure) reject(failure);
        else resolve();
      },
      (err: unknown) => {
        done();
        reject(failure ?? databaseError('START_REPLICATION', err));
      },
    );
  });
}

/** The part of pg's Connection the stream uses (not in pg's published types). */
interface PgConnection {
  on(event: 'copyData', fn: (msg: { chunk: Buffer }) => void): void;
  on(event: 'replicationStart', fn: () => void): void;
  off(event: string, fn: (...args: never[]) => void): void;
  sendCopyFromChunk(chunk: Buffer): void;
  endCopyFrom(): void;
}
