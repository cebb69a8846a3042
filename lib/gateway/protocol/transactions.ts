// The transaction coordinator's APIs (AddPartitionsToTxn, AddOffsetsToTxn, EndTxn) and
// the group coordinator's TxnOffsetCommit. Every node is every transaction's coordinator:
// the state is the transactional producer's item of lib/log (handlers/transactions.ts).
//
// Layouts as Kafka defines them (name: type  versions; ? = nullable; tag = tagged field).
// Sluice serves the versions given to message() below.
//
// AddPartitionsToTxnRequest (key 24; Kafka defines 0-5, flexible 3+)
//   Transactions: []  v4+                      (v4+: batched, as brokers send them)
//     TransactionalId: string  v4+
//     ProducerId: int64  v4+
//     ProducerEpoch: int16  v4+
//     VerifyOnly: bool  v4+
//     Topics: []  v4+
//       Name: string  v4+
//       Partitions: []int32  v4+
//   V3AndBelowTransactionalId: string  v0-3
//   V3AndBelowProducerId: int64  v0-3
//   V3AndBelowProducerEpoch: int16  v0-3
//   V3AndBelowTopics: []  v0-3
//     Name: string  v0-3
//     Partitions: []int32  v0-3
//
// AddPartitionsToTxnResponse (key 24; Kafka defines 0-5, flexible 3+)
//   ThrottleTimeMs: int32  v0+
//   ErrorCode: int16  v4+
//   ResultsByTransaction: []  v4+
//     TransactionalId: string  v4+
//     TopicResults: []  v4+
//       Name: string  v4+
//       ResultsByPartition: []  v4+
//         PartitionIndex: int32  v4+
//         PartitionErrorCode: int16  v4+
//   ResultsByTopicV3AndBelow: []  v0-3
//     Name: string  v0-3
//     ResultsByPartition: []  v0-3
//       PartitionIndex: int32  v0-3
//       PartitionErrorCode: int16  v0-3
//
// AddOffsetsToTxnRequest (key 25; Kafka defines 0-4, flexible 3+)
//   TransactionalId: string  v0+
//   ProducerId: int64  v0+
//   ProducerEpoch: int16  v0+
//   GroupId: string  v0+
//
// AddOffsetsToTxnResponse (key 25; Kafka defines 0-4, flexible 3+)
//   ThrottleTimeMs: int32  v0+
//   ErrorCode: int16  v0+
//
// EndTxnRequest (key 26; Kafka defines 0-5, flexible 3+)
//   TransactionalId: string  v0+
//   ProducerId: int64  v0+
//   ProducerEpoch: int16  v0+
//   Committed: bool  v0+
//
// EndTxnResponse (key 26; Kafka defines 0-5, flexible 3+)
//   ThrottleTimeMs: int32  v0+
//   ErrorCode: int16  v0+
//   ProducerId: int64  v5+                     (v5: KIP-890's epoch bump per transaction;
//   ProducerEpoch: int16  v5+                   not served, Sluice keeps the epoch)
//
// TxnOffsetCommitRequest (key 28; Kafka defines 0-5, flexible 3+)
//   TransactionalId: string  v0+
//   GroupId: string  v0+
//   ProducerId: int64  v0+
//   ProducerEpoch: int16  v0+
//   GenerationId: int32  v3+
//   MemberId: string  v3+
//   GroupInstanceId: string?  v3+
//   Topics: []  v0+
//     Name: string  v0+
//     Partitions: []  v0+
//       PartitionIndex: int32  v0+
//       CommittedOffset: int64  v0+
//       CommittedLeaderEpoch: int32  v2+
//       CommittedMetadata: string?  v0+
//
// TxnOffsetCommitResponse (key 28; Kafka defines 0-5, flexible 3+)
//   ThrottleTimeMs: int32  v0+
//   Topics: []  v0+
//     Name: string  v0+
//     Partitions: []  v0+
//       PartitionIndex: int32  v0+
//       ErrorCode: int16  v0+
import { arr, f, message, type Field } from './schema.ts';

const topicPartitions = (versions: string): Field[] => [f('name', 'string', versions), f('partitions', '[]int32', versions)];
const partitionResults = (versions: string): Field[] => [
  f('name', 'string', versions),
  f('resultsByPartition', arr([f('partitionIndex', 'int32', versions), f('partitionErrorCode', 'int16', versions)]), versions),
];

export const AddPartitionsToTxnRequest = message(24, '0-5', '3+', [
  f('transactions', arr([
    f('transactionalId', 'string', '4+'),
    f('producerId', 'int64', '4+'),
    f('producerEpoch', 'int16', '4+'),
    f('verifyOnly', 'bool', '4+', { default: false }),
    f('topics', arr(topicPartitions('4+')), '4+'),
  ]), '4+'),
  f('v3AndBelowTransactionalId', 'string', '0-3'),
  f('v3AndBelowProducerId', 'int64', '0-3'),
  f('v3AndBelowProducerEpoch', 'int16', '0-3'),
  f('v3AndBelowTopics', arr(topicPartitions('0-3')), '0-3'),
]);

export const AddPartitionsToTxnResponse = message(24, '0-5', '3+', [
  f('throttleTimeMs', 'int32', '0+'),
  f('errorCode', 'int16', '4+', { default: 0 }),
  f('resultsByTransaction', arr([
    f('transactionalId', 'string', '4+'),
    f('topicResults', arr(partitionResults('4+')), '4+'),
  ]), '4+'),
  f('resultsByTopicV3AndBelow', arr(partitionResults('0-3')), '0-3'),
]);

/** The producer a coordinator request speaks for, and the answer of one error code. */
const producer = (): Field[] => [f('transactionalId', 'string', '0+'), f('producerId', 'int64', '0+'), f('producerEpoch', 'int16', '0+')];
const outcome = (): Field[] => [f('throttleTimeMs', 'int32', '0+'), f('errorCode', 'int16', '0+')];

export const AddOffsetsToTxnRequest = message(25, '0-4', '3+', [...producer(), f('groupId', 'string', '0+')]);
export const AddOffsetsToTxnResponse = message(25, '0-4', '3+', outcome());
export const EndTxnRequest = message(26, '0-4', '3+', [...producer(), f('committed', 'bool', '0+')]);
export const EndTxnResponse = message(26, '0-4', '3+', outcome());

export const TxnOffsetCommitRequest = message(28, '0-4', '3+', [
  f('transactionalId', 'string', '0+'),
  f('groupId', 'string', '0+'),
  f('producerId', 'int64', '0+'),
  f('producerEpoch', 'int16', '0+'),
  f('generationId', 'int32', '3+', { default: -1 }),
  f('memberId', 'string', '3+', { default: '' }),
  f('groupInstanceId', 'string', '3+', { nullable: '3+', default: null }),
  f('topics', arr([
    f('name', 'string', '0+'),
    f('partitions', arr([
      f('partitionIndex', 'int32', '0+'),
      f('committedOffset', 'int64', '0+'),
      f('committedLeaderEpoch', 'int32', '2+', { default: -1 }),
      f('committedMetadata', 'string', '0+', { nullable: '0+' }),
    ]), '0+'),
  ]), '0+'),
]);

export const TxnOffsetCommitResponse = message(28, '0-4', '3+', [
  f('throttleTimeMs', 'int32', '0+'),
  f('topics', arr([
    f('name', 'string', '0+'),
    f('partitions', arr([f('partitionIndex', 'int32', '0+'), f('errorCode', 'int16', '0+')]), '0+'),
  ]), '0+'),
]);
