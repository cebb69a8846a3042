// The commit protocol (DESIGN.md): makes an uploaded segment visible at the next offsets
// of its partition, exactly once, or not at all.
//
// The partition head (`partitions` table) holds the newest index entries itself, in its
// `tail`, and the per-writer sequences that make a resend safe:
//
//   head {topicId, partition}
//     nextOffset       N   high watermark: next offset to assign
//     tail             L   newest index entries WITHOUT offsets, oldest first (metadata.ts)
//     tailBase         N   base offset of tail[0]; [tailBase, nextOffset) = the tail
//     maxTimestamp     N   running max timestamp of the entries below tailBase
//     logStartOffset, sizeBytes, segmentCount                 counters
//     ws<writer>       N   the writer's last sequence (writers.ts)
//     wb<writer>       N   the base offset that append got
//     producers        S   idempotent producers' state, on heads written before it had
//                          items of its own (producerStates.ts)
//   segments table: the entries below tailBase, a flush's in one page keyed by its last
//                   entry's lastOffset (segmentIndex.ts; moved by tail.ts)
//
// A. (caller) PutObject segments/{topicId}/{p}/{uuid}, batches based at offset 0
// B. ONE UpdateItem of the head, no read before it:
//      SET nextOffset = nextOffset + n, tail = list_append(tail, [entry]),
//          sizeBytes += bytes, segmentCount += 1, ws<w> = seq, wb<w> = nextOffset
//      IF (ws<w> absent OR ws<w> < seq) AND size(tail) < TAIL_CAP
//      ReturnValues UPDATED_OLD                       -> base = the old nextOffset
//    DynamoDB applies the updates of one item one at a time, so concurrent appenders
//    never conflict: each gets the offsets after the previous one, dense and unique,
//    and none redoes anything. The only condition an append can lose to is its own
//    earlier attempt: ambiguous (timeout, reset, 5xx) -> resend the same update; if the
//    first landed, the condition fails and ALL_OLD shows ws<w> = seq and wb<w> = its
//    base, which is the answer. So an upload is committed once, whatever is resent.
//    A tail at TAIL_CAP (flushes keep failing) is flushed, then the update resent.
// C. An append that must check the head's state first (an idempotent producer's
//    sequences) or commit other items with it (an Idempotency-Key result) takes the
//    conditional path instead (conditional.ts): read the head, one TransactWriteItems
//    IF nextOffset = base, retried on conflict, token + lookup on ambiguity. Its entry
//    joins the same tail. So do transactions (lib/log/transaction), which move many
//    heads at once. A request over several partitions that is neither shares one object
//    and commits each partition's byte range by B (lib/log/sharedAppend.ts).
// D. The appender whose entry makes the tail a multiple of FLUSH_AT long moves it to
//    the segments table as one page (tail.ts, one transaction; losing it changes
//    nothing). So do the conditional path and transactions once a tail is long, and
//    maintenance before each pass. A reader reads the head (consistent) and takes
//    tail ∪ table (fetch.ts).
//
// Invariants: the tail is contiguous from tailBase to nextOffset (appends add at the end
// under the same update that moves nextOffset; a flush removes at the front under the
// same transaction that puts the entries in the table), so every offset below nextOffset
// is in exactly one entry, in the tail or in the table; a reader bounded by the head it
// read never sees a hole.
import { UpdateItemCommand, type AttributeValue, type TransactWriteItem, type UpdateItemCommandInput } from '@aws-sdk/client-dynamodb';
import { RequestTimedOutError } from '../core/errors.ts';
import { fullJitter, sleep } from '../core/time.ts';
import type { StorageClients } from './clients.ts';
import { commitConditional } from './conditional.ts';
import { RETRIABLE_TRANSACTION_ERRORS } from './dynamo.ts';
import { dependencyFailure, errorName, isAmbiguous } from './failures.ts';
import { headKey, N, num, tailEntryValue, tpKey, type PartitionHead } from './metadata.ts';
import type { ProducerStateWrite } from './producerStates.ts';
import { FLUSH_AT, flushQuietly, TAIL_CAP, WRITER_IDLE_MS } from './tail.ts';
import { nextSeq, returnWriter, takeWriter, writerAttributes, type Writer } from './writers.ts';

export { requestToken } from './conditional.ts';

export interface SegmentToCommit {
  topicName: string;
  topicId: string;
  partition: number;
  objectKey: string;
  /** Where the segment starts in its object: 0 unless the object is shared by partitions. */
  byteStart?: number;
  byteLength: number;
  recordCount: number;
  firstTimestamp: number;
  maxTimestamp: number;
  /**
   * For idempotent producers: judged against each head read. It may answer that the
   * segment duplicates an earlier commit (whose offsets are then the result), or give
   * the producer state to store with this append, in the same transaction.
   */
  producerCheck?: (head: PartitionHead) => Promise<{ duplicate: CommitResult } | { producerStates: ProducerStateWrite[] }>;
  guard?: CommitGuard;
}

/** Writes that commit together with the segment, or not at all (conditional path). */
export interface CommitGuard {
  /** Items for the transaction that would commit the segment at `result`. */
  items(result: CommitResult): TransactWriteItem[];
  /** A guard item's condition failed: what was recorded instead, if anything. */
  recorded(): Promise<CommitResult | undefined>;
}

export interface CommitResult {
  baseOffset: number;
  lastOffset: number;
}

export interface CommitOptions {
  /** Attempts before giving up with a retriable error. */
  maxAttempts?: number;
  /** Backoff ceiling in ms; each wait is uniform in [0, min(cap, base * 2^attempt)]. */
  backoffCapMs?: number;
}

const BACKOFF_BASE_MS = 5;
/**
 * An append stops resending this long after its first attempt: a flush may drop a writer
 * idle for WRITER_IDLE_MS (tail.ts), and a resend must never outlive the entry that
 * recognises it.
 */
export const RESEND_WINDOW_MS = 5 * 60_000;

export async function commitSegment(clients: StorageClients, seg: SegmentToCommit, opts: CommitOptions = {}): Promise<CommitResult> {
  if (seg.producerCheck || seg.guard) return commitConditional(clients, seg, opts);
  return commitClaimed(clients, seg, claimAppend(seg.topicId, seg.partition), opts);
}

/**
 * Who an append will be on the head (step B): its writer and sequence, fixed before it
 * is sent, for a caller that records them first (lib/log/sharedAppend.ts). What the head
 * then shows for them says whether the append landed (appendLanded).
 */
export interface AppendClaim {
  tp: string;
  writer: Writer;
  seq: number;
}

export function claimAppend(topicId: string, partition: number): AppendClaim {
  const tp = tpKey(topicId, partition);
  const writer = takeWriter(tp);
  return { tp, writer, seq: nextSeq(writer, Date.now()) };
}

/** Gives back a claim whose append was never sent. */
export function releaseClaim(claim: AppendClaim): void {
  returnWriter(claim.tp, claim.writer);
}

/** Step B under a claim taken for it (claimAppend); the claim's writer is free again after. */
export async function commitClaimed(clients: StorageClients, seg: SegmentToCommit, claim: AppendClaim, opts: CommitOptions = {}): Promise<CommitResult> {
  try {
    return await appendToHead(clients, seg, claim.writer.id, claim.seq, opts);
  } finally {
    releaseClaim(claim);
  }
}

/**
 * What a head item says of the append `seq` of writer `writer`, once no attempt of it
 * can land any more (RESEND_WINDOW_MS after it was claimed): its base if it landed,
 * 'absent' if it did not, 'unknown' when the head cannot tell (the writer appended again
 * since, or the claim is so old that a flush may have dropped the writer as idle).
 */
export function appendLanded(head: Record<string, AttributeValue> | undefined, writer: string, seq: number, claimedAt: number, now: number): number | 'absent' | 'unknown' {
  const w = writerAttributes(writer);
  const last = head?.[w.seq]?.N === undefined ? undefined : num(head[w.seq]);
  if (last === seq) return num(head![w.base]);
  if (last !== undefined && last > seq) return 'unknown';
  // Absent or older: never landed, unless the writer may have been dropped meanwhile.
  return now - claimedAt < WRITER_IDLE_MS / 2 ? 'absent' : 'unknown';
}

/** Step B of the header, resent as it is until it is answered. */
async function appendToHead(clients: StorageClients, seg: SegmentToCommit, writer: string, seq: number, opts: CommitOptions): Promise<CommitResult> {
  const maxAttempts = opts.maxAttempts ?? 40;
  const cap = opts.backoffCapMs ?? 200;
  const n = seg.recordCount;
  const w = writerAttributes(writer);
  const input = headUpdate(clients, seg, w, seq);
  const started = Date.now();
  let unknown = false;
  let lastError: unknown;
  for (let attempt = 0; attempt < maxAttempts; attempt++) {
    if (attempt > 0) await sleep(fullJitter(attempt, { baseMs: BACKOFF_BASE_MS, maxMs: cap }));
    if (Date.now() - started > RESEND_WINDOW_MS) break;
    try {
      const out = await clients.ddb.send(new UpdateItemCommand(input));
      const base = num(out.Attributes?.nextOffset);
      const length = (out.Attributes?.tail?.L?.length ?? 0) + 1;
      if (length % FLUSH_AT === 0) await flushQuietly(clients, seg.topicId, seg.partition, FLUSH_AT);
      return { baseOffset: base, lastOffset: base + n - 1 };
    } catch (err) {
      lastError = err;
      if (errorName(err) === 'ConditionalCheckFailedException') {
        const old = (err as { Item?: Record<string, AttributeValue> }).Item ?? {};
        // Our own earlier attempt landed: its base is on the head.
        if (old[w.seq]?.N !== undefined && num(old[w.seq]) === seq) {
          const base = num(old[w.base]);
          return { baseOffset: base, lastOffset: base + n - 1 };
        }
        // A head from before tails (no tailBase): the conditional path gives it one.
        if (old.nextOffset?.N !== undefined && old.tailBase?.N === undefined) return commitConditional(clients, seg, opts);
        await flushQuietly(clients, seg.topicId, seg.partition, 1);
        continue;
      }
      if (RETRIABLE_TRANSACTION_ERRORS.has(errorName(err) ?? '') || errorName(err) === 'TransactionConflictException') continue;
      if (!isAmbiguous(err)) throw dependencyFailure('dynamodb', 'UpdateItem', err);
      unknown = true;
    }
  }
  // Out of attempts. If an attempt may have landed, say so: the caller must not assume
  // the records are absent (they may be readable), only unacknowledged.
  throw new RequestTimedOutError(
    `Could not commit to partition ${seg.partition} of '${seg.topicName}' after ${maxAttempts} attempts` +
      (unknown ? ' (the outcome of an interrupted attempt is unknown)' : '') +
      `: ${errorName(lastError) ?? 'conflict'}`,
    { dependency: 'dynamodb', retryAfterSeconds: 1 },
    lastError,
  );
}

function headUpdate(clients: StorageClients, seg: SegmentToCommit, w: { seq: string; base: string }, seq: number): UpdateItemCommandInput {
  return {
    TableName: clients.names.tables.partitions,
    Key: headKey(seg.topicId, seg.partition),
    UpdateExpression:
      'SET nextOffset = if_not_exists(nextOffset, :zero) + :n, #wb = if_not_exists(nextOffset, :zero), #ws = :seq, ' +
      'tail = list_append(if_not_exists(tail, :none), :entry), tailBase = if_not_exists(tailBase, :zero), ' +
      'logStartOffset = if_not_exists(logStartOffset, :zero), sizeBytes = if_not_exists(sizeBytes, :zero) + :bytes, ' +
      'segmentCount = if_not_exists(segmentCount, :zero) + :one',
    // A head that has offsets but no tailBase predates tails: refused here (see above).
    ConditionExpression:
      '(attribute_not_exists(#ws) OR #ws < :seq) AND (attribute_not_exists(tail) OR size(tail) < :cap) AND ' +
      '(attribute_exists(tailBase) OR attribute_not_exists(nextOffset))',
    ExpressionAttributeNames: { '#ws': w.seq, '#wb': w.base },
    ExpressionAttributeValues: {
      ':n': N(seg.recordCount),
      ':seq': N(seq),
      ':zero': N(0),
      ':one': N(1),
      ':none': { L: [] },
      ':entry': { L: [tailEntryValue(seg.topicId, seg.partition, { ...seg, byteStart: seg.byteStart ?? 0 })] },
      ':bytes': N(seg.byteLength),
      ':cap': N(TAIL_CAP),
    },
    ReturnValues: 'UPDATED_OLD',
    ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
  };
}
