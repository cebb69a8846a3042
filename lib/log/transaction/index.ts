// Transactions (DESIGN.md "Transactions"): many partitions, consumer-group offsets,
// cursors and versioned state made visible together, or not at all, by ONE
// TransactWriteItems after the data was uploaded. Reading order:
//
//   types.ts          what is committed, participants, results
//   limits.ts         the exact limits (DynamoDB's 100 items, 4 MB)
//   attempt.ts        one attempt's items, built on the heads read
//   commit.ts         the loop: conflicts, ambiguous outcomes, participants' verdicts
//   judge.ts          idempotent producers' segments judged against the heads read
//   prepare.ts        records -> one uploaded object (one-shot transactions, produce)
//   oneShot.ts        POST /v1/transactions; commitParts for produce, commitPartsEach
//                     for the gateway's flush
//   sharedObjects.ts  reference records of objects shared by partitions, and their sweep
//   versioned.ts      versioned items (state, source offsets) as a participant
//   producerStore.ts  transactional producers' item: epochs, staged batches
//   staged.ts         stage, commit, abort, timeout
export { commitSegments, commitTransaction, type CommitOutcome, type TransactionToCommit } from './commit.ts';
export { checkTransactionShape, MAX_TRANSACTION_ITEM_BYTES, MAX_TRANSACTION_ITEMS, partitionsPerCommit, transactionItems, type TransactionShape } from './limits.ts';
export { commitParts, commitPartsEach, commitRecords, type OneShotResult, type RecordOffset } from './oneShot.ts';
export type { EncodedPart, TxnRecord } from './prepare.ts';
export { registerTxnProducer, type StagedOffsetCommit } from './producerStore.ts';
export { sweepSharedObjects, type SharedSweepResult } from './sharedObjects.ts';
export {
  abortStaged,
  commitStaged,
  DEFAULT_TRANSACTION_TIMEOUT_MS,
  describeTxnProducer,
  MAX_TRANSACTION_TIMEOUT_MS,
  producerEpochOfBatches,
  stageBatch,
  stageOffsets,
  txnProducerState,
  type CommitStagedRequest,
  type StageResult,
  type TxnProducerState,
} from './staged.ts';
export type { AttemptContext, PartitionResult, SegmentResult, TxnParticipant, TxnPartition, TxnSegment, TxnVerdict } from './types.ts';
export { versionedItems, type VersionedItem } from './versioned.ts';
