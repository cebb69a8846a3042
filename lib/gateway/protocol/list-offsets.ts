// ListOffsets: earliest (-2), latest (-1) or the first offset at a timestamp. v0
// (several offsets per partition) is not served.
//
// Layouts as Kafka defines them (name: type  versions; ? = nullable; tag = tagged field).
// Sluice serves the versions given to message() below.
//
// ListOffsetsRequest (key 2; Kafka defines 0-10, flexible 6+)
//   ReplicaId: int32  v0+
//   IsolationLevel: int8  v2+
//   Topics: []  v0+
//     Name: string  v0+
//     Partitions: []  v0+
//       PartitionIndex: int32  v0+
//       CurrentLeaderEpoch: int32  v4+
//       Timestamp: int64  v0+
//       MaxNumOffsets: int32  v0
//   TimeoutMs: int32  v10+
//
// ListOffsetsResponse (key 2; Kafka defines 0-10, flexible 6+)
//   ThrottleTimeMs: int32  v2+
//   Topics: []  v0+
//     Name: string  v0+
//     Partitions: []  v0+
//       PartitionIndex: int32  v0+
//       ErrorCode: int16  v0+
//       OldStyleOffsets: []int64  v0
//       Timestamp: int64  v1+
//       Offset: int64  v1+
//       LeaderEpoch: int32  v4+
import { arr, f, message } from './schema.ts';

export const ListOffsetsRequest = message(2, '1-6', '6+', [
  f('replicaId', 'int32', '0+'),
  f('isolationLevel', 'int8', '2+'),
  f('topics', arr([
    f('name', 'string', '0+'),
    f('partitions', arr([
      f('partitionIndex', 'int32', '0+'),
      f('currentLeaderEpoch', 'int32', '4+', { default: -1 }),
      f('timestamp', 'int64', '0+'),
      f('maxNumOffsets', 'int32', '0', { default: 1 }),
    ]), '0+'),
  ]), '0+'),
  f('timeoutMs', 'int32', '10+'),
]);

export const ListOffsetsResponse = message(2, '1-6', '6+', [
  f('throttleTimeMs', 'int32', '2+'),
  f('topics', arr([
    f('name', 'string', '0+'),
    f('partitions', arr([
      f('partitionIndex', 'int32', '0+'),
      f('errorCode', 'int16', '0+'),
      f('oldStyleOffsets', '[]int64', '0'),
      f('timestamp', 'int64', '1+', { default: -1 }),
      f('offset', 'int64', '1+', { default: -1 }),
      f('leaderEpoch', 'int32', '4+', { default: -1 }),
    ]), '0+'),
  ]), '0+'),
]);
