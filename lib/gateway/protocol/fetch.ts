// Fetch. Starts at v4, the first version whose records are RecordBatch v2 and which has
// an isolation level; topic ids replace names from v13.
//
// Layouts as Kafka defines them (name: type  versions; ? = nullable; tag = tagged field).
// Sluice serves the versions given to message() below.
//
// FetchRequest (key 1; Kafka defines 0-17, flexible 12+)
//   ClusterId: string?  v12+ tag 0
//   ReplicaId: int32  v0-14
//   ReplicaState:   v15+ tag 1
//     ReplicaId: int32  v15+
//     ReplicaEpoch: int64  v15+
//   MaxWaitMs: int32  v0+
//   MinBytes: int32  v0+
//   MaxBytes: int32  v3+
//   IsolationLevel: int8  v4+
//   SessionId: int32  v7+
//   SessionEpoch: int32  v7+
//   Topics: []  v0+
//     Topic: string  v0-12
//     TopicId: uuid  v13+
//     Partitions: []  v0+
//       Partition: int32  v0+
//       CurrentLeaderEpoch: int32  v9+
//       FetchOffset: int64  v0+
//       LastFetchedEpoch: int32  v12+
//       LogStartOffset: int64  v5+
//       PartitionMaxBytes: int32  v0+
//       ReplicaDirectoryId: uuid  v17+ tag 0
//   ForgottenTopicsData: []  v7+
//     Topic: string  v7-12
//     TopicId: uuid  v13+
//     Partitions: []int32  v7+
//   RackId: string  v11+
//
// FetchResponse (key 1; Kafka defines 0-17, flexible 12+)
//   ThrottleTimeMs: int32  v1+
//   ErrorCode: int16  v7+
//   SessionId: int32  v7+
//   Responses: []  v0+
//     Topic: string  v0-12
//     TopicId: uuid  v13+
//     Partitions: []  v0+
//       PartitionIndex: int32  v0+
//       ErrorCode: int16  v0+
//       HighWatermark: int64  v0+
//       LastStableOffset: int64  v4+
//       LogStartOffset: int64  v5+
//       DivergingEpoch:   v12+ tag 0
//         Epoch: int32  v12+
//         EndOffset: int64  v12+
//       CurrentLeader:   v12+ tag 1
//         LeaderId: int32  v12+
//         LeaderEpoch: int32  v12+
//       SnapshotId:   v12+ tag 2
//         EndOffset: int64  v0+
//         Epoch: int32  v0+
//       AbortedTransactions: []?  v4+
//         ProducerId: int64  v4+
//         FirstOffset: int64  v4+
//       PreferredReadReplica: int32  v11+
//       Records: records?  v0+
//   NodeEndpoints: []  v16+ tag 0
//     NodeId: int32  v16+
//     Host: string  v16+
//     Port: int32  v16+
//     Rack: string?  v16+
import { arr, f, message, struct } from './schema.ts';

export const FetchRequest = message(1, '4-17', '12+', [
  f('clusterId', 'string', '12+', { nullable: '12+', tag: 0, tagged: '12+' }),
  f('replicaId', 'int32', '0-14', { default: -1 }),
  f('replicaState', struct([
    f('replicaId', 'int32', '15+', { default: -1 }),
    f('replicaEpoch', 'int64', '15+', { default: -1 }),
  ]), '15+', { tag: 1, tagged: '15+' }),
  f('maxWaitMs', 'int32', '0+'),
  f('minBytes', 'int32', '0+'),
  f('maxBytes', 'int32', '3+', { default: 2147483647 }),
  f('isolationLevel', 'int8', '4+', { default: 0 }),
  f('sessionId', 'int32', '7+', { default: 0 }),
  f('sessionEpoch', 'int32', '7+', { default: -1 }),
  f('topics', arr([
    f('topic', 'string', '0-12'),
    f('topicId', 'uuid', '13+'),
    f('partitions', arr([
      f('partition', 'int32', '0+'),
      f('currentLeaderEpoch', 'int32', '9+', { default: -1 }),
      f('fetchOffset', 'int64', '0+'),
      f('lastFetchedEpoch', 'int32', '12+', { default: -1 }),
      f('logStartOffset', 'int64', '5+', { default: -1 }),
      f('partitionMaxBytes', 'int32', '0+'),
      f('replicaDirectoryId', 'uuid', '17+', { tag: 0, tagged: '17+' }),
    ]), '0+'),
  ]), '0+'),
  f('forgottenTopicsData', arr([
    f('topic', 'string', '7-12'),
    f('topicId', 'uuid', '13+'),
    f('partitions', '[]int32', '7+'),
  ]), '7+'),
  f('rackId', 'string', '11+'),
]);

export const FetchResponse = message(1, '4-17', '12+', [
  f('throttleTimeMs', 'int32', '1+'),
  f('errorCode', 'int16', '7+'),
  f('sessionId', 'int32', '7+', { default: 0 }),
  f('responses', arr([
    f('topic', 'string', '0-12'),
    f('topicId', 'uuid', '13+'),
    f('partitions', arr([
      f('partitionIndex', 'int32', '0+'),
      f('errorCode', 'int16', '0+'),
      f('highWatermark', 'int64', '0+'),
      f('lastStableOffset', 'int64', '4+', { default: -1 }),
      f('logStartOffset', 'int64', '5+', { default: -1 }),
      f('divergingEpoch', struct([
        f('epoch', 'int32', '12+', { default: -1 }),
        f('endOffset', 'int64', '12+', { default: -1 }),
      ]), '12+', { tag: 0, tagged: '12+' }),
      f('currentLeader', struct([
        f('leaderId', 'int32', '12+', { default: -1 }),
        f('leaderEpoch', 'int32', '12+', { default: -1 }),
      ]), '12+', { tag: 1, tagged: '12+' }),
      f('snapshotId', struct([
        f('endOffset', 'int64', '0+', { default: -1 }),
        f('epoch', 'int32', '0+', { default: -1 }),
      ]), '12+', { tag: 2, tagged: '12+' }),
      f('abortedTransactions', arr([
        f('producerId', 'int64', '4+'),
        f('firstOffset', 'int64', '4+'),
      ]), '4+', { nullable: '4+' }),
      f('preferredReadReplica', 'int32', '11+', { default: -1 }),
      f('records', 'records', '0+', { nullable: '0+' }),
    ]), '0+'),
  ]), '0+'),
  f('nodeEndpoints', arr([
    f('nodeId', 'int32', '16+'),
    f('host', 'string', '16+'),
    f('port', 'int32', '16+'),
    f('rack', 'string', '16+', { nullable: '16+' }),
  ]), '16+', { tag: 0, tagged: '16+' }),
]);
