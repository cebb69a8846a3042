// Produce and the producer ids of idempotent producers. Produce starts at v3, the first
// version carrying RecordBatch v2 (magic 2), the only format Sluice stores.
//
// Layouts as Kafka defines them (name: type  versions; ? = nullable; tag = tagged field).
// Sluice serves the versions given to message() below.
//
// ProduceRequest (key 0; Kafka defines 0-11, flexible 9+)
//   TransactionalId: string?  v3+
//   Acks: int16  v0+
//   TimeoutMs: int32  v0+
//   TopicData: []  v0+
//     Name: string  v0+
//     PartitionData: []  v0+
//       Index: int32  v0+
//       Records: records?  v0+
//
// ProduceResponse (key 0; Kafka defines 0-11, flexible 9+)
//   Responses: []  v0+
//     Name: string  v0+
//     PartitionResponses: []  v0+
//       Index: int32  v0+
//       ErrorCode: int16  v0+
//       BaseOffset: int64  v0+
//       LogAppendTimeMs: int64  v2+
//       LogStartOffset: int64  v5+
//       RecordErrors: []  v8+
//         BatchIndex: int32  v8+
//         BatchIndexErrorMessage: string?  v8+
//       ErrorMessage: string?  v8+
//       CurrentLeader:   v10+ tag 0
//         LeaderId: int32  v10+
//         LeaderEpoch: int32  v10+
//   ThrottleTimeMs: int32  v1+
//   NodeEndpoints: []  v10+ tag 0
//     NodeId: int32  v10+
//     Host: string  v10+
//     Port: int32  v10+
//     Rack: string?  v10+
//
// InitProducerIdRequest (key 22; Kafka defines 0-5, flexible 2+)
//   TransactionalId: string?  v0+
//   TransactionTimeoutMs: int32  v0+
//   ProducerId: int64  v3+
//   ProducerEpoch: int16  v3+
//
// InitProducerIdResponse (key 22; Kafka defines 0-5, flexible 2+)
//   ThrottleTimeMs: int32  v0+
//   ErrorCode: int16  v0+
//   ProducerId: int64  v0+
//   ProducerEpoch: int16  v0+
import { arr, f, message, struct } from './schema.ts';

export const ProduceRequest = message(0, '3-11', '9+', [
  f('transactionalId', 'string', '3+', { nullable: '3+' }),
  f('acks', 'int16', '0+'),
  f('timeoutMs', 'int32', '0+'),
  f('topicData', arr([
    f('name', 'string', '0+'),
    f('partitionData', arr([
      f('index', 'int32', '0+'),
      f('records', 'records', '0+', { nullable: '0+' }),
    ]), '0+'),
  ]), '0+'),
]);

export const ProduceResponse = message(0, '3-11', '9+', [
  f('responses', arr([
    f('name', 'string', '0+'),
    f('partitionResponses', arr([
      f('index', 'int32', '0+'),
      f('errorCode', 'int16', '0+'),
      f('baseOffset', 'int64', '0+'),
      f('logAppendTimeMs', 'int64', '2+', { default: -1 }),
      f('logStartOffset', 'int64', '5+', { default: -1 }),
      f('recordErrors', arr([
        f('batchIndex', 'int32', '8+'),
        f('batchIndexErrorMessage', 'string', '8+', { nullable: '8+' }),
      ]), '8+'),
      f('errorMessage', 'string', '8+', { nullable: '8+' }),
      f('currentLeader', struct([
        f('leaderId', 'int32', '10+', { default: -1 }),
        f('leaderEpoch', 'int32', '10+', { default: -1 }),
      ]), '10+', { tag: 0, tagged: '10+' }),
    ]), '0+'),
  ]), '0+'),
  f('throttleTimeMs', 'int32', '1+', { default: 0 }),
  f('nodeEndpoints', arr([
    f('nodeId', 'int32', '10+'),
    f('host', 'string', '10+'),
    f('port', 'int32', '10+'),
    f('rack', 'string', '10+', { nullable: '10+' }),
  ]), '10+', { tag: 0, tagged: '10+' }),
]);

export const InitProducerIdRequest = message(22, '0-5', '2+', [
  f('transactionalId', 'string', '0+', { nullable: '0+' }),
  f('transactionTimeoutMs', 'int32', '0+'),
  f('producerId', 'int64', '3+', { default: -1 }),
  f('producerEpoch', 'int16', '3+', { default: -1 }),
]);

export const InitProducerIdResponse = message(22, '0-5', '2+', [
  f('throttleTimeMs', 'int32', '0+'),
  f('errorCode', 'int16', '0+'),
  f('producerId', 'int64', '0+', { default: -1 }),
  f('producerEpoch', 'int16', '0+'),
]);
