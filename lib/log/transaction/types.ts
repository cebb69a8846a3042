// The shapes of a transaction commit (DESIGN.md "Transactions"): what is committed per
// partition (segments already uploaded, still invisible), what other features add to the
// same TransactWriteItems (participants: group offsets, cursors, versioned items, the
// transactional producer), and what a commit answers.
import type { TransactWriteItem } from '@aws-sdk/client-dynamodb';
import type { SluiceError } from '../../core/errors.ts';
import type { IndexEntry, TopicRecord } from '../../storage/metadata.ts';
import type { ProducerBatch } from '../idempotence.ts';

/**
 * Data uploaded before the commit: a byte range of an object, batches based at offset 0
 * (an index entry without its offsets). With `producer`, the batches of an idempotent
 * producer: each attempt judges them against the head it read (judge.ts).
 */
export type TxnSegment = Omit<IndexEntry, 'baseOffset' | 'lastOffset'> & { producer?: ProducerBatch };

/**
 * What became of one segment: committed at these offsets, a duplicate of an earlier
 * commit (these are its offsets; nothing was written again), or refused (`error`).
 */
export type SegmentResult = { baseOffset: number; lastOffset: number; duplicate?: boolean } | { error: unknown };

/** One partition a transaction writes: its segments, in the order they take offsets. */
export interface TxnPartition {
  topic: Pick<TopicRecord, 'name' | 'topicId'>;
  partition: number;
  segments: TxnSegment[];
}

/** Where a partition's records landed. */
export interface PartitionResult {
  topic: string;
  topicId: string;
  partition: number;
  baseOffset: number;
  lastOffset: number;
}

/** What a participant's items are built from: the attempt's transaction id and offsets. */
export interface AttemptContext {
  /** Unique per commit call; a participant may write it as a receipt (see TxnVerdict). */
  txnId: string;
  /** The offsets the attempt gives each partition it writes, in the order of `partitions`. */
  results: readonly PartitionResult[];
  /** For each of `results`: the last offset of every index entry the attempt adds there. */
  lastOffsets: readonly (readonly number[])[];
}

/**
 * What a participant's failed condition means: the error to report (nothing was
 * written), 'committed' when it finds the transaction's own receipt (an earlier attempt
 * whose answer was lost did commit), or undefined when the state changed back and an
 * attempt at the new state may pass.
 */
export type TxnVerdict = SluiceError | 'committed' | undefined;

/**
 * Items another feature commits together with the records: built per attempt (the
 * same context must give byte-identical items, so a resend stays deduplicated by its
 * ClientRequestToken), each with its own condition.
 */
export interface TxnParticipant {
  /** For messages: "offsets of group 'billing'". */
  what: string;
  /** How many items `items` returns (counted against the limits before anything is uploaded). */
  count: number;
  items(ctx: AttemptContext): TransactWriteItem[];
  /** Some of its items' conditions failed (positions within its own items). */
  explain(failed: number[], ctx: AttemptContext): Promise<TxnVerdict>;
}
