// The transaction commit: the commit protocol (lib/storage/commit.ts) over many
// partitions and the items of other features at once. Every segment is uploaded first
// (invisible); then ONE TransactWriteItems moves every head (each adding its index entries
// to its tail) and writes every participant's items, or none of them.
//
//   1. read every head (consistent)                     -> the bases (the first attempt
//      may take heads the caller read while the data was uploaded); judge idempotent
//      producers' segments at them (judge.ts): duplicates and refused ones drop out
//   2. TransactWriteItems, ClientRequestToken = h(txnId, heads, judgement)
//   3. a head moved (another append): jittered backoff, re-read, rebuild, retry (bounded)
//      a participant's condition failed: it says why (a domain error: nothing written)
//   4. ambiguous (timeout, reset, 5xx): resend the identical request while the heads are
//      unchanged (the token makes a resend a no-op if the first one landed); once a head
//      moved, look up the index entry the ambiguous attempt would have written for its
//      first segment: if it holds our object, that attempt committed and its offsets are
//      the answer. A transaction without records is recognised by a participant's
//      receipt instead (a versioned item or the producer item carrying the txnId).
//      (An idempotent segment of an attempt that landed is also judged a duplicate of
//      itself at the heads it moved: the same answer, found the other way.)
//
// A commit whose segments were all judged duplicates or refused writes nothing, its
// participants included: they ride with the records (the shared object's references).
//
// A transaction committed at two sets of bases would be a duplicate: the token and the
// index lookup are what prevent it, so neither may be skipped.
import { randomUUID } from 'node:crypto';
import { TransactWriteItemsCommand } from '@aws-sdk/client-dynamodb';
import { InvalidRequestError, RequestTimedOutError } from '../../core/errors.ts';
import { fullJitter, sleep } from '../../core/time.ts';
import type { StorageClients } from '../../storage/clients.ts';
import type { CommitOptions } from '../../storage/commit.ts';
import { classifyTransactionError } from '../../storage/dynamo.ts';
import { dependencyFailure, errorName } from '../../storage/failures.ts';
import { itemSize } from '../../storage/itemSize.ts';
import { getHead, type PartitionHead } from '../../storage/metadata.ts';
import { findEntry, flushQuietly, FLUSH_AT } from '../../storage/tail.ts';
import { buildAttempt, headState, type Attempt } from './attempt.ts';
import { judge, type Confirmations } from './judge.ts';
import { checkTransactionBytes, checkTransactionShape } from './limits.ts';
import type { PartitionResult, SegmentResult, TxnParticipant, TxnPartition } from './types.ts';

const BACKOFF_BASE_MS = 5;

export interface TransactionToCommit {
  /** Each (topic, partition) at most once; every partition has at least one segment. */
  partitions: readonly TxnPartition[];
  participants?: readonly TxnParticipant[];
  /** Unique per transaction (default: a fresh UUID). */
  txnId?: string;
  /**
   * The partitions' heads, read (consistently) since the data was uploaded: the bases of
   * the first attempt, which then skips its own read. Stale heads only fail its condition.
   */
  heads?: readonly PartitionHead[];
  /** Clock for idempotent producers' state (read once per commit, so a resend is byte-identical). */
  now?: () => number;
}

/** What a commit did: the partitions it wrote and every input segment's result. */
export interface CommitOutcome {
  /** The partitions written, in input order (without producers' segments: every input partition). */
  results: PartitionResult[];
  /** Per input partition, per segment. */
  segments: SegmentResult[][];
}

export async function commitTransaction(
  clients: StorageClients,
  txn: TransactionToCommit,
  opts: CommitOptions = {},
): Promise<PartitionResult[]> {
  return (await commitSegments(clients, txn, opts)).results;
}

/** The commit, answering every segment (idempotent producers' segments may be duplicates or refused). */
export async function commitSegments(clients: StorageClients, txn: TransactionToCommit, opts: CommitOptions = {}): Promise<CommitOutcome> {
  const participants = txn.participants ?? [];
  checkInput(txn.partitions, participants);
  const txnId = txn.txnId ?? randomUUID();
  const now = txn.now?.() ?? Date.now();
  const confirmations: Confirmations = new Map();
  const maxAttempts = opts.maxAttempts ?? 40;
  const cap = opts.backoffCapMs ?? 200;
  const ambiguous: Attempt[] = [];
  let pending: Attempt | undefined;
  let lastError: unknown;

  for (let attempt = 0; attempt < maxAttempts; attempt++) {
    if (attempt > 0) await sleep(fullJitter(attempt, { baseMs: BACKOFF_BASE_MS, maxMs: cap }));
    const heads = attempt === 0 && txn.heads?.length === txn.partitions.length ? txn.heads : await Promise.all(txn.partitions.map((p) => getHead(clients, p.topic.topicId, p.partition)));
    const landed = await findLanded(clients, ambiguous, heads);
    if (landed) return outcome(landed);
    const judged = await judge(clients, txn.partitions, heads, now, confirmations);
    if (judged.partitions.length === 0 && txn.partitions.length > 0) return { results: [], segments: judged.segments };

    // Re-send byte-identical input at unchanged heads: the token only dedupes equal requests.
    const state = `${headState(heads)}|${judged.key}`;
    if (pending?.state !== state) {
      pending = buildAttempt(clients, txnId, judged, participants, state);
      // Refused only while no earlier attempt may have landed: then nothing was written.
      if (ambiguous.length === 0) checkTransactionBytes(requestBytes(pending));
    }
    try {
      await clients.ddb.send(new TransactWriteItemsCommand(pending.input));
      await flushLongTails(clients, judged.partitions, judged.heads);
      return outcome(pending);
    } catch (err) {
      lastError = err;
      const failure = classifyTransactionError(err);
      if (failure.kind === 'failed') throw dependencyFailure('dynamodb', 'TransactWriteItems', err);
      if (failure.kind === 'in-progress' || failure.kind === 'ambiguous') ambiguous.push(pending);
      if (failure.kind === 'condition') {
        const answer = await conditionFailed(clients, txn.partitions, participants, pending, failure.failed, ambiguous);
        if (answer) return answer;
      }
    }
  }
  throw new RequestTimedOutError(
    `Could not commit the transaction after ${maxAttempts} attempts` +
      (ambiguous.length ? ' (the outcome of an interrupted attempt is unknown)' : '') +
      `: ${errorName(lastError) ?? 'conflict'}`,
    { dependency: 'dynamodb', retryAfterSeconds: 1 },
    lastError,
  );
}

/** Step D of the commit protocol: the tails this commit made long are moved to the table. */
async function flushLongTails(clients: StorageClients, partitions: readonly TxnPartition[], heads: readonly PartitionHead[]): Promise<void> {
  await Promise.all(
    partitions.map((p, i) =>
      heads[i]!.tail.length + p.segments.length >= FLUSH_AT ? flushQuietly(clients, p.topic.topicId, p.partition, FLUSH_AT) : undefined,
    ),
  );
}

function checkInput(partitions: readonly TxnPartition[], participants: readonly TxnParticipant[]): void {
  const seen = new Set<string>();
  for (const p of partitions) {
    const key = `${p.topic.topicId}#${p.partition}`;
    if (seen.has(key)) throw new InvalidRequestError(`Partition ${p.partition} of '${p.topic.name}' is given twice in one transaction.`);
    if (p.segments.length === 0) throw new InvalidRequestError(`Partition ${p.partition} of '${p.topic.name}' has nothing to commit.`);
    seen.add(key);
  }
  checkTransactionShape({
    partitions: partitions.length,
    segments: partitions.reduce((n, p) => n + p.segments.length, 0),
    sharedObject: false,
    participantItems: participants.reduce((n, p) => n + p.count, 0),
  });
}

/** Size of the attempt's items as DynamoDB counts them against its 4 MB limit. */
function requestBytes(a: Attempt): number {
  let bytes = 0;
  for (const i of a.input.TransactItems ?? []) {
    bytes += itemSize(i.Put?.Item) + itemSize(i.Update?.Key) + itemSize(i.Update?.ExpressionAttributeValues);
    bytes += itemSize(i.Delete?.Key) + itemSize(i.ConditionCheck?.Key);
  }
  return bytes;
}

const outcome = (a: Attempt): CommitOutcome => ({ results: [...a.ctx.results], segments: a.segments });

/**
 * The ambiguous attempt that did commit, found through the index entry of its first
 * segment once that partition's head moved. Attempts that provably did not commit (the
 * head moved past their base without our entry) are forgotten.
 */
async function findLanded(clients: StorageClients, ambiguous: Attempt[], heads: readonly PartitionHead[]): Promise<Attempt | undefined> {
  for (const a of [...ambiguous]) {
    const r = a.receipt;
    if (!r) continue;
    const next = heads[r.at]!.nextOffset;
    if (next === r.base) continue; // not landed (yet): a resend is deduplicated
    const entry = await findEntry(clients, r.topicId, r.partition, r.lastOffset);
    if (entry?.objectKey === r.objectKey && entry.byteStart === r.byteStart) return a;
    if (next > r.base) ambiguous.splice(ambiguous.indexOf(a), 1);
  }
  return undefined;
}

/**
 * A canceled attempt: a moved head or an existing entry means retry (after looking for
 * a landed ambiguous attempt); a participant's failed condition is its verdict.
 */
async function conditionFailed(
  clients: StorageClients,
  partitions: readonly TxnPartition[],
  participants: readonly TxnParticipant[],
  attempt: Attempt,
  failed: readonly number[],
  ambiguous: Attempt[],
): Promise<CommitOutcome | undefined> {
  const byParticipant = new Map<number, number[]>();
  for (const i of failed) {
    const owner = attempt.owners[i];
    if (owner?.kind === 'participant') byParticipant.set(owner.index, [...(byParticipant.get(owner.index) ?? []), owner.local]);
  }
  for (const [index, local] of byParticipant) {
    const verdict = await participants[index]!.explain(local, attempt.ctx);
    if (verdict === undefined) continue;
    if (verdict !== 'committed') throw verdict;
    // Our own receipt: an earlier, ambiguous attempt committed.
    if (partitions.length === 0) return ambiguous.length > 0 ? { results: [], segments: [] } : undefined;
    const heads = await Promise.all(partitions.map((p) => getHead(clients, p.topic.topicId, p.partition)));
    const landed = await findLanded(clients, ambiguous, heads);
    if (landed) return outcome(landed);
  }
  return undefined;
}
