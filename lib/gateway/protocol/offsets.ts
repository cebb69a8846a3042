// Committed group offsets: commit, fetch (v8+ several groups at once) and delete.
//
// Layouts as Kafka defines them (name: type  versions; ? = nullable; tag = tagged field).
// Sluice serves the versions given to message() below.
//
// OffsetCommitRequest (key 8; Kafka defines 0-9, flexible 8+)
//   GroupId: string  v0+
//   GenerationIdOrMemberEpoch: int32  v1+
//   MemberId: string  v1+
//   GroupInstanceId: string?  v7+
//   RetentionTimeMs: int64  v2-4
//   Topics: []  v0+
//     Name: string  v0+
//     Partitions: []  v0+
//       PartitionIndex: int32  v0+
//       CommittedOffset: int64  v0+
//       CommittedLeaderEpoch: int32  v6+
//       CommitTimestamp: int64  v1
//       CommittedMetadata: string?  v0+
//
// OffsetCommitResponse (key 8; Kafka defines 0-9, flexible 8+)
//   ThrottleTimeMs: int32  v3+
//   Topics: []  v0+
//     Name: string  v0+
//     Partitions: []  v0+
//       PartitionIndex: int32  v0+
//       ErrorCode: int16  v0+
//
// OffsetFetchRequest (key 9; Kafka defines 0-9, flexible 6+)
//   GroupId: string  v0-7
//   Topics: []?  v0-7
//     Name: string  v0-7
//     PartitionIndexes: []int32  v0-7
//   Groups: []  v8+
//     GroupId: string  v8+
//     MemberId: string?  v9+
//     MemberEpoch: int32  v9+
//     Topics: []?  v8+
//       Name: string  v8+
//       PartitionIndexes: []int32  v8+
//   RequireStable: bool  v7+
//
// OffsetFetchResponse (key 9; Kafka defines 0-9, flexible 6+)
//   ThrottleTimeMs: int32  v3+
//   Topics: []  v0-7
//     Name: string  v0-7
//     Partitions: []  v0-7
//       PartitionIndex: int32  v0-7
//       CommittedOffset: int64  v0-7
//       CommittedLeaderEpoch: int32  v5-7
//       Metadata: string?  v0-7
//       ErrorCode: int16  v0-7
//   ErrorCode: int16  v2-7
//   Groups: []  v8+
//     GroupId: string  v8+
//     Topics: []  v8+
//       Name: string  v8+
//       Partitions: []  v8+
//         PartitionIndex: int32  v8+
//         CommittedOffset: int64  v8+
//         CommittedLeaderEpoch: int32  v8+
//         Metadata: string?  v8+
//         ErrorCode: int16  v8+
//     ErrorCode: int16  v8+
//
// OffsetDeleteRequest (key 47; Kafka defines 0, flexible none)
//   GroupId: string  v0+
//   Topics: []  v0+
//     Name: string  v0+
//     Partitions: []  v0+
//       PartitionIndex: int32  v0+
//
// OffsetDeleteResponse (key 47; Kafka defines 0, flexible none)
//   ErrorCode: int16  v0+
//   ThrottleTimeMs: int32  v0+
//   Topics: []  v0+
//     Name: string  v0+
//     Partitions: []  v0+
//       PartitionIndex: int32  v0+
//       ErrorCode: int16  v0+
import { arr, f, message } from './schema.ts';

export const OffsetCommitRequest = message(8, '0-9', '8+', [
  f('groupId', 'string', '0+'),
  f('generationIdOrMemberEpoch', 'int32', '1+', { default: -1 }),
  f('memberId', 'string', '1+'),
  f('groupInstanceId', 'string', '7+', { nullable: '7+' }),
  f('retentionTimeMs', 'int64', '2-4', { default: -1 }),
  f('topics', arr([
    f('name', 'string', '0+'),
    f('partitions', arr([
      f('partitionIndex', 'int32', '0+'),
      f('committedOffset', 'int64', '0+'),
      f('committedLeaderEpoch', 'int32', '6+', { default: -1 }),
      f('commitTimestamp', 'int64', '1', { default: -1 }),
      f('committedMetadata', 'string', '0+', { nullable: '0+' }),
    ]), '0+'),
  ]), '0+'),
]);

/** OffsetCommit's and OffsetDelete's answer: an error per partition. */
const partitionErrors = f('topics', arr([
  f('name', 'string', '0+'),
  f('partitions', arr([
    f('partitionIndex', 'int32', '0+'),
    f('errorCode', 'int16', '0+'),
  ]), '0+'),
]), '0+');

export const OffsetCommitResponse = message(8, '0-9', '8+', [
  f('throttleTimeMs', 'int32', '3+'),
  partitionErrors,
]);

export const OffsetFetchRequest = message(9, '0-9', '6+', [
  f('groupId', 'string', '0-7'),
  f('topics', arr([
    f('name', 'string', '0-7'),
    f('partitionIndexes', '[]int32', '0-7'),
  ]), '0-7', { nullable: '2-7' }),
  f('groups', arr([
    f('groupId', 'string', '8+'),
    f('memberId', 'string', '9+', { nullable: '9+' }),
    f('memberEpoch', 'int32', '9+', { default: -1 }),
    f('topics', arr([
      f('name', 'string', '8+'),
      f('partitionIndexes', '[]int32', '8+'),
    ]), '8+', { nullable: '8+' }),
  ]), '8+'),
  f('requireStable', 'bool', '7+', { default: false }),
]);

/** OffsetFetchResponse's topics: at the top level up to v7, per group from v8 (`v`). */
const fetchedTopics = (v: string, leaderEpoch: string) =>
  f('topics', arr([
    f('name', 'string', v),
    f('partitions', arr([
      f('partitionIndex', 'int32', v),
      f('committedOffset', 'int64', v),
      f('committedLeaderEpoch', 'int32', leaderEpoch, { default: -1 }),
      f('metadata', 'string', v, { nullable: v }),
      f('errorCode', 'int16', v),
    ]), v),
  ]), v);

export const OffsetFetchResponse = message(9, '0-9', '6+', [
  f('throttleTimeMs', 'int32', '3+'),
  fetchedTopics('0-7', '5-7'),
  f('errorCode', 'int16', '2-7', { default: 0 }),
  f('groups', arr([
    f('groupId', 'string', '8+'),
    fetchedTopics('8+', '8+'),
    f('errorCode', 'int16', '8+', { default: 0 }),
  ]), '8+'),
]);

export const OffsetDeleteRequest = message(47, '0', 'none', [
  f('groupId', 'string', '0+'),
  f('topics', arr([
    f('name', 'string', '0+'),
    f('partitions', arr([
      f('partitionIndex', 'int32', '0+'),
    ]), '0+'),
  ]), '0+'),
]);

export const OffsetDeleteResponse = message(47, '0', 'none', [
  f('errorCode', 'int16', '0+'),
  f('throttleTimeMs', 'int32', '0+'),
  partitionErrors,
]);
