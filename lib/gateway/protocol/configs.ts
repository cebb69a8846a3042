// Topic and broker configs: describe, alter (whole set) and incremental alter.
//
// Layouts as Kafka defines them (name: type  versions; ? = nullable; tag = tagged field).
// Sluice serves the versions given to message() below.
//
// DescribeConfigsRequest (key 32; Kafka defines 0-4, flexible 4+)
//   Resources: []  v0+
//     ResourceType: int8  v0+
//     ResourceName: string  v0+
//     ConfigurationKeys: []string?  v0+
//   IncludeSynonyms: bool  v1+
//   IncludeDocumentation: bool  v3+
//
// DescribeConfigsResponse (key 32; Kafka defines 0-4, flexible 4+)
//   ThrottleTimeMs: int32  v0+
//   Results: []  v0+
//     ErrorCode: int16  v0+
//     ErrorMessage: string?  v0+
//     ResourceType: int8  v0+
//     ResourceName: string  v0+
//     Configs: []  v0+
//       Name: string  v0+
//       Value: string?  v0+
//       ReadOnly: bool  v0+
//       IsDefault: bool  v0
//       ConfigSource: int8  v1+
//       IsSensitive: bool  v0+
//       Synonyms: []  v1+
//         Name: string  v1+
//         Value: string?  v1+
//         Source: int8  v1+
//       ConfigType: int8  v3+
//       Documentation: string?  v3+
//
// AlterConfigsRequest (key 33; Kafka defines 0-2, flexible 2+)
//   Resources: []  v0+
//     ResourceType: int8  v0+
//     ResourceName: string  v0+
//     Configs: []  v0+
//       Name: string  v0+
//       Value: string?  v0+
//   ValidateOnly: bool  v0+
//
// AlterConfigsResponse (key 33; Kafka defines 0-2, flexible 2+)
//   ThrottleTimeMs: int32  v0+
//   Responses: []  v0+
//     ErrorCode: int16  v0+
//     ErrorMessage: string?  v0+
//     ResourceType: int8  v0+
//     ResourceName: string  v0+
//
// IncrementalAlterConfigsRequest (key 44; Kafka defines 0-1, flexible 1+)
//   Resources: []  v0+
//     ResourceType: int8  v0+
//     ResourceName: string  v0+
//     Configs: []  v0+
//       Name: string  v0+
//       ConfigOperation: int8  v0+
//       Value: string?  v0+
//   ValidateOnly: bool  v0+
//
// IncrementalAlterConfigsResponse (key 44; Kafka defines 0-1, flexible 1+)
//   ThrottleTimeMs: int32  v0+
//   Responses: []  v0+
//     ErrorCode: int16  v0+
//     ErrorMessage: string?  v0+
//     ResourceType: int8  v0+
//     ResourceName: string  v0+
import { arr, f, message } from './schema.ts';

export const DescribeConfigsRequest = message(32, '0-4', '4+', [
  f('resources', arr([
    f('resourceType', 'int8', '0+'),
    f('resourceName', 'string', '0+'),
    f('configurationKeys', '[]string', '0+', { nullable: '0+' }),
  ]), '0+'),
  f('includeSynonyms', 'bool', '1+', { default: false }),
  f('includeDocumentation', 'bool', '3+', { default: false }),
]);

export const DescribeConfigsResponse = message(32, '0-4', '4+', [
  f('throttleTimeMs', 'int32', '0+'),
  f('results', arr([
    f('errorCode', 'int16', '0+'),
    f('errorMessage', 'string', '0+', { nullable: '0+' }),
    f('resourceType', 'int8', '0+'),
    f('resourceName', 'string', '0+'),
    f('configs', arr([
      f('name', 'string', '0+'),
      f('value', 'string', '0+', { nullable: '0+' }),
      f('readOnly', 'bool', '0+'),
      f('isDefault', 'bool', '0'),
      f('configSource', 'int8', '1+', { default: -1 }),
      f('isSensitive', 'bool', '0+'),
      f('synonyms', arr([
        f('name', 'string', '1+'),
        f('value', 'string', '1+', { nullable: '0+' }),
        f('source', 'int8', '1+'),
      ]), '1+'),
      f('configType', 'int8', '3+', { default: 0 }),
      f('documentation', 'string', '3+', { nullable: '0+' }),
    ]), '0+'),
  ]), '0+'),
]);

export const AlterConfigsRequest = message(33, '0-2', '2+', [
  f('resources', arr([
    f('resourceType', 'int8', '0+'),
    f('resourceName', 'string', '0+'),
    f('configs', arr([
      f('name', 'string', '0+'),
      f('value', 'string', '0+', { nullable: '0+' }),
    ]), '0+'),
  ]), '0+'),
  f('validateOnly', 'bool', '0+'),
]);

/** AlterConfigs and IncrementalAlterConfigs answer alike: per resource, its error. */
const alterConfigsResponseFields = [
  f('throttleTimeMs', 'int32', '0+'),
  f('responses', arr([
    f('errorCode', 'int16', '0+'),
    f('errorMessage', 'string', '0+', { nullable: '0+' }),
    f('resourceType', 'int8', '0+'),
    f('resourceName', 'string', '0+'),
  ]), '0+'),
];

export const AlterConfigsResponse = message(33, '0-2', '2+', alterConfigsResponseFields);

export const IncrementalAlterConfigsRequest = message(44, '0-1', '1+', [
  f('resources', arr([
    f('resourceType', 'int8', '0+'),
    f('resourceName', 'string', '0+'),
    f('configs', arr([
      f('name', 'string', '0+'),
      f('configOperation', 'int8', '0+'),
      f('value', 'string', '0+', { nullable: '0+' }),
    ]), '0+'),
  ]), '0+'),
  f('validateOnly', 'bool', '0+'),
]);

export const IncrementalAlterConfigsResponse = message(44, '0-1', '1+', alterConfigsResponseFields);
