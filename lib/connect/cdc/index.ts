// Change data capture and AWS-service connectors, as libraries for the connector runtime:
// sources with poll({offsets, maxRecords, maxMs}) → {records, offsets, ack?} (source.ts)
// and sinks with deliver(records) (sink.ts).
export type { ChangeSource, Clock, Header, Json, PollRequest, PollResult, SourceRecord } from './source.ts';
export type { ChangeSink, DeliveryRecord } from './sink.ts';
export type { Change, Envelope, Op, Row } from './envelope.ts';
export { PostgresCdcSource, type PostgresOffsets } from './postgres/source.ts';
export { parsePostgresCdcConfig, type PostgresCdcConfig } from './postgres/config.ts';
export { checkSlot, keepSlot, type SlotLog } from './postgres/slot.ts';
export { DynamoDbCdcSource, type DynamoDbOffsets } from './dynamodb/source.ts';
export { SqsSource, type SqsOffsets } from './sqs/source.ts';
export { SqsSink, EventBridgeSink } from './sqs/sinks.ts';
export { DynamoDbSink } from './sqs/dynamodbSink.ts';
export { LambdaSink } from './sqs/lambdaSink.ts';
