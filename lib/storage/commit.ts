// The commit protocol (DESIGN.md): makes an uploaded segment visible at the next offsets
// of its partition, exactly once, or not at all.
//
//   1. (caller) PutObject segments/{topicId}/{p}/{uuid}, batches based at offset 0
//   2. GetItem head, consistent               -> base = nextOffset
//   3. TransactWriteItems, ClientRequestToken = h(objectKey, base)
//        Update head    nextOffset = base + n, counters    IF nextOffset = base
//        Put index      {lastOffset: base + n - 1, ...}      IF not exists
//   4. head moved: jittered backoff, re-read, retry at the new base (bounded)
//   5. ambiguous (timeout, reset, 5xx): resend the identical request while the head still
//      says base (the token makes a resend a no-op if the first one landed); before moving
//      to a new base, look up the index entry the ambiguous attempt would have written; if
//      it holds our object key, that attempt committed and its offsets are the answer.
//
// A segment committed at two bases would be a duplicate: the token and the index lookup
// are what prevent it, so neither may be skipped.
//
// A guard adds items to the same transaction (after the head and the index entry), each
// with its own condition, built for the base being tried: an Idempotency-Key request
// records its result this way. When a guard item's condition fails, the segment is not
// committed, and the guard says what was recorded in its stead (another attempt of the
// same request committed this partition already).
import { createHash } from 'node:crypto';
import { TransactWriteItemsCommand, type TransactWriteItem, type TransactWriteItemsCommandInput } from '@aws-sdk/client-dynamodb';
import { ConcurrentRequestError, RequestTimedOutError } from '../core/errors.ts';
import type { StorageClients } from './clients.ts';
import { classifyTransactionError } from './dynamo.ts';
import { dependencyFailure, errorName } from './failures.ts';
import { getHead, getIndexEntry, headKey, indexEntryItem, N, S, type IndexEntry, type PartitionHead } from './metadata.ts';
import { fullJitter, sleep } from '../core/time.ts';

export interface SegmentToCommit {
  topicName: string;
  topicId: string;
  partition: number;
  objectKey: string;
  byteLength: number;
  recordCount: number;
  firstTimestamp: number;
  maxTimestamp: number;
  /**
   * For idempotent producers: judged against each head read. It may answer that the
   * segment duplicates an earlier commit (whose offsets are then the result), or give
   * the producer state to store with this append, in the same transaction.
   */
  producerCheck?: (head: PartitionHead) => Promise<{ duplicate: CommitResult } | { producersJson: string }>;
  guard?: CommitGuard;
}

/** Writes that commit together with the segment, or not at all (see the header). */
export interface CommitGuard {
  /** Items for the transaction that would commit the segment at `result`. */
  items(result: CommitResult): TransactWriteItem[];
  /** A guard item's condition failed: what was recorded instead, if anything. */
  recorded(): Promise<CommitResult | undefined>;
}

/** Index of the first guard item in a commit transaction (after the head and the index entry). */
const GUARD_AT = 2;

export interface CommitResult {
  baseOffset: number;
  lastOffset: number;
}

export interface CommitOptions {
  /** Attempts at the transaction before giving up with a retriable error. */
  maxAttempts?: number;
  /** Backoff ceiling in ms; each wait is uniform in [0, min(cap, base * 2^attempt)]. */
  backoffCapMs?: number;
}

const BACKOFF_BASE_MS = 5;

/** ≤ 36 chars, stable for one (object, base): a resend of the same attempt is a no-op. */
export const requestToken = (objectKey: string, base: number): string =>
  createHash('sha256').update(`${objectKey}@${base}`).digest('base64url').slice(0, 36);

export async function commitSegment(
  clients: StorageClients,
  seg: SegmentToCommit,
  opts: CommitOptions = {},
): Promise<CommitResult> {
  const maxAttempts = opts.maxAttempts ?? 40;
  const cap = opts.backoffCapMs ?? 200;
  const n = seg.recordCount;
  // Bases at which an attempt ended ambiguously: any of them may hold our segment.
  const ambiguous = new Set<number>();
  let pending: { base: number; state: string; input: TransactWriteItemsCommandInput } | undefined;
  let lastError: unknown;

  for (let attempt = 0; attempt < maxAttempts; attempt++) {
    if (attempt > 0) await sleep(fullJitter(attempt, { baseMs: BACKOFF_BASE_MS, maxMs: cap }));
    const head = await getHead(clients, seg.topicId, seg.partition);

    for (const base of ambiguous) {
      if (base === head.nextOffset) continue;
      const entry = await getIndexEntry(clients, seg.topicId, seg.partition, base + n - 1);
      if (entry?.objectKey === seg.objectKey) return { baseOffset: base, lastOffset: base + n - 1 };
      if (head.nextOffset > base) ambiguous.delete(base);
    }

    const verdict = await seg.producerCheck?.(head);
    if (verdict && 'duplicate' in verdict) return verdict.duplicate;
    const producersJson = verdict?.producersJson;

    // Re-send byte-identical input at an unchanged head: the token only dedupes equal requests.
    const state = `${head.nextOffset}/${head.exists}/${head.maxTimestamp}/${producersJson ?? ''}`;
    if (pending?.state !== state) pending = { base: head.nextOffset, state, input: transaction(clients, seg, head, producersJson) };
    try {
      await clients.ddb.send(new TransactWriteItemsCommand(pending.input));
      return { baseOffset: pending.base, lastOffset: pending.base + n - 1 };
    } catch (err) {
      lastError = err;
      const failure = classifyTransactionError(err);
      if (seg.guard && failure.kind === 'condition' && failure.failed.some((i) => i >= GUARD_AT)) return guarded(seg, seg.guard);
      if (failure.kind === 'failed') throw dependencyFailure('dynamodb', 'TransactWriteItems', err);
      // The head moved, or another transaction or throttling was in the way: re-read and
      // retry. An attempt that may still land (in progress, or no answer) is remembered.
      if (failure.kind === 'in-progress' || failure.kind === 'ambiguous') ambiguous.add(pending.base);
    }
  }
  // Out of attempts. If an ambiguous attempt may still have landed, say so: the caller
  // must not assume the records are absent (they may be readable), only unacknowledged.
  throw new RequestTimedOutError(
    `Could not commit to partition ${seg.partition} of '${seg.topicName}' after ${maxAttempts} attempts` +
      (ambiguous.size ? ' (the outcome of an interrupted attempt is unknown)' : '') +
      `: ${errorName(lastError) ?? 'conflict'}`,
    { dependency: 'dynamodb', retryAfterSeconds: 1 },
    lastError,
  );
}

async function guarded(seg: SegmentToCommit, guard: CommitGuard): Promise<CommitResult> {
  const recorded = await guard.recorded();
  if (recorded) return recorded;
  throw new ConcurrentRequestError(`The request committing to partition ${seg.partition} of '${seg.topicName}' changed under it; retry.`, {
    retryAfterSeconds: 1,
  });
}

function transaction(
  clients: StorageClients,
  seg: SegmentToCommit,
  head: PartitionHead,
  producersJson: string | undefined,
): TransactWriteItemsCommandInput {
  const base = head.nextOffset;
  const entry: IndexEntry = {
    baseOffset: base,
    lastOffset: base + seg.recordCount - 1,
    objectKey: seg.objectKey,
    byteStart: 0,
    byteLength: seg.byteLength,
    recordCount: seg.recordCount,
    firstTimestamp: seg.firstTimestamp,
    maxTimestamp: seg.maxTimestamp,
  };
  const runningMax = Math.max(head.maxTimestamp, seg.maxTimestamp);
  return {
    ClientRequestToken: requestToken(seg.objectKey, base),
    TransactItems: [
      {
        Update: {
          TableName: clients.names.tables.partitions,
          Key: headKey(seg.topicId, seg.partition),
          UpdateExpression:
            'SET nextOffset = :next, logStartOffset = if_not_exists(logStartOffset, :zero), ' +
            'sizeBytes = if_not_exists(sizeBytes, :zero) + :bytes, ' +
            'segmentCount = if_not_exists(segmentCount, :zero) + :one, maxTimestamp = :maxTs' +
            (producersJson === undefined ? '' : ', producers = :producers'),
          ConditionExpression: head.exists ? 'nextOffset = :base' : 'attribute_not_exists(nextOffset)',
          ExpressionAttributeValues: {
            ':next': N(base + seg.recordCount),
            ':zero': N(0),
            ':one': N(1),
            ':bytes': N(seg.byteLength),
            ':maxTs': N(runningMax),
            ...(head.exists ? { ':base': N(base) } : {}),
            ...(producersJson === undefined ? {} : { ':producers': S(producersJson) }),
          },
        },
      },
      {
        Put: {
          TableName: clients.names.tables.segments,
          Item: indexEntryItem(seg.topicId, seg.partition, entry, runningMax),
          ConditionExpression: 'attribute_not_exists(tp)',
        },
      },
      ...(seg.guard?.items({ baseOffset: base, lastOffset: entry.lastOffset }) ?? []),
    ],
  };
}
