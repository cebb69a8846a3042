// Record builders for the Connect unit tests, shaped as Kafka's tests build them:
// new SinkRecord(topic, partition, keySchema, key, valueSchema, value, offset) and
// new SourceRecord(null, null, topic, partition, keySchema, key, valueSchema, value, timestamp).
import type { ConnectHeader, SinkRecord, SourceRecord } from '../../../lib/connect/data/record.ts';
import type { Schema } from '../../../lib/connect/data/schema.ts';
import { findPredicate } from '../../../lib/connect/predicates/index.ts';
import { findTransformation } from '../../../lib/connect/transforms/index.ts';

export interface Parts {
  topic?: string;
  partition?: number;
  keySchema?: Schema | null;
  key?: unknown;
  valueSchema?: Schema | null;
  value?: unknown;
  timestamp?: number | null;
  headers?: ConnectHeader[];
}

export function sinkRecord(p: Parts & { offset?: number } = {}): SinkRecord {
  const topic = p.topic ?? 'test';
  const partition = p.partition ?? 0;
  const offset = p.offset ?? 0;
  return {
    topic,
    kafkaPartition: partition,
    keySchema: p.keySchema ?? null,
    key: p.key ?? null,
    valueSchema: p.valueSchema ?? null,
    value: p.value ?? null,
    timestamp: p.timestamp === undefined ? 0 : p.timestamp,
    headers: p.headers ?? [],
    kafkaOffset: offset,
    timestampType: 'CREATE_TIME',
    originalTopic: topic,
    originalKafkaPartition: partition,
    originalKafkaOffset: offset,
  };
}

export function sourceRecord(p: Parts = {}): SourceRecord {
  return {
    topic: p.topic ?? 'test',
    kafkaPartition: p.partition ?? 0,
    keySchema: p.keySchema ?? null,
    key: p.key ?? null,
    valueSchema: p.valueSchema ?? null,
    value: p.value ?? null,
    timestamp: p.timestamp === undefined ? null : p.timestamp,
    headers: p.headers ?? [],
    sourcePartition: {},
    sourceOffset: {},
  };
}

/** A configured transform by (short) class name. */
export function xform(name: string, props: Record<string, string> = {}) {
  const plugin = findTransformation(name);
  if (!plugin) throw new Error(`no transform ${name}`);
  return plugin.create(props);
}

export function predicate(name: string, props: Record<string, string> = {}) {
  const plugin = findPredicate(name);
  if (!plugin) throw new Error(`no predicate ${name}`);
  return plugin.create(props);
}
