// The version handshake every client starts with. A request at a version we do not serve
// is answered at v0 with UNSUPPORTED_VERSION and our ranges, so the client can retry at
// one we do (KIP-511).
//
// Layouts as Kafka defines them (name: type  versions; ? = nullable; tag = tagged field).
// Sluice serves the versions given to message() below.
//
// ApiVersionsRequest (key 18; Kafka defines 0-4, flexible 3+)
//   ClientSoftwareName: string  v3+
//   ClientSoftwareVersion: string  v3+
//
// ApiVersionsResponse (key 18; Kafka defines 0-4, flexible 3+)
//   ErrorCode: int16  v0+
//   ApiKeys: []  v0+
//     ApiKey: int16  v0+
//     MinVersion: int16  v0+
//     MaxVersion: int16  v0+
//   ThrottleTimeMs: int32  v1+
//   SupportedFeatures: []  v3+ tag 0
//     Name: string  v3+
//     MinVersion: int16  v3+
//     MaxVersion: int16  v3+
//   FinalizedFeaturesEpoch: int64  v3+ tag 1
//   FinalizedFeatures: []  v3+ tag 2
//     Name: string  v3+
//     MaxVersionLevel: int16  v3+
//     MinVersionLevel: int16  v3+
//   ZkMigrationReady: bool  v3+ tag 3
import { arr, f, message } from './schema.ts';

export const ApiVersionsRequest = message(18, '0-4', '3+', [
  f('clientSoftwareName', 'string', '3+'),
  f('clientSoftwareVersion', 'string', '3+'),
]);

export const ApiVersionsResponse = message(18, '0-4', '3+', [
  f('errorCode', 'int16', '0+'),
  f('apiKeys', arr([
    f('apiKey', 'int16', '0+'),
    f('minVersion', 'int16', '0+'),
    f('maxVersion', 'int16', '0+'),
  ]), '0+'),
  f('throttleTimeMs', 'int32', '1+'),
  f('supportedFeatures', arr([
    f('name', 'string', '3+'),
    f('minVersion', 'int16', '3+'),
    f('maxVersion', 'int16', '3+'),
  ]), '3+', { tag: 0, tagged: '3+' }),
  f('finalizedFeaturesEpoch', 'int64', '3+', { tag: 1, tagged: '3+', default: -1 }),
  f('finalizedFeatures', arr([
    f('name', 'string', '3+'),
    f('maxVersionLevel', 'int16', '3+'),
    f('minVersionLevel', 'int16', '3+'),
  ]), '3+', { tag: 2, tagged: '3+' }),
  f('zkMigrationReady', 'bool', '3+', { tag: 3, tagged: '3+', default: false }),
]);
