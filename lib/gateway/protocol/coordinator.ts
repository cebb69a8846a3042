// FindCoordinator. Every node is every group's coordinator, so the answer is always the
// node asked; v4+ asks for several keys at once.
//
// Layouts as Kafka defines them (name: type  versions; ? = nullable; tag = tagged field).
// Sluice serves the versions given to message() below.
//
// FindCoordinatorRequest (key 10; Kafka defines 0-6, flexible 3+)
//   Key: string  v0-3
//   KeyType: int8  v1+
//   CoordinatorKeys: []string  v4+
//
// FindCoordinatorResponse (key 10; Kafka defines 0-6, flexible 3+)
//   ThrottleTimeMs: int32  v1+
//   ErrorCode: int16  v0-3
//   ErrorMessage: string?  v1-3
//   NodeId: int32  v0-3
//   Host: string  v0-3
//   Port: int32  v0-3
//   Coordinators: []  v4+
//     Key: string  v4+
//     NodeId: int32  v4+
//     Host: string  v4+
//     Port: int32  v4+
//     ErrorCode: int16  v4+
//     ErrorMessage: string?  v4+
import { arr, f, message } from './schema.ts';

export const FindCoordinatorRequest = message(10, '0-6', '3+', [
  f('key', 'string', '0-3'),
  f('keyType', 'int8', '1+', { default: 0 }),
  f('coordinatorKeys', '[]string', '4+'),
]);

export const FindCoordinatorResponse = message(10, '0-6', '3+', [
  f('throttleTimeMs', 'int32', '1+'),
  f('errorCode', 'int16', '0-3'),
  f('errorMessage', 'string', '1-3', { nullable: '1-3' }),
  f('nodeId', 'int32', '0-3'),
  f('host', 'string', '0-3'),
  f('port', 'int32', '0-3'),
  f('coordinators', arr([
    f('key', 'string', '4+'),
    f('nodeId', 'int32', '4+'),
    f('host', 'string', '4+'),
    f('port', 'int32', '4+'),
    f('errorCode', 'int16', '4+'),
    f('errorMessage', 'string', '4+', { nullable: '4+' }),
  ]), '4+'),
]);
