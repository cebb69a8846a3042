// Positions in PostgreSQL's write-ahead log (LSNs) and the frames of the streaming
// replication protocol that carry them: what the server sends inside the COPY stream that
// START_REPLICATION opens, and the status update we send back. An LSN is a 64-bit byte
// position, written as two hex halves "X/Y"; we keep it as a bigint and store it in
// offsets as that text.

export type Lsn = bigint;

export const ZERO_LSN: Lsn = 0n;

export function parseLsn(text: string): Lsn {
  const m = /^([0-9A-Fa-f]{1,8})\/([0-9A-Fa-f]{1,8})$/.exec(text);
  if (!m) throw new Error(`not an LSN: ${JSON.stringify(text)}`);
  return (BigInt(`0x${m[1]}`) << 32n) | BigInt(`0x${m[2]}`);
}

export function formatLsn(lsn: Lsn): string {
  return `${(lsn >> 32n).toString(16).toUpperCase()}/${(lsn & 0xffffffffn).toString(16).toUpperCase()}`;
}

/** PostgreSQL counts time in microseconds since 2000-01-01 UTC. */
const PG_EPOCH_MS = 946_684_800_000;

export const pgTimeToMs = (micros: bigint): number => Number(micros / 1000n) + PG_EPOCH_MS;
export const msToPgTime = (ms: number): bigint => BigInt(ms - PG_EPOCH_MS) * 1000n;

/*
 * Server → client, one per CopyData message:
 *
 *   XLogData            'w'  Int64 walStart   Int64 walEnd   Int64 sendTime   Byte[n] data
 *   Primary keepalive   'k'  Int64 walEnd     Int64 sendTime Byte1 replyRequested (1 = now)
 *
 * walStart is where `data` (one pgoutput message) begins; walEnd is the end of WAL on the
 * server. sendTime is PostgreSQL time (µs since 2000-01-01).
 */
export type ServerFrame =
  | { kind: 'data'; walStart: Lsn; walEnd: Lsn; data: Buffer }
  | { kind: 'keepalive'; walEnd: Lsn; replyRequested: boolean };

export function readServerFrame(buf: Buffer): ServerFrame {
  switch (buf[0]) {
    case 0x77: // 'w'
      return { kind: 'data', walStart: buf.readBigUInt64BE(1), walEnd: buf.readBigUInt64BE(9), data: buf.subarray(25) };
    case 0x6b: // 'k'
      return { kind: 'keepalive', walEnd: buf.readBigUInt64BE(1), replyRequested: buf[17] === 1 };
    default:
      throw new Error(`unknown replication frame ${JSON.stringify(String.fromCharCode(buf[0] ?? 0))}`);
  }
}

/*
 * Client → server, Standby status update:
 *
 *   'r'  Int64 written   Int64 flushed   Int64 applied   Int64 clock   Byte1 replyRequested
 *
 * For a logical slot the server takes `flushed` as the slot's confirmed_flush_lsn: every
 * transaction that committed before it may be forgotten, and the WAL before the slot's
 * restart point recycled. So we report there only what the runtime has committed.
 */
export function standbyStatus(acknowledged: Lsn, nowMs: number, replyRequested = false): Buffer {
  const buf = Buffer.alloc(34);
  buf[0] = 0x72; // 'r'
  buf.writeBigUInt64BE(acknowledged, 1);
  buf.writeBigUInt64BE(acknowledged, 9);
  buf.writeBigUInt64BE(acknowledged, 17);
  buf.writeBigInt64BE(msToPgTime(nowMs), 25);
  buf[33] = replyRequested ? 1 : 0;
  return buf;
}
