// The limits of one transaction, derived from DynamoDB's for one TransactWriteItems: at
// most 100 items and 4 MB of them. What a transaction needs:
//
//   per partition written        1 (its head)
//   per segment committed        1 (its index entry; a one-shot transaction has one per
//                                  partition, a staged one one per staged batch, a
//                                  gateway flush one per run of a partition's requests:
//                                  plain ones merged, each idempotent one alone). The
//                                  entry rides in its head's tail (lib/storage/commit.ts),
//                                  not an item of its own; it is still counted, which
//                                  bounds how much one commit adds to one head item
//   an object shared by several  1 (its reference record, for cleanup)
//     partitions
//   consumer-group offsets       1 per offset, plus 1 for the group's fence
//   a transactional producer     1
//   each cursor, versioned item  1
//
// So a one-shot transaction of P partitions (P > 1) with O offsets needs 2P + 1 (+ O + 1)
// items: at most 49 partitions without offsets, and 2P + O <= 98 with them. A request over
// the limit is refused before anything is uploaded: INVALID_TXN_STATE naming the limit.
import { InvalidTxnStateError } from '../../core/errors.ts';

/** DynamoDB's limit on the items of one TransactWriteItems. */
export const MAX_TRANSACTION_ITEMS = 100;
/** DynamoDB's limit on the total size of one TransactWriteItems' items (4 MB). */
export const MAX_TRANSACTION_ITEM_BYTES = 4 * 1024 * 1024;

export interface TransactionShape {
  partitions: number;
  segments: number;
  /** The data of several partitions shares one object. */
  sharedObject: boolean;
  /** Items of participants (offsets with their fence, producer, cursors, versioned items). */
  participantItems: number;
}

export function transactionItems(s: TransactionShape): number {
  return s.partitions + s.segments + (s.sharedObject ? 1 : 0) + s.participantItems;
}

/**
 * The most partitions one commit of a shared object can hold when each partition needs
 * `extraPerPartition` items besides its head and its one entry (an Idempotency-Key
 * request's result: 1): 49 without, 33 with one.
 */
export function partitionsPerCommit(extraPerPartition: number): number {
  return Math.floor((MAX_TRANSACTION_ITEMS - 1) / (2 + extraPerPartition));
}

/** INVALID_TXN_STATE when the transaction needs more items than one commit may hold. */
export function checkTransactionShape(s: TransactionShape): void {
  const items = transactionItems(s);
  if (s.partitions === 0 && s.participantItems === 0) {
    throw new InvalidTxnStateError('A transaction needs at least one record or offset. Nothing was written.');
  }
  if (items > MAX_TRANSACTION_ITEMS) {
    throw new InvalidTxnStateError(
      `This transaction needs ${items} items (${s.partitions} partitions, ${s.segments} segments` +
        `${s.sharedObject ? ', 1 shared object' : ''}, ${s.participantItems} offsets and other items); ` +
        `one commit holds at most ${MAX_TRANSACTION_ITEMS} (DynamoDB's TransactWriteItems limit). Nothing was written.`,
      { limit: MAX_TRANSACTION_ITEMS, items, partitions: s.partitions, segments: s.segments, participantItems: s.participantItems },
    );
  }
}

/** INVALID_TXN_STATE when the items together are larger than one commit may carry. */
export function checkTransactionBytes(bytes: number): void {
  if (bytes > MAX_TRANSACTION_ITEM_BYTES) {
    throw new InvalidTxnStateError(
      `This transaction's items are ${bytes} bytes together; one commit carries at most ${MAX_TRANSACTION_ITEM_BYTES} (4 MB, DynamoDB's limit). Nothing was written.`,
      { limit: MAX_TRANSACTION_ITEM_BYTES, bytes },
    );
  }
}
