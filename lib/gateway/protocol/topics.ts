// Topic administration: create, delete, add partitions.
//
// Layouts as Kafka defines them (name: type  versions; ? = nullable; tag = tagged field).
// Sluice serves the versions given to message() below.
//
// CreateTopicsRequest (key 19; Kafka defines 0-7, flexible 5+)
//   Topics: []  v0+
//     Name: string  v0+
//     NumPartitions: int32  v0+
//     ReplicationFactor: int16  v0+
//     Assignments: []  v0+
//       PartitionIndex: int32  v0+
//       BrokerIds: []int32  v0+
//     Configs: []  v0+
//       Name: string  v0+
//       Value: string?  v0+
//   timeoutMs: int32  v0+
//   validateOnly: bool  v1+
//
// CreateTopicsResponse (key 19; Kafka defines 0-7, flexible 5+)
//   ThrottleTimeMs: int32  v2+
//   Topics: []  v0+
//     Name: string  v0+
//     TopicId: uuid  v7+
//     ErrorCode: int16  v0+
//     ErrorMessage: string?  v1+
//     TopicConfigErrorCode: int16  v5+ tag 0
//     NumPartitions: int32  v5+
//     ReplicationFactor: int16  v5+
//     Configs: []?  v5+
//       Name: string  v5+
//       Value: string?  v5+
//       ReadOnly: bool  v5+
//       ConfigSource: int8  v5+
//       IsSensitive: bool  v5+
//
// DeleteTopicsRequest (key 20; Kafka defines 0-6, flexible 4+)
//   Topics: []  v6+
//     Name: string?  v6+
//     TopicId: uuid  v6+
//   TopicNames: []string  v0-5
//   TimeoutMs: int32  v0+
//
// DeleteTopicsResponse (key 20; Kafka defines 0-6, flexible 4+)
//   ThrottleTimeMs: int32  v1+
//   Responses: []  v0+
//     Name: string?  v0+
//     TopicId: uuid  v6+
//     ErrorCode: int16  v0+
//     ErrorMessage: string?  v5+
//
// CreatePartitionsRequest (key 37; Kafka defines 0-3, flexible 2+)
//   Topics: []  v0+
//     Name: string  v0+
//     Count: int32  v0+
//     Assignments: []?  v0+
//       BrokerIds: []int32  v0+
//   TimeoutMs: int32  v0+
//   ValidateOnly: bool  v0+
//
// CreatePartitionsResponse (key 37; Kafka defines 0-3, flexible 2+)
//   ThrottleTimeMs: int32  v0+
//   Results: []  v0+
//     Name: string  v0+
//     ErrorCode: int16  v0+
//     ErrorMessage: string?  v0+
import { arr, f, message } from './schema.ts';

export const CreateTopicsRequest = message(19, '0-7', '5+', [
  f('topics', arr([
    f('name', 'string', '0+'),
    f('numPartitions', 'int32', '0+'),
    f('replicationFactor', 'int16', '0+'),
    f('assignments', arr([
      f('partitionIndex', 'int32', '0+'),
      f('brokerIds', '[]int32', '0+'),
    ]), '0+'),
    f('configs', arr([
      f('name', 'string', '0+'),
      f('value', 'string', '0+', { nullable: '0+' }),
    ]), '0+'),
  ]), '0+'),
  f('timeoutMs', 'int32', '0+', { default: 60000 }),
  f('validateOnly', 'bool', '1+', { default: false }),
]);

export const CreateTopicsResponse = message(19, '0-7', '5+', [
  f('throttleTimeMs', 'int32', '2+'),
  f('topics', arr([
    f('name', 'string', '0+'),
    f('topicId', 'uuid', '7+'),
    f('errorCode', 'int16', '0+'),
    f('errorMessage', 'string', '1+', { nullable: '0+' }),
    f('topicConfigErrorCode', 'int16', '5+', { tag: 0, tagged: '5+' }),
    f('numPartitions', 'int32', '5+', { default: -1 }),
    f('replicationFactor', 'int16', '5+', { default: -1 }),
    f('configs', arr([
      f('name', 'string', '5+'),
      f('value', 'string', '5+', { nullable: '5+' }),
      f('readOnly', 'bool', '5+'),
      f('configSource', 'int8', '5+', { default: -1 }),
      f('isSensitive', 'bool', '5+'),
    ]), '5+', { nullable: '5+' }),
  ]), '0+'),
]);

export const DeleteTopicsRequest = message(20, '0-6', '4+', [
  f('topics', arr([
    f('name', 'string', '6+', { nullable: '6+' }),
    f('topicId', 'uuid', '6+'),
  ]), '6+'),
  f('topicNames', '[]string', '0-5'),
  f('timeoutMs', 'int32', '0+'),
]);

export const DeleteTopicsResponse = message(20, '0-6', '4+', [
  f('throttleTimeMs', 'int32', '1+'),
  f('responses', arr([
    f('name', 'string', '0+', { nullable: '6+' }),
    f('topicId', 'uuid', '6+'),
    f('errorCode', 'int16', '0+'),
    f('errorMessage', 'string', '5+', { nullable: '5+' }),
  ]), '0+'),
]);

export const CreatePartitionsRequest = message(37, '0-3', '2+', [
  f('topics', arr([
    f('name', 'string', '0+'),
    f('count', 'int32', '0+'),
    f('assignments', arr([
      f('brokerIds', '[]int32', '0+'),
    ]), '0+', { nullable: '0+' }),
  ]), '0+'),
  f('timeoutMs', 'int32', '0+'),
  f('validateOnly', 'bool', '0+'),
]);

export const CreatePartitionsResponse = message(37, '0-3', '2+', [
  f('throttleTimeMs', 'int32', '0+'),
  f('results', arr([
    f('name', 'string', '0+'),
    f('errorCode', 'int16', '0+'),
    f('errorMessage', 'string', '0+', { nullable: '0+' }),
  ]), '0+'),
]);
