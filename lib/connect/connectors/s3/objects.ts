// Which records go into which S3 object, and the object's name and bytes.
//
//   {topics.dir}/{topic}/{encoded partition}/{topic}{file.delim}{partition}{file.delim}{first offset}{extension}
//   topics/orders/partition=0/orders+0+0000000042.json
//   topics/orders/year=2024/month=06/day=01/hour=13/orders+0+0000000042.json.gz
//
// The records of a batch are grouped by topic, partition and encoded partition (in order),
// and each group is cut into objects of at most flush.size records, a new one starting
// when a record is rotate.interval.ms or more newer than the object's first. The name
// depends only on the first record's offset, and the cuts only on the records from the
// batch's first offset on: a batch delivered again (after a crash before its position was
// committed) writes the same objects under the same names, so S3 holds each record once.
import { gzipSync } from 'node:zlib';
import { DataException } from '../../data/exceptions.ts';
import type { SinkRecord } from '../../data/record.ts';
import { zoneOffsetMs } from '../../data/dateFormat.ts';
import { isMapValue, Struct } from '../../data/schema.ts';
import { JsonConverter } from '../../converters/json.ts';
import { ByteArrayConverter } from '../../converters/simple.ts';
import { mapGet } from '../../transforms/transformation.ts';
import type { S3SinkSettings } from './config.ts';

export interface S3Object {
  key: string;
  body: Buffer;
  contentType: string;
  records: number;
}

/** The time a record is partitioned by (timestamp.extractor). */
function recordTime(s: S3SinkSettings, r: SinkRecord): number {
  if (s.extractor === 'Record') {
    if (r.timestamp === null) throw new DataException(`Unable to determine timestamp using timestamp.extractor Record for record: ${r.topic}-${r.kafkaPartition}@${r.kafkaOffset}`);
    return r.timestamp;
  }
  const v = r.value instanceof Struct ? (r.value.schema.field(s.timestampField) ? r.value.get(s.timestampField) : null) : isMapValue(r.value) ? mapGet(r.value, s.timestampField) : null;
  if (v instanceof Date) return v.getTime();
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  if (typeof v === 'string' && !Number.isNaN(Date.parse(v))) return Date.parse(v);
  throw new DataException(`Unable to extract timestamp from field '${s.timestampField}' of record ${r.topic}-${r.kafkaPartition}@${r.kafkaOffset}`);
}

/** The directories under the topic: partition=N, or the time bucket in path.format. */
export function encodedPartition(s: S3SinkSettings, r: SinkRecord): string {
  if (!s.timeBased) return `partition=${r.kafkaPartition}`;
  const ts = recordTime(s, r);
  const offset = zoneOffsetMs(s.timezone, ts);
  const local = ts + offset;
  const start = local - (((local % s.partitionDurationMs) + s.partitionDurationMs) % s.partitionDurationMs) - offset;
  return s.pathFormat.format(start, s.timezone);
}

function extension(s: S3SinkSettings): string {
  return `${s.format === 'json' ? '.json' : s.extension}${s.gzip ? '.gz' : ''}`;
}

export function objectKey(s: S3SinkSettings, topic: string, encoded: string, partition: number, firstOffset: number): string {
  const name = `${topic}${s.fileDelim}${partition}${s.fileDelim}${String(firstOffset).padStart(s.padWidth, '0')}${extension(s)}`;
  return [s.topicsDir, topic, encoded, name].join(s.directoryDelim);
}

const jsonValues = new JsonConverter({ 'schemas.enable': 'false' });
const byteValues = new ByteArrayConverter();

/** The object's bytes: each value (as JSON, or its raw bytes) followed by the separator. */
function body(s: S3SinkSettings, records: readonly SinkRecord[]): Buffer {
  const parts = records.map((r) =>
    s.format === 'json' ? (jsonValues.fromConnectData(r.topic, r.valueSchema, r.value) ?? Buffer.from('null')) : (byteValues.fromConnectData(r.topic, r.valueSchema, r.value) ?? Buffer.alloc(0)),
  );
  const sep = Buffer.from(s.format === 'json' ? '\n' : s.separator, 'utf8');
  const joined = Buffer.concat(parts.flatMap((p) => [p, sep]));
  return s.gzip ? gzipSync(joined) : joined;
}

/** The objects a batch is written as (see the header). */
export function objectsFor(s: S3SinkSettings, records: readonly SinkRecord[]): S3Object[] {
  const groups = new Map<string, { topic: string; partition: number; encoded: string; records: SinkRecord[][]; firstTime: number }>();
  for (const r of records) {
    const encoded = encodedPartition(s, r);
    const k = `${r.topic}\u0000${r.kafkaPartition}\u0000${encoded}`;
    let g = groups.get(k);
    const time = r.timestamp ?? 0;
    if (!g) groups.set(k, (g = { topic: r.topic, partition: r.kafkaPartition, encoded, records: [[]], firstTime: time }));
    const current = g.records.at(-1)!;
    const rotate = s.rotateIntervalMs > 0 && current.length > 0 && time - g.firstTime >= s.rotateIntervalMs;
    if (current.length >= s.flushSize || rotate) {
      g.records.push([r]);
      g.firstTime = time;
    } else {
      if (current.length === 0) g.firstTime = time;
      current.push(r);
    }
  }
  const contentType = s.gzip ? 'application/gzip' : s.format === 'json' ? 'application/x-ndjson' : 'application/octet-stream';
  return [...groups.values()].flatMap((g) =>
    g.records.map((chunk) => ({ key: objectKey(s, g.topic, g.encoded, g.partition, chunk[0]!.kafkaOffset), body: body(s, chunk), contentType, records: chunk.length })),
  );
}
