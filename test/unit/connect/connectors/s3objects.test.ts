// The S3 sink's objects without S3: names from the first offset, flush.size and
// rotate.interval.ms cuts, JSON lines and raw bytes, gzip, time-based directories.
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { s3SinkErrors, s3SinkSettings, S3_SINK_CONFIG } from '../../../../lib/connect/connectors/s3/config.ts';
import { objectsFor } from '../../../../lib/connect/connectors/s3/objects.ts';
import { Schemas } from '../../../../lib/connect/data/schema.ts';
import { sinkRecord } from '../records.ts';

const settings = (props: Record<string, string> = {}) => s3SinkSettings(S3_SINK_CONFIG.parse({ 's3.bucket.name': 'archive', 'flush.size': '2', ...props }));
const HOUR = 3_600_000;
const T0 = Date.UTC(2024, 5, 1, 13, 20);

const records = (n: number, from = 40, step = 1000) =>
  Array.from({ length: n }, (_, i) => sinkRecord({ topic: 'orders', partition: 0, offset: from + i, value: { n: from + i }, timestamp: T0 + i * step }));

describe('S3 sink objects', () => {
  it('cuts a batch into flush.size objects named by topic, partition and first offset', () => {
    const objects = objectsFor(settings(), records(5));
    expect(objects.map((o) => [o.key, o.records])).toEqual([
      ['topics/orders/partition=0/orders+0+0000000040.json', 2],
      ['topics/orders/partition=0/orders+0+0000000042.json', 2],
      ['topics/orders/partition=0/orders+0+0000000044.json', 1],
    ]);
    expect(objects[0]!.body.toString()).toBe('{"n":40}\n{"n":41}\n');
  });

  it('the same records from the same first offset make the same objects; more records only extend the last', () => {
    const s = settings({ 'flush.size': '3' });
    const first = objectsFor(s, records(4));
    const again = objectsFor(s, records(5));
    expect(again.slice(0, 1)).toEqual(first.slice(0, 1));
    expect(again[1]!.key).toBe(first[1]!.key);
    expect(again[1]!.records).toBe(2);
  });

  it('rotate.interval.ms starts a new object when a record is that much newer than the first', () => {
    const objects = objectsFor(settings({ 'flush.size': '100', 'rotate.interval.ms': String(HOUR) }), records(4, 0, 40 * 60_000));
    expect(objects.map((o) => o.records)).toEqual([2, 2]);
  });

  it('partitions by time with path.format in a time zone', () => {
    const s = settings({
      'partitioner.class': 'io.confluent.connect.storage.partitioner.TimeBasedPartitioner',
      'path.format': "'year'=YYYY/'month'=MM/'day'=dd/'hour'=HH",
      'partition.duration.ms': String(HOUR),
      'flush.size': '10',
    });
    const objects = objectsFor(s, [...records(2), ...records(1, 42, 0).map((r) => ({ ...r, timestamp: T0 + HOUR }))]);
    expect(objects.map((o) => o.key)).toEqual(['topics/orders/year=2024/month=06/day=01/hour=13/orders+0+0000000040.json', 'topics/orders/year=2024/month=06/day=01/hour=14/orders+0+0000000042.json']);
    const berlin = objectsFor({ ...s, timezone: 'Europe/Berlin' }, records(1));
    expect(berlin[0]!.key).toContain('hour=15');
  });

  it('TimeBasedPartitioner can read the time from a field of the value', () => {
    const s = settings({ 'partitioner.class': 'TimeBasedPartitioner', 'path.format': "'day'=dd", 'partition.duration.ms': '86400000', 'timestamp.extractor': 'RecordField', 'timestamp.field': 'at' });
    const r = sinkRecord({ topic: 't', value: { at: '2024-02-03T04:05:06Z' }, timestamp: 0 });
    expect(objectsFor(s, [r])[0]!.key).toBe('topics/t/day=03/t+0+0000000000.json');
    expect(() => objectsFor(s, [sinkRecord({ topic: 't', value: {} })])).toThrow(/Unable to extract timestamp from field 'at'/);
  });

  it('raw bytes with a separator and extension; gzip compresses and adds .gz', () => {
    const raw = [sinkRecord({ topic: 't', valueSchema: Schemas.BYTES, value: Buffer.from('a') }), sinkRecord({ topic: 't', offset: 1, valueSchema: Schemas.BYTES, value: Buffer.from('b') })];
    const [bin] = objectsFor(settings({ 'format.class': 'ByteArrayFormat', 'format.bytearray.separator': '|' }), raw);
    expect([bin!.key, bin!.body.toString()]).toEqual(['topics/t/partition=0/t+0+0000000000.bin', 'a|b|']);
    const [gz] = objectsFor(settings({ 's3.compression.type': 'gzip' }), records(2));
    expect(gz!.key.endsWith('.json.gz')).toBe(true);
    expect(gunzipSync(gz!.body).toString()).toBe('{"n":40}\n{"n":41}\n');
  });

  it('TimeBasedPartitioner needs path.format and partition.duration.ms', () => {
    expect(s3SinkErrors({ 'partitioner.class': 'TimeBasedPartitioner' })).toEqual({
      'path.format': ['TimeBasedPartitioner needs path.format'],
      'partition.duration.ms': ['TimeBasedPartitioner needs partition.duration.ms greater than 0'],
    });
    expect(S3_SINK_CONFIG.validate({ 's3.bucket.name': 'b', 'flush.size': '0', timezone: 'Mars/Olympus' }).get('timezone')!.errors).toEqual([
      'Invalid value Mars/Olympus for configuration timezone: Not a time zone',
    ]);
  });
});
