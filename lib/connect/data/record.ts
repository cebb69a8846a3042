// Connect records: what converters produce and transforms and connectors see (Kafka's
// ConnectRecord, SinkRecord and SourceRecord). A record is a plain immutable object;
// transforms make a changed copy with `withKey`, `withValue` or `newRecord`, which keep
// everything else, the sink's offsets and the source's partition and offset included.
import type { Schema } from './schema.ts';

/** One header: its name, schema and value (Kafka's ConnectHeader). Names may repeat. */
export interface ConnectHeader {
  readonly key: string;
  readonly schema: Schema | null;
  readonly value: unknown;
}

export interface ConnectRecord {
  readonly topic: string;
  /** null: the producer of a source record leaves the partition to the partitioner. */
  readonly kafkaPartition: number | null;
  readonly keySchema: Schema | null;
  readonly key: unknown;
  readonly valueSchema: Schema | null;
  readonly value: unknown;
  /** Epoch ms; null when unknown. */
  readonly timestamp: number | null;
  readonly headers: readonly ConnectHeader[];
}

/** A record read from the log for a sink connector. */
export interface SinkRecord extends ConnectRecord {
  readonly kafkaPartition: number;
  readonly kafkaOffset: number;
  readonly timestampType: 'CREATE_TIME' | 'LOG_APPEND_TIME' | 'NO_TIMESTAMP_TYPE';
  /** Where it was read (transforms may change topic and partition; these stay). */
  readonly originalTopic: string;
  readonly originalKafkaPartition: number;
  readonly originalKafkaOffset: number;
}

/** A source partition or offset: a small JSON object the connector chooses. */
export type SourceMap = Readonly<Record<string, unknown>>;

/** A record a source connector produced, with where it came from in the source system. */
export interface SourceRecord extends ConnectRecord {
  readonly sourcePartition: SourceMap;
  readonly sourceOffset: SourceMap;
}

/** What a connector may hand over as a record: the rest defaults (no schema, no headers, ...). */
export interface RecordInput {
  topic: string;
  kafkaPartition?: number | null;
  keySchema?: Schema | null;
  key?: unknown;
  valueSchema?: Schema | null;
  value?: unknown;
  timestamp?: number | null;
  headers?: readonly ConnectHeader[];
}

/** A ConnectRecord with every field present. */
export function connectRecord(r: RecordInput): ConnectRecord {
  return {
    topic: r.topic,
    kafkaPartition: r.kafkaPartition ?? null,
    keySchema: r.keySchema ?? null,
    key: r.key ?? null,
    valueSchema: r.valueSchema ?? null,
    value: r.value ?? null,
    timestamp: r.timestamp ?? null,
    headers: r.headers ?? [],
  };
}

/** Kafka's record.newRecord(...): a copy with these parts replaced, every other field kept. */
export function newRecord<R extends ConnectRecord>(r: R, changes: Partial<ConnectRecord>): R {
  return { ...r, ...changes };
}

export const withKey = <R extends ConnectRecord>(r: R, keySchema: Schema | null, key: unknown): R => newRecord(r, { keySchema, key });

export const withValue = <R extends ConnectRecord>(r: R, valueSchema: Schema | null, value: unknown): R => newRecord(r, { valueSchema, value });

/** The key or the value of a record: what a $Key or $Value transform works on. */
export type RecordPart = 'key' | 'value';

export function operating(r: ConnectRecord, part: RecordPart): { schema: Schema | null; value: unknown } {
  return part === 'key' ? { schema: r.keySchema, value: r.key } : { schema: r.valueSchema, value: r.value };
}

export function withPart<R extends ConnectRecord>(r: R, part: RecordPart, schema: Schema | null, value: unknown): R {
  return part === 'key' ? withKey(r, schema, value) : withValue(r, schema, value);
}

export const isSinkRecord = (r: ConnectRecord): r is SinkRecord => typeof (r as Partial<SinkRecord>).kafkaOffset === 'number';
