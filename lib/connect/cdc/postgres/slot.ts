// Keeping the replication slot from growing without bound.
//
// A logical slot pins the WAL from its restart point on: while nobody confirms a later
// LSN, PostgreSQL keeps every WAL segment since, and a connector that is paused, stopped
// or failing would slowly fill the database's disk. Three things prevent that:
//
// 1. Heartbeat while running: when the stream is caught up, the server's keepalive says
//    how far it has read. With no transaction open, every change before that point has
//    been delivered (or was not ours), so the source moves its offsets there even when
//    it produced no record; the runtime commits those offsets and acks them, and the slot
//    advances. Writes to other tables or databases therefore never pin the WAL of a
//    quiet connector (the job Debezium's heartbeat does).
// 2. A check on every poll and on a schedule while paused or stopped (checkSlot below,
//    which the runtime's scheduled keeper calls: it opens no stream, advances nothing):
//    past slot.retained.wal.warn.bytes it warns, with the slot and size, each time it
//    runs; past slot.retained.wal.max.bytes it drops the slot and throws
//    SourcePositionLostError, so the connector goes to FAILED with that error. Dropping
//    loses the position, so the connector can only restart from a new snapshot (reset
//    its offsets); the error says so. 0 turns the drop off (the database's own
//    max_slot_wal_keep_size may still invalidate the slot).
// 3. A slot found lost (wal_status = lost: the server invalidated it past
//    max_slot_wal_keep_size), missing while offsets say we streamed from it, or confirmed
//    beyond our committed offsets (someone else advanced it) fails the same way rather
//    than silently skipping changes.
// Deleting a connector drops its slot (releaseSlot, called by the connector's onDelete
// before its record goes), so a deleted connector pins no WAL; and the publication too
// when the connector created it (publication.autocreate.mode other than disabled).
import type pg from 'pg';
import { SourcePositionLostError } from '../../../core/errors.ts';
import { sleep } from '../../../core/time.ts';
import type { PostgresCdcConfig } from './config.ts';
import { closeQuietly, connectReplication, ident, queryText } from './connection.ts';
import { dropSlot, endSlotSession, slotState, type SlotState } from './catalog.ts';
import { parseLsn, type Lsn } from './wal.ts';

export type SlotLog = (level: 'warn' | 'error', message: string, details: Record<string, unknown>) => void;

export const consoleSlotLog: SlotLog = (level, message, details) => console[level](message, details);

export interface SlotCheck {
  state: SlotState | undefined;
  warned: boolean;
}

/**
 * Checks the slot's health against the limits; `committed` is the LSN the runtime has
 * committed for this connector, if it has streamed. Throws SourcePositionLostError when
 * the connector cannot go on from its offsets.
 */
export async function checkSlot(client: pg.Client, config: PostgresCdcConfig, committed: Lsn | undefined, log: SlotLog = consoleSlotLog): Promise<SlotCheck> {
  const slot = config.slotName;
  const state = await slotState(client, slot);
  const lost = (reason: string, details: Record<string, unknown> = {}): never => {
    const message = `replication slot ${slot}: ${reason}; changes may have been missed, so the connector cannot continue from its offsets. Reset its offsets to take a new snapshot.`;
    log('error', message, { slot, ...details });
    throw new SourcePositionLostError(message, { slot, ...details });
  };
  if (!state) {
    if (committed !== undefined) lost('the slot no longer exists');
    return { state, warned: false };
  }
  if (state.walStatus === 'lost') lost('PostgreSQL invalidated the slot (max_slot_wal_keep_size)', { walStatus: state.walStatus });
  if (committed !== undefined && state.confirmedFlushLsn && parseLsn(state.confirmedFlushLsn) > committed) {
    lost('the slot was confirmed beyond the committed offsets', { confirmedFlushLsn: state.confirmedFlushLsn });
  }
  const details = { slot, retainedBytes: state.retainedBytes, warnBytes: config.slotWarnBytes, maxBytes: config.slotMaxBytes };
  if (config.slotMaxBytes > 0 && state.retainedBytes > config.slotMaxBytes) {
    await dropSlot(client, slot);
    lost(`the slot retained ${state.retainedBytes} bytes of WAL, more than slot.retained.wal.max.bytes, and was dropped`, details);
  }
  const warned = state.retainedBytes > config.slotWarnBytes;
  if (warned) log('warn', `replication slot ${slot} retains ${state.retainedBytes} bytes of WAL (slot.retained.wal.warn.bytes ${config.slotWarnBytes}); resume the connector or it will be dropped past ${config.slotMaxBytes}`, details);
  return { state, warned };
}

/**
 * The scheduled keeper for a connector that is paused or stopped: one check over a short
 * connection, nothing streamed or advanced.
 */
export async function keepSlot(config: PostgresCdcConfig, committedLsn: string | undefined, log?: SlotLog): Promise<SlotCheck> {
  const client = await connectReplication(config);
  try {
    return await checkSlot(client, config, committedLsn === undefined ? undefined : parseLsn(committedLsn), log);
  } finally {
    await closeQuietly(client);
  }
}

const RELEASE_ATTEMPTS = 50;

/** A deleted connector's slot dropped (its streaming session ended first), and the publication it created. */
export async function releaseSlot(config: PostgresCdcConfig): Promise<void> {
  const client = await connectReplication(config);
  try {
    // A poll of the connector may still stream from the slot: end it, wait until the
    // server let go of the slot, then drop it.
    for (let attempt = 0; ; attempt++) {
      const state = await slotState(client, config.slotName);
      if (!state) break;
      if (!state.active) {
        await dropSlot(client, config.slotName);
        break;
      }
      if (attempt >= RELEASE_ATTEMPTS) throw new Error(`replication slot ${config.slotName} is still in use by another session`);
      await endSlotSession(client, config.slotName);
      await sleep(100);
    }
    if (config.publicationMode !== 'disabled') await queryText(client, `DROP PUBLICATION IF EXISTS ${ident(config.publicationName)}`, 'DROP PUBLICATION');
  } finally {
    await closeQuietly(client);
  }
}
