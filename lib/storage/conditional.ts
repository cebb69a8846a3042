// The conditional commit (commit.ts' step C): read the head, then one TransactWriteItems
// conditional on the offset read, for appends whose commit must check state that goes
// with the head (an idempotent producer's sequences, producerStates.ts) or carry other
// items (an Idempotency-Key request's result): they need the base before they write. The
// index entry joins the head's tail like any other append's.
import { TransactWriteItemsCommand, type TransactWriteItem, type TransactWriteItemsCommandInput } from '@aws-sdk/client-dynamodb';
import { ConcurrentRequestError, RequestTimedOutError } from '../core/errors.ts';
import { fullJitter, sleep } from '../core/time.ts';
import type { StorageClients } from './clients.ts';
import type { CommitGuard, CommitOptions, CommitResult, SegmentToCommit } from './commit.ts';
import { classifyTransactionError } from './dynamo.ts';
import { dependencyFailure, errorName } from './failures.ts';
import { getHead, headKey, N, tailEntryValue, type PartitionHead, type TailEntry } from './metadata.ts';
import { producerStatePut, type ProducerStateWrite } from './producerStates.ts';
import { findEntry, flushQuietly, FLUSH_AT } from './tail.ts';
import { createHash } from 'node:crypto';

const BACKOFF_BASE_MS = 5;

/** ≤ 36 chars, stable for one (object, base): a resend of the same attempt is a no-op. */
export const requestToken = (objectKey: string, base: number): string =>
  createHash('sha256').update(`${objectKey}@${base}`).digest('base64url').slice(0, 36);

export async function commitConditional(
  clients: StorageClients,
  seg: SegmentToCommit,
  opts: CommitOptions = {},
): Promise<CommitResult> {
  const maxAttempts = opts.maxAttempts ?? 40;
  const cap = opts.backoffCapMs ?? 200;
  const n = seg.recordCount;
  // Bases at which an attempt ended ambiguously: any of them may hold our segment.
  const ambiguous = new Set<number>();
  // guardAt: index of the first guard item (after the head and the producer states).
  let pending: { base: number; state: string; guardAt: number; input: TransactWriteItemsCommandInput } | undefined;
  let lastError: unknown;

  for (let attempt = 0; attempt < maxAttempts; attempt++) {
    if (attempt > 0) await sleep(fullJitter(attempt, { baseMs: BACKOFF_BASE_MS, maxMs: cap }));
    const head = await getHead(clients, seg.topicId, seg.partition);

    for (const base of ambiguous) {
      if (base === head.nextOffset) continue;
      const entry = await findEntry(clients, seg.topicId, seg.partition, base + n - 1);
      if (entry?.objectKey === seg.objectKey) return { baseOffset: base, lastOffset: base + n - 1 };
      if (head.nextOffset > base) ambiguous.delete(base);
    }

    const verdict = await seg.producerCheck?.(head);
    if (verdict && 'duplicate' in verdict) return verdict.duplicate;
    const producerStates = verdict?.producerStates ?? [];

    // Re-send byte-identical input at an unchanged head: the token only dedupes equal requests.
    const state = `${head.nextOffset}/${head.exists}/${JSON.stringify(producerStates)}`;
    if (pending?.state !== state) pending = { base: head.nextOffset, state, guardAt: 1 + producerStates.length, input: transaction(clients, seg, head, producerStates) };
    if (head.tail.length >= FLUSH_AT) await flushQuietly(clients, seg.topicId, seg.partition, FLUSH_AT);
    try {
      await clients.ddb.send(new TransactWriteItemsCommand(pending.input));
      return { baseOffset: pending.base, lastOffset: pending.base + n - 1 };
    } catch (err) {
      lastError = err;
      const failure = classifyTransactionError(err);
      if (seg.guard && failure.kind === 'condition' && failure.failed.some((i) => i >= pending!.guardAt)) return guarded(seg, seg.guard);
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
  producerStates: readonly ProducerStateWrite[],
): TransactWriteItemsCommandInput {
  const base = head.nextOffset;
  return {
    ClientRequestToken: requestToken(seg.objectKey, base),
    TransactItems: [
      conditionalHeadMove(clients, seg.topicId, seg.partition, head, [{ ...seg, byteStart: seg.byteStart ?? 0 }]),
      ...producerStates.map((w) => producerStatePut(clients, seg.topicId, seg.partition, w)),
      ...(seg.guard?.items({ baseOffset: base, lastOffset: base + seg.recordCount - 1 }) ?? []),
    ],
  };
}

/**
 * The head move of a conditional commit at the head just read: nextOffset past the
 * entries' records, the entries at the end of the tail and the counters, IF nextOffset is
 * still the one read (which is what makes the producer states written beside it the ones
 * judged: producerStates.ts). Transactions over many heads (lib/log/transaction) move
 * each head with it too.
 */
export function conditionalHeadMove(
  clients: StorageClients,
  topicId: string,
  partition: number,
  head: PartitionHead,
  entries: readonly TailEntry[],
): TransactWriteItem {
  const base = head.nextOffset;
  return {
    Update: {
      TableName: clients.names.tables.partitions,
      Key: headKey(topicId, partition),
      UpdateExpression:
        'SET nextOffset = :next, tailBase = if_not_exists(tailBase, :base), tail = list_append(if_not_exists(tail, :none), :entries), ' +
        'logStartOffset = if_not_exists(logStartOffset, :zero), sizeBytes = if_not_exists(sizeBytes, :zero) + :bytes, ' +
        'segmentCount = if_not_exists(segmentCount, :zero) + :segments',
      ConditionExpression: head.exists ? 'nextOffset = :base' : 'attribute_not_exists(nextOffset)',
      ExpressionAttributeValues: {
        ':next': N(base + entries.reduce((n, e) => n + e.recordCount, 0)),
        ':base': N(base),
        ':none': { L: [] },
        ':entries': { L: entries.map((e) => tailEntryValue(topicId, partition, e)) },
        ':zero': N(0),
        ':segments': N(entries.length),
        ':bytes': N(entries.reduce((b, e) => b + e.byteLength, 0)),
      },
    },
  };
}
