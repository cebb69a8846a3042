// The classic group protocol: the join/sync barrier with a client-side assignor, and the
// session heartbeat and leave.
//
// Layouts as Kafka defines them (name: type  versions; ? = nullable; tag = tagged field).
// Sluice serves the versions given to message() below.
//
// JoinGroupRequest (key 11; Kafka defines 0-9, flexible 6+)
//   GroupId: string  v0+
//   SessionTimeoutMs: int32  v0+
//   RebalanceTimeoutMs: int32  v1+
//   MemberId: string  v0+
//   GroupInstanceId: string?  v5+
//   ProtocolType: string  v0+
//   Protocols: []  v0+
//     Name: string  v0+
//     Metadata: bytes  v0+
//   Reason: string?  v8+
//
// JoinGroupResponse (key 11; Kafka defines 0-9, flexible 6+)
//   ThrottleTimeMs: int32  v2+
//   ErrorCode: int16  v0+
//   GenerationId: int32  v0+
//   ProtocolType: string?  v7+
//   ProtocolName: string?  v0+
//   Leader: string  v0+
//   SkipAssignment: bool  v9+
//   MemberId: string  v0+
//   Members: []  v0+
//     MemberId: string  v0+
//     GroupInstanceId: string?  v5+
//     Metadata: bytes  v0+
//
// SyncGroupRequest (key 14; Kafka defines 0-5, flexible 4+)
//   GroupId: string  v0+
//   GenerationId: int32  v0+
//   MemberId: string  v0+
//   GroupInstanceId: string?  v3+
//   ProtocolType: string?  v5+
//   ProtocolName: string?  v5+
//   Assignments: []  v0+
//     MemberId: string  v0+
//     Assignment: bytes  v0+
//
// SyncGroupResponse (key 14; Kafka defines 0-5, flexible 4+)
//   ThrottleTimeMs: int32  v1+
//   ErrorCode: int16  v0+
//   ProtocolType: string?  v5+
//   ProtocolName: string?  v5+
//   Assignment: bytes  v0+
//
// HeartbeatRequest (key 12; Kafka defines 0-4, flexible 4+)
//   GroupId: string  v0+
//   GenerationId: int32  v0+
//   MemberId: string  v0+
//   GroupInstanceId: string?  v3+
//
// HeartbeatResponse (key 12; Kafka defines 0-4, flexible 4+)
//   ThrottleTimeMs: int32  v1+
//   ErrorCode: int16  v0+
//
// LeaveGroupRequest (key 13; Kafka defines 0-5, flexible 4+)
//   GroupId: string  v0+
//   MemberId: string  v0-2
//   Members: []  v3+
//     MemberId: string  v3+
//     GroupInstanceId: string?  v3+
//     Reason: string?  v5+
//
// LeaveGroupResponse (key 13; Kafka defines 0-5, flexible 4+)
//   ThrottleTimeMs: int32  v1+
//   ErrorCode: int16  v0+
//   Members: []  v3+
//     MemberId: string  v3+
//     GroupInstanceId: string?  v3+
//     ErrorCode: int16  v3+
import { arr, f, message } from './schema.ts';

export const JoinGroupRequest = message(11, '0-9', '6+', [
  f('groupId', 'string', '0+'),
  f('sessionTimeoutMs', 'int32', '0+'),
  f('rebalanceTimeoutMs', 'int32', '1+', { default: -1 }),
  f('memberId', 'string', '0+'),
  f('groupInstanceId', 'string', '5+', { nullable: '5+' }),
  f('protocolType', 'string', '0+'),
  f('protocols', arr([
    f('name', 'string', '0+'),
    f('metadata', 'bytes', '0+'),
  ]), '0+'),
  f('reason', 'string', '8+', { nullable: '8+' }),
]);

export const JoinGroupResponse = message(11, '0-9', '6+', [
  f('throttleTimeMs', 'int32', '2+'),
  f('errorCode', 'int16', '0+'),
  f('generationId', 'int32', '0+', { default: -1 }),
  f('protocolType', 'string', '7+', { nullable: '7+' }),
  f('protocolName', 'string', '0+', { nullable: '7+' }),
  f('leader', 'string', '0+'),
  f('skipAssignment', 'bool', '9+', { default: false }),
  f('memberId', 'string', '0+'),
  f('members', arr([
    f('memberId', 'string', '0+'),
    f('groupInstanceId', 'string', '5+', { nullable: '5+' }),
    f('metadata', 'bytes', '0+'),
  ]), '0+'),
]);

export const SyncGroupRequest = message(14, '0-5', '4+', [
  f('groupId', 'string', '0+'),
  f('generationId', 'int32', '0+'),
  f('memberId', 'string', '0+'),
  f('groupInstanceId', 'string', '3+', { nullable: '3+' }),
  f('protocolType', 'string', '5+', { nullable: '5+' }),
  f('protocolName', 'string', '5+', { nullable: '5+' }),
  f('assignments', arr([
    f('memberId', 'string', '0+'),
    f('assignment', 'bytes', '0+'),
  ]), '0+'),
]);

export const SyncGroupResponse = message(14, '0-5', '4+', [
  f('throttleTimeMs', 'int32', '1+'),
  f('errorCode', 'int16', '0+'),
  f('protocolType', 'string', '5+', { nullable: '5+' }),
  f('protocolName', 'string', '5+', { nullable: '5+' }),
  f('assignment', 'bytes', '0+'),
]);

export const HeartbeatRequest = message(12, '0-4', '4+', [
  f('groupId', 'string', '0+'),
  f('generationId', 'int32', '0+'),
  f('memberId', 'string', '0+'),
  f('groupInstanceId', 'string', '3+', { nullable: '3+' }),
]);

export const HeartbeatResponse = message(12, '0-4', '4+', [
  f('throttleTimeMs', 'int32', '1+'),
  f('errorCode', 'int16', '0+'),
]);

export const LeaveGroupRequest = message(13, '0-5', '4+', [
  f('groupId', 'string', '0+'),
  f('memberId', 'string', '0-2'),
  f('members', arr([
    f('memberId', 'string', '3+'),
    f('groupInstanceId', 'string', '3+', { nullable: '3+' }),
    f('reason', 'string', '5+', { nullable: '5+' }),
  ]), '3+'),
]);

export const LeaveGroupResponse = message(13, '0-5', '4+', [
  f('throttleTimeMs', 'int32', '1+'),
  f('errorCode', 'int16', '0+'),
  f('members', arr([
    f('memberId', 'string', '3+'),
    f('groupInstanceId', 'string', '3+', { nullable: '3+' }),
    f('errorCode', 'int16', '3+'),
  ]), '3+'),
]);
