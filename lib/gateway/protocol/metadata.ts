// Cluster and topic metadata. Every gateway node describes itself as the only broker and
// the leader of every partition.
//
// Layouts as Kafka defines them (name: type  versions; ? = nullable; tag = tagged field).
// Sluice serves the versions given to message() below.
//
// MetadataRequest (key 3; Kafka defines 0-12, flexible 9+)
//   Topics: []?  v0+
//     TopicId: uuid  v10+
//     Name: string?  v0+
//   AllowAutoTopicCreation: bool  v4+
//   IncludeClusterAuthorizedOperations: bool  v8-10
//   IncludeTopicAuthorizedOperations: bool  v8+
//
// MetadataResponse (key 3; Kafka defines 0-12, flexible 9+)
//   ThrottleTimeMs: int32  v3+
//   Brokers: []  v0+
//     NodeId: int32  v0+
//     Host: string  v0+
//     Port: int32  v0+
//     Rack: string?  v1+
//   ClusterId: string?  v2+
//   ControllerId: int32  v1+
//   Topics: []  v0+
//     ErrorCode: int16  v0+
//     Name: string?  v0+
//     TopicId: uuid  v10+
//     IsInternal: bool  v1+
//     Partitions: []  v0+
//       ErrorCode: int16  v0+
//       PartitionIndex: int32  v0+
//       LeaderId: int32  v0+
//       LeaderEpoch: int32  v7+
//       ReplicaNodes: []int32  v0+
//       IsrNodes: []int32  v0+
//       OfflineReplicas: []int32  v5+
//     TopicAuthorizedOperations: int32  v8+
//   ClusterAuthorizedOperations: int32  v8-10
//
// DescribeClusterRequest (key 60; Kafka defines 0-1, flexible 0+)
//   IncludeClusterAuthorizedOperations: bool  v0+
//   EndpointType: int8  v1+
//
// DescribeClusterResponse (key 60; Kafka defines 0-1, flexible 0+)
//   ThrottleTimeMs: int32  v0+
//   ErrorCode: int16  v0+
//   ErrorMessage: string?  v0+
//   EndpointType: int8  v1+
//   ClusterId: string  v0+
//   ControllerId: int32  v0+
//   Brokers: []  v0+
//     BrokerId: int32  v0+
//     Host: string  v0+
//     Port: int32  v0+
//     Rack: string?  v0+
//   ClusterAuthorizedOperations: int32  v0+
import { arr, f, message } from './schema.ts';

export const MetadataRequest = message(3, '0-12', '9+', [
  f('topics', arr([
    f('topicId', 'uuid', '10+'),
    f('name', 'string', '0+', { nullable: '10+' }),
  ]), '0+', { nullable: '1+' }),
  f('allowAutoTopicCreation', 'bool', '4+', { default: true }),
  f('includeClusterAuthorizedOperations', 'bool', '8-10'),
  f('includeTopicAuthorizedOperations', 'bool', '8+'),
]);

export const MetadataResponse = message(3, '0-12', '9+', [
  f('throttleTimeMs', 'int32', '3+'),
  f('brokers', arr([
    f('nodeId', 'int32', '0+'),
    f('host', 'string', '0+'),
    f('port', 'int32', '0+'),
    f('rack', 'string', '1+', { nullable: '1+' }),
  ]), '0+'),
  f('clusterId', 'string', '2+', { nullable: '2+' }),
  f('controllerId', 'int32', '1+', { default: -1 }),
  f('topics', arr([
    f('errorCode', 'int16', '0+'),
    f('name', 'string', '0+', { nullable: '12+' }),
    f('topicId', 'uuid', '10+'),
    f('isInternal', 'bool', '1+', { default: false }),
    f('partitions', arr([
      f('errorCode', 'int16', '0+'),
      f('partitionIndex', 'int32', '0+'),
      f('leaderId', 'int32', '0+'),
      f('leaderEpoch', 'int32', '7+', { default: -1 }),
      f('replicaNodes', '[]int32', '0+'),
      f('isrNodes', '[]int32', '0+'),
      f('offlineReplicas', '[]int32', '5+'),
    ]), '0+'),
    f('topicAuthorizedOperations', 'int32', '8+', { default: -2147483648 }),
  ]), '0+'),
  f('clusterAuthorizedOperations', 'int32', '8-10', { default: -2147483648 }),
]);

export const DescribeClusterRequest = message(60, '0-1', '0+', [
  f('includeClusterAuthorizedOperations', 'bool', '0+'),
  f('endpointType', 'int8', '1+', { default: 1 }),
]);

export const DescribeClusterResponse = message(60, '0-1', '0+', [
  f('throttleTimeMs', 'int32', '0+'),
  f('errorCode', 'int16', '0+'),
  f('errorMessage', 'string', '0+', { nullable: '0+' }),
  f('endpointType', 'int8', '1+', { default: 1 }),
  f('clusterId', 'string', '0+'),
  f('controllerId', 'int32', '0+', { default: -1 }),
  f('brokers', arr([
    f('brokerId', 'int32', '0+'),
    f('host', 'string', '0+'),
    f('port', 'int32', '0+'),
    f('rack', 'string', '0+', { nullable: '0+' }),
  ]), '0+'),
  f('clusterAuthorizedOperations', 'int32', '0+', { default: -2147483648 }),
]);
