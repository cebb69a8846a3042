// Group administration: list, describe and delete groups.
//
// Layouts as Kafka defines them (name: type  versions; ? = nullable; tag = tagged field).
// Sluice serves the versions given to message() below.
//
// ListGroupsRequest (key 16; Kafka defines 0-5, flexible 3+)
//   StatesFilter: []string  v4+
//   TypesFilter: []string  v5+
//
// ListGroupsResponse (key 16; Kafka defines 0-5, flexible 3+)
//   ThrottleTimeMs: int32  v1+
//   ErrorCode: int16  v0+
//   Groups: []  v0+
//     GroupId: string  v0+
//     ProtocolType: string  v0+
//     GroupState: string  v4+
//     GroupType: string  v5+
//
// DescribeGroupsRequest (key 15; Kafka defines 0-5, flexible 5+)
//   Groups: []string  v0+
//   IncludeAuthorizedOperations: bool  v3+
//
// DescribeGroupsResponse (key 15; Kafka defines 0-5, flexible 5+)
//   ThrottleTimeMs: int32  v1+
//   Groups: []  v0+
//     ErrorCode: int16  v0+
//     GroupId: string  v0+
//     GroupState: string  v0+
//     ProtocolType: string  v0+
//     ProtocolData: string  v0+
//     Members: []  v0+
//       MemberId: string  v0+
//       GroupInstanceId: string?  v4+
//       ClientId: string  v0+
//       ClientHost: string  v0+
//       MemberMetadata: bytes  v0+
//       MemberAssignment: bytes  v0+
//     AuthorizedOperations: int32  v3+
//
// DeleteGroupsRequest (key 42; Kafka defines 0-2, flexible 2+)
//   GroupsNames: []string  v0+
//
// DeleteGroupsResponse (key 42; Kafka defines 0-2, flexible 2+)
//   ThrottleTimeMs: int32  v0+
//   Results: []  v0+
//     GroupId: string  v0+
//     ErrorCode: int16  v0+
import { arr, f, message } from './schema.ts';

export const ListGroupsRequest = message(16, '0-5', '3+', [
  f('statesFilter', '[]string', '4+'),
  f('typesFilter', '[]string', '5+'),
]);

export const ListGroupsResponse = message(16, '0-5', '3+', [
  f('throttleTimeMs', 'int32', '1+'),
  f('errorCode', 'int16', '0+'),
  f('groups', arr([
    f('groupId', 'string', '0+'),
    f('protocolType', 'string', '0+'),
    f('groupState', 'string', '4+'),
    f('groupType', 'string', '5+'),
  ]), '0+'),
]);

export const DescribeGroupsRequest = message(15, '0-5', '5+', [
  f('groups', '[]string', '0+'),
  f('includeAuthorizedOperations', 'bool', '3+'),
]);

export const DescribeGroupsResponse = message(15, '0-5', '5+', [
  f('throttleTimeMs', 'int32', '1+'),
  f('groups', arr([
    f('errorCode', 'int16', '0+'),
    f('groupId', 'string', '0+'),
    f('groupState', 'string', '0+'),
    f('protocolType', 'string', '0+'),
    f('protocolData', 'string', '0+'),
    f('members', arr([
      f('memberId', 'string', '0+'),
      f('groupInstanceId', 'string', '4+', { nullable: '4+' }),
      f('clientId', 'string', '0+'),
      f('clientHost', 'string', '0+'),
      f('memberMetadata', 'bytes', '0+'),
      f('memberAssignment', 'bytes', '0+'),
    ]), '0+'),
    f('authorizedOperations', 'int32', '3+', { default: -2147483648 }),
  ]), '0+'),
]);

export const DeleteGroupsRequest = message(42, '0-2', '2+', [
  f('groupsNames', '[]string', '0+'),
]);

export const DeleteGroupsResponse = message(42, '0-2', '2+', [
  f('throttleTimeMs', 'int32', '0+'),
  f('results', arr([
    f('groupId', 'string', '0+'),
    f('errorCode', 'int16', '0+'),
  ]), '0+'),
]);
