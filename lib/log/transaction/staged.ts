// Transactional producers' staged transactions (API.md "Transactions", staged form):
//
//   register  POST /v1/producers {transactionalId}   new epoch; older ones fenced
//   stage     each batch uploaded (invisible) and listed on the producer item; group
//             offsets (Kafka's TxnOffsetCommit) listed there too, as given
//   commit    ONE transaction commit (commit.ts) of every staged batch, the offsets and
//             the producer item (IF epoch and transaction unchanged: a zombie, or a
//             transaction aborted meanwhile, commits nothing)
//   abort     the list is dropped; the objects become orphans that cleanup deletes
//
// A transaction older than its timeoutMs is aborted by the next call that meets it
// (TRANSACTION_ABORTABLE). Nothing of a staged transaction is visible before its
// commit, so none can block a partition, whatever a producer does or fails to do.
// The timeout is bounded well below maintenance's grace period, so cleanup never takes
// a staged object of a transaction that may still commit.
import { randomUUID } from 'node:crypto';
import {
  ConcurrentRequestError,
  InvalidTxnStateError,
  TransactionAbortedError,
  UnknownTopicOrPartitionError,
  type SluiceError,
} from '../../core/errors.ts';
import type { StorageClients } from '../../storage/clients.ts';
import type { CommitOptions } from '../../storage/commit.ts';
import { getTopics, type TopicRecord } from '../../storage/metadata.ts';
import { readBatchHeaders } from '../../records/index.ts';
import { newSegmentKey, putSegment } from '../../storage/segments.ts';
import { segmentFromBatches, segmentFromRecords, type AppendInput } from '../append.ts';
import { commitTransaction } from './commit.ts';
import { checkTransactionShape } from './limits.ts';
import {
  checkEpoch,
  clearTxn,
  endTxnUpdate,
  readTxnProducer,
  requireTxnProducer,
  writeStaged,
  writeStagedOffsets,
  type StagedBatch,
  type StagedOffsetCommit,
  type TxnProducer,
} from './producerStore.ts';
import type { PartitionResult, TxnParticipant, TxnPartition } from './types.ts';

export const DEFAULT_TRANSACTION_TIMEOUT_MS = 60_000;
/** Longest transactionTimeoutMs: well inside maintenance's grace period for unreferenced objects (10 min). */
export const MAX_TRANSACTION_TIMEOUT_MS = 300_000;

const STAGE_ATTEMPTS = 10;

/** The producer epoch binary batches carry (validating their headers); undefined without a producer id. */
export function producerEpochOfBatches(body: Buffer): number | undefined {
  const first = readBatchHeaders(body)[0];
  return first && first.producerId >= 0n ? first.producerEpoch : undefined;
}

export interface StageRequest {
  transactionalId: string;
  producerEpoch: number;
  topic: TopicRecord;
  partition: number;
  input: AppendInput;
}

export interface StageResult {
  topic: string;
  partition: number;
  /** Records in this batch. */
  records: number;
  /** Batches staged in the transaction so far. */
  staged: number;
}

/** Throws TRANSACTION_ABORTABLE (after ending it) when the transaction in progress outlived its timeout. */
async function expireIfLate(clients: StorageClients, p: TxnProducer, now: number): Promise<void> {
  if (!p.txn || now - (p.startedAt ?? now) <= p.timeoutMs) return;
  await clearTxn(clients, p.transactionalId, p.epoch, p.txn);
  throw new TransactionAbortedError(
    `The transaction of '${p.transactionalId}' was aborted: it was open longer than its timeout of ${p.timeoutMs} ms. Nothing of it is visible; start a new one.`,
    { transactionalId: p.transactionalId, transactionTimeoutMs: p.timeoutMs },
  );
}

export async function stageBatch(clients: StorageClients, req: StageRequest, now: number): Promise<StageResult> {
  const segment = 'records' in req.input ? segmentFromRecords(req.topic, req.input.records, now) : segmentFromBatches(req.topic, req.input.batches, now, { transactional: true });
  let p = await requireTxnProducer(clients, req.transactionalId, req.producerEpoch);
  if (segment.producer && (segment.producer.producerId !== String(p.producerId) || segment.producer.epoch !== p.epoch)) {
    throw new InvalidTxnStateError(
      `The batch carries producer ${segment.producer.producerId} epoch ${segment.producer.epoch}; transactional id '${req.transactionalId}' is producer ${p.producerId} epoch ${p.epoch}.`,
    );
  }
  const seq = segment.producer?.firstSeq ?? -1;
  const isResend = (q: TxnProducer) => seq >= 0 && q.staged.some((b) => b.topicId === req.topic.topicId && b.partition === req.partition && b.seq === seq);
  const result = (q: TxnProducer): StageResult => ({ topic: req.topic.name, partition: req.partition, records: segment.recordCount, staged: q.staged.length });
  await expireIfLate(clients, p, now);
  if (isResend(p)) return result(p);
  checkStagedShape([...p.staged, { topicId: req.topic.topicId, partition: req.partition }]);

  const objectKey = newSegmentKey(req.topic.topicId, req.partition);
  await putSegment(clients, objectKey, segment.body);
  const batch: StagedBatch = {
    topic: req.topic.name,
    topicId: req.topic.topicId,
    partition: req.partition,
    objectKey,
    byteStart: 0,
    byteLength: segment.body.length,
    recordCount: segment.recordCount,
    firstTimestamp: segment.firstTimestamp,
    maxTimestamp: segment.maxTimestamp,
    seq,
  };
  for (let attempt = 0; attempt < STAGE_ATTEMPTS; attempt++) {
    const txn = p.txn ? { id: p.txn, startedAt: p.startedAt! } : { id: randomUUID(), startedAt: now };
    if (await writeStaged(clients, p, txn, [batch], now)) return { ...result(p), staged: p.staged.length + 1 };
    p = await requireTxnProducer(clients, req.transactionalId, req.producerEpoch);
    await expireIfLate(clients, p, now);
    if (isResend(p)) return result(p);
    checkStagedShape([...p.staged, batch]);
  }
  throw new ConcurrentRequestError(`Batches of '${req.transactionalId}' are being staged concurrently; retry.`, { retryAfterSeconds: 1 });
}

/** What a transactional producer's item says now: its id, epoch, and whether a transaction is in progress. */
export interface TxnProducerState {
  producerId: number;
  producerEpoch: number;
  inTransaction: boolean;
}

/**
 * The producer at `producerEpoch` (PRODUCER_FENCED for an older one), its transaction
 * ended first if it outlived its timeout (TRANSACTION_ABORTABLE).
 */
export async function txnProducerState(clients: StorageClients, transactionalId: string, producerEpoch: number, now: number): Promise<TxnProducerState> {
  const p = await requireTxnProducer(clients, transactionalId, producerEpoch);
  await expireIfLate(clients, p, now);
  return { producerId: p.producerId, producerEpoch: p.epoch, inTransaction: p.txn !== undefined };
}

/** What the producer item says, whatever the epoch; undefined for an id never registered (or expired). */
export async function describeTxnProducer(clients: StorageClients, transactionalId: string): Promise<TxnProducerState | undefined> {
  const p = await readTxnProducer(clients, transactionalId);
  return p && { producerId: p.producerId, producerEpoch: p.epoch, inTransaction: p.txn !== undefined };
}

const STAGED_OFFSETS_LIMIT = 1000;

/**
 * Stages a group's offsets in the producer's transaction (starting it if none is in
 * progress): committed with its batches, by the participants the commit's caller builds
 * from them (CommitStagedRequest.stagedParticipants). A later commit for the same group
 * and partition replaces the earlier one.
 */
export async function stageOffsets(
  clients: StorageClients,
  req: { transactionalId: string; producerEpoch: number; commit: StagedOffsetCommit },
  now: number,
): Promise<void> {
  for (let attempt = 0; attempt < STAGE_ATTEMPTS; attempt++) {
    const p = await requireTxnProducer(clients, req.transactionalId, req.producerEpoch);
    await expireIfLate(clients, p, now);
    const offsets = mergeOffsets(p.offsets, req.commit);
    const count = offsets.reduce((n, c) => n + c.offsets.length, 0);
    if (count > STAGED_OFFSETS_LIMIT) {
      throw new InvalidTxnStateError(`A transaction stages at most ${STAGED_OFFSETS_LIMIT} offsets; this one would have ${count}.`, { limit: STAGED_OFFSETS_LIMIT });
    }
    const txn = p.txn ? { id: p.txn, startedAt: p.startedAt! } : { id: randomUUID(), startedAt: now };
    if (await writeStagedOffsets(clients, p, txn, offsets, now)) return;
  }
  throw new ConcurrentRequestError(`Offsets of '${req.transactionalId}' are being staged concurrently; retry.`, { retryAfterSeconds: 1 });
}

/** `staged` with `added` merged in: one entry per group (the latest fence), one offset per partition. */
function mergeOffsets(staged: readonly StagedOffsetCommit[], added: StagedOffsetCommit): StagedOffsetCommit[] {
  const prior = staged.find((c) => c.group === added.group);
  if (!prior) return [...staged, added];
  const byTp = new Map(prior.offsets.map((o) => [`${o.topic}\u0000${o.partition}`, o]));
  for (const o of added.offsets) byTp.set(`${o.topic}\u0000${o.partition}`, o);
  const merged: StagedOffsetCommit = { group: added.group, ...(added.fence ? { fence: added.fence } : {}), offsets: [...byTp.values()] };
  return staged.map((c) => (c === prior ? merged : c));
}

/** The staged batches (plus the producer item) must fit one commit. */
function checkStagedShape(staged: readonly Pick<StagedBatch, 'topicId' | 'partition'>[], participantItems = 1): void {
  const partitions = new Set(staged.map((b) => `${b.topicId}#${b.partition}`)).size;
  checkTransactionShape({ partitions, segments: staged.length, sharedObject: false, participantItems });
}

/** Staged batches as the commit's partitions, each partition's batches in staging order. */
function stagedPartitions(staged: readonly StagedBatch[]): TxnPartition[] {
  const byTp = new Map<string, TxnPartition>();
  for (const b of staged) {
    const key = `${b.topicId}#${b.partition}`;
    let p = byTp.get(key);
    if (!p) byTp.set(key, (p = { topic: { name: b.topic, topicId: b.topicId }, partition: b.partition, segments: [] }));
    p.segments.push({ objectKey: b.objectKey, byteStart: b.byteStart, byteLength: b.byteLength, recordCount: b.recordCount, firstTimestamp: b.firstTimestamp, maxTimestamp: b.maxTimestamp });
  }
  return [...byTp.values()];
}

export interface CommitStagedRequest {
  transactionalId: string;
  producerEpoch: number;
  /** Offsets and other items committed with the staged batches. */
  participants?: TxnParticipant[];
  /** Participants for the offsets staged in the transaction (stageOffsets), built from them as read. */
  stagedParticipants?: (offsets: readonly StagedOffsetCommit[]) => Promise<TxnParticipant[]>;
}

/**
 * Commits every staged batch and the participants at once. A commit retried after its
 * answer was lost answers the same results; with nothing staged and no participants the
 * transaction is INVALID_TXN_STATE.
 */
export async function commitStaged(clients: StorageClients, req: CommitStagedRequest, now: number, opts: CommitOptions = {}): Promise<PartitionResult[]> {
  const p = await requireTxnProducer(clients, req.transactionalId, req.producerEpoch);
  if (p.offsets.length > 0 && !req.stagedParticipants) {
    throw new InvalidTxnStateError(`The transaction of '${req.transactionalId}' has staged offsets; its commit must say how they are written.`);
  }
  const fromStaged = p.offsets.length > 0 ? await req.stagedParticipants!(p.offsets) : [];
  const participants = [...(req.participants ?? []), ...fromStaged];
  if (!p.txn && participants.length === 0) {
    if (p.last?.epoch === p.epoch) return p.last.results;
    throw new InvalidTxnStateError(`Transactional id '${req.transactionalId}' has no transaction in progress: nothing was staged.`, {
      transactionalId: req.transactionalId,
    });
  }
  await expireIfLate(clients, p, now);
  const partitions = stagedPartitions(p.staged);
  checkStagedShape(p.staged, 1 + participants.reduce((n, x) => n + x.count, 0));
  await confirmTopics(clients, partitions);
  const txnId = p.txn ?? randomUUID();
  const producer: TxnParticipant = {
    what: `transactional producer '${p.transactionalId}'`,
    count: 1,
    items: (ctx) => [endTxnUpdate(clients, p, txnId, ctx.results, now)],
    explain: async () => {
      const current = await readTxnProducer(clients, p.transactionalId);
      if (current?.last?.txn === txnId) return 'committed';
      if (!current) return new InvalidTxnStateError(`Transactional id '${p.transactionalId}' expired during the commit.`);
      try {
        checkEpoch(current, p.epoch);
      } catch (err) {
        return err as SluiceError;
      }
      return new TransactionAbortedError(`The transaction of '${p.transactionalId}' was aborted before it could commit. Nothing of it is visible.`, {
        transactionalId: p.transactionalId,
      });
    },
  };
  return commitTransaction(clients, { partitions, participants: [producer, ...participants], txnId }, opts);
}

/** Topics of staged batches must still be the ones staged to (not deleted, not re-created). */
async function confirmTopics(clients: StorageClients, partitions: readonly TxnPartition[]): Promise<void> {
  const current = await getTopics(clients, [...new Set(partitions.map((p) => p.topic.name))]);
  for (const p of partitions) {
    if (current.get(p.topic.name)?.topicId !== p.topic.topicId) {
      throw new UnknownTopicOrPartitionError(`Topic '${p.topic.name}' was deleted since its records were staged; abort the transaction.`);
    }
  }
}

/** Aborts the transaction in progress, if any (PRODUCER_FENCED for an older epoch). */
export async function abortStaged(clients: StorageClients, transactionalId: string, producerEpoch: number): Promise<{ aborted: boolean }> {
  const p = await requireTxnProducer(clients, transactionalId, producerEpoch);
  if (!p.txn) return { aborted: false };
  if (await clearTxn(clients, transactionalId, producerEpoch, p.txn)) return { aborted: true };
  await requireTxnProducer(clients, transactionalId, producerEpoch);
  return { aborted: false };
}
