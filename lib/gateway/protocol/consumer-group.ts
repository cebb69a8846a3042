// The consumer group protocol of KIP-848: one heartbeat call carries subscription,
// assignment and its acknowledgement; the server assigns.
//
// Layouts as Kafka defines them (name: type  versions; ? = nullable; tag = tagged field).
// Sluice serves the versions given to message() below.
//
// ConsumerGroupHeartbeatRequest (key 68; Kafka defines 0-1, flexible 0+)
//   GroupId: string  v0+
//   MemberId: string  v0+
//   MemberEpoch: int32  v0+
//   InstanceId: string?  v0+
//   RackId: string?  v0+
//   RebalanceTimeoutMs: int32  v0+
//   SubscribedTopicNames: []string?  v0+
//   SubscribedTopicRegex: string?  v1+
//   ServerAssignor: string?  v0+
//   TopicPartitions: []?  v0+
//     TopicId: uuid  v0+
//     Partitions: []int32  v0+
//
// ConsumerGroupHeartbeatResponse (key 68; Kafka defines 0-1, flexible 0+)
//   ThrottleTimeMs: int32  v0+
//   ErrorCode: int16  v0+
//   ErrorMessage: string?  v0+
//   MemberId: string?  v0+
//   MemberEpoch: int32  v0+
//   HeartbeatIntervalMs: int32  v0+
//   Assignment: ?  v0+
//     TopicPartitions: []  v0+
//       TopicId: uuid  v0+
//       Partitions: []int32  v0+
import { arr, f, message, struct } from './schema.ts';

export const ConsumerGroupHeartbeatRequest = message(68, '0-1', '0+', [
  f('groupId', 'string', '0+'),
  f('memberId', 'string', '0+'),
  f('memberEpoch', 'int32', '0+'),
  f('instanceId', 'string', '0+', { nullable: '0+' }),
  f('rackId', 'string', '0+', { nullable: '0+' }),
  f('rebalanceTimeoutMs', 'int32', '0+', { default: -1 }),
  f('subscribedTopicNames', '[]string', '0+', { nullable: '0+' }),
  f('subscribedTopicRegex', 'string', '1+', { nullable: '1+' }),
  f('serverAssignor', 'string', '0+', { nullable: '0+' }),
  f('topicPartitions', arr([
    f('topicId', 'uuid', '0+'),
    f('partitions', '[]int32', '0+'),
  ]), '0+', { nullable: '0+' }),
]);

export const ConsumerGroupHeartbeatResponse = message(68, '0-1', '0+', [
  f('throttleTimeMs', 'int32', '0+'),
  f('errorCode', 'int16', '0+'),
  f('errorMessage', 'string', '0+', { nullable: '0+' }),
  f('memberId', 'string', '0+', { nullable: '0+' }),
  f('memberEpoch', 'int32', '0+'),
  f('heartbeatIntervalMs', 'int32', '0+'),
  f('assignment', struct([
    f('topicPartitions', arr([
      f('topicId', 'uuid', '0+'),
      f('partitions', '[]int32', '0+'),
    ]), '0+'),
  ]), '0+', { nullable: '0+' }),
]);
