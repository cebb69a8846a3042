// A one-shot transaction (POST /v1/transactions): records for many topics and partitions
// uploaded as one object, then committed with the participants (group offsets, ...) in
// one TransactWriteItems. Answers every record's offset, in request order. A produce
// request over several partitions commits the same way (commitParts), and the gateway's
// flush too (commitPartsEach: several parts per partition, idempotent producers' batches
// judged per attempt, every part answered on its own), from data they encoded themselves.
import type { StorageClients } from '../../storage/clients.ts';
import type { CommitOptions } from '../../storage/commit.ts';
import { tpKey, type TopicRecord } from '../../storage/metadata.ts';
import { commitSegments, commitTransaction } from './commit.ts';
import { checkTransactionShape } from './limits.ts';
import { prepareRecords, uploadParts, type EncodedPart, type TxnRecord, type UploadedParts } from './prepare.ts';
import { sharedObjectRefs } from './sharedObjects.ts';
import type { PartitionResult, SegmentResult, TxnParticipant } from './types.ts';

export interface RecordOffset {
  topic: string;
  partition: number;
  offset: number;
}

export interface OneShotResult {
  /** Every record's place, in request order. */
  offsets: RecordOffset[];
  /** Every partition written. */
  partitions: PartitionResult[];
}

/**
 * Partitions' data already encoded (a produce request's partitions, a gateway flush)
 * uploaded as ONE object and committed in ONE transaction with the participants. The
 * caller keeps within the limits (partitionsPerCommit); beyond them this refuses before
 * uploading (INVALID_TXN_STATE).
 */
export async function commitParts(
  clients: StorageClients,
  parts: readonly EncodedPart[],
  opts: { participants?: readonly TxnParticipant[]; commit?: CommitOptions } = {},
): Promise<PartitionResult[]> {
  const participants = opts.participants ?? [];
  const participantItems = participants.reduce((n, p) => n + p.count, 0);
  checkTransactionShape({ partitions: parts.length, segments: parts.length, sharedObject: parts.length > 1, participantItems });
  return commitUploaded(clients, await uploadParts(clients, parts), participants, opts.commit);
}

/**
 * Parts (consecutive parts of one partition take its offsets in their order) uploaded as
 * ONE object and committed in ONE transaction, each part answered: its offsets, its
 * earlier offsets (an idempotent producer's duplicate) or why it was refused. Throws only
 * what fails the commit as a whole.
 */
export async function commitPartsEach(
  clients: StorageClients,
  parts: readonly EncodedPart[],
  opts: { now: () => number; commit?: CommitOptions },
): Promise<SegmentResult[]> {
  const partitions = new Set(parts.map((p) => tpKey(p.topic.topicId, p.partition))).size;
  checkTransactionShape({ partitions, segments: parts.length, sharedObject: parts.length > 1, participantItems: 0 });
  const uploaded = await uploadParts(clients, parts);
  const participants = uploaded.sharedObjectKey ? [sharedObjectRefs(clients, uploaded.sharedObjectKey)] : [];
  const txn = { partitions: uploaded.partitions, participants, heads: uploaded.heads, now: opts.now };
  return (await commitSegments(clients, txn, opts.commit)).segments.flat();
}

/** The commit of uploaded data: a shared object's references go in the same transaction. */
function commitUploaded(
  clients: StorageClients,
  uploaded: UploadedParts,
  participants: readonly TxnParticipant[],
  commit: CommitOptions | undefined,
): Promise<PartitionResult[]> {
  const all = uploaded.sharedObjectKey ? [sharedObjectRefs(clients, uploaded.sharedObjectKey), ...participants] : participants;
  return commitTransaction(clients, { partitions: uploaded.partitions, participants: all, heads: uploaded.heads }, commit);
}

export async function commitRecords(
  clients: StorageClients,
  topics: ReadonlyMap<string, TopicRecord>,
  records: readonly TxnRecord[],
  opts: { participants?: readonly TxnParticipant[]; now: number; commit?: CommitOptions },
): Promise<OneShotResult> {
  const participants = [...(opts.participants ?? [])];
  if (records.length === 0) {
    await commitTransaction(clients, { partitions: [], participants }, opts.commit);
    return { offsets: [], partitions: [] };
  }
  const participantItems = participants.reduce((n, p) => n + p.count, 0);
  const prepared = await prepareRecords(clients, topics, records, { now: opts.now, participantItems });
  const results = await commitUploaded(clients, prepared, participants, opts.commit);
  const offsets = prepared.placements.map(({ at, position }) => {
    const r = results[at]!;
    return { topic: r.topic, partition: r.partition, offset: r.baseOffset + position };
  });
  return { offsets, partitions: results };
}
