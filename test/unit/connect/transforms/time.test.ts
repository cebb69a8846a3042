// TimestampConverter, TimestampRouter and RegexRouter against the cases of Kafka's
// TimestampConverterTest, TimestampRouterTest and RegexRouterTest.
import { describe, expect, it } from 'vitest';
import { ConfigException, DataException } from '../../../../lib/connect/data/exceptions.ts';
import { SchemaBuilder, Schemas, Struct, type Schema } from '../../../../lib/connect/data/schema.ts';
import { sinkRecord, sourceRecord, xform } from '../records.ts';

// Kafka's fixtures: one day and 1234 ms after the epoch, in UTC.
const DATE_PLUS_TIME_UNIX = 86_400_000 + 1234;
const DATE_PLUS_TIME = new Date(DATE_PLUS_TIME_UNIX);
const DATE = new Date(86_400_000);
const TIME = new Date(1234);
const STRING_DATE_FMT = 'yyyy MM dd HH mm ss SSS z';
const DATE_PLUS_TIME_STRING = '1970 01 02 00 00 01 234 UTC';

describe('TimestampConverter', () => {
  const convert = (props: Record<string, string>, value: unknown, valueSchema: Schema | null = null) =>
    xform('TimestampConverter$Value', props).apply(sourceRecord({ valueSchema, value }))!;

  it('schemaless: Timestamp to each type (testSchemalessTimestampTo*)', () => {
    expect(convert({ 'target.type': 'Timestamp' }, DATE_PLUS_TIME).value).toEqual(DATE_PLUS_TIME);
    expect(convert({ 'target.type': 'Date' }, DATE_PLUS_TIME).value).toEqual(DATE);
    expect(convert({ 'target.type': 'Time' }, DATE_PLUS_TIME).value).toEqual(TIME);
    expect(convert({ 'target.type': 'unix' }, DATE_PLUS_TIME).value).toBe(DATE_PLUS_TIME_UNIX);
    expect(convert({ 'target.type': 'string', format: STRING_DATE_FMT }, DATE_PLUS_TIME).value).toBe(DATE_PLUS_TIME_STRING);
  });

  it('schemaless: unix and string to Timestamp (testSchemalessUnixToTimestamp, testSchemalessStringToTimestamp)', () => {
    expect(convert({ 'target.type': 'Timestamp' }, DATE_PLUS_TIME_UNIX).value).toEqual(DATE_PLUS_TIME);
    expect(convert({ 'target.type': 'Timestamp', format: STRING_DATE_FMT }, DATE_PLUS_TIME_STRING).value).toEqual(DATE_PLUS_TIME);
  });

  it('unix.precision reads and writes seconds, microseconds and nanoseconds', () => {
    const micros = DATE_PLUS_TIME_UNIX * 1000 + 123;
    expect(convert({ 'target.type': 'Timestamp', 'unix.precision': 'microseconds' }, micros).value).toEqual(DATE_PLUS_TIME);
    expect(convert({ 'target.type': 'unix', 'unix.precision': 'seconds' }, DATE_PLUS_TIME).value).toBe(86_401);
    expect(convert({ 'target.type': 'unix', 'unix.precision': 'microseconds' }, DATE_PLUS_TIME).value).toBe(DATE_PLUS_TIME_UNIX * 1000);
    expect(convert({ 'target.type': 'unix', 'unix.precision': 'nanoseconds' }, DATE_PLUS_TIME).value).toBe(DATE_PLUS_TIME_UNIX * 1_000_000);
  });

  it('with a schema: the whole value, schema by target type (testWithSchemaTimestampToUnix, ...)', () => {
    const out = convert({ 'target.type': 'unix' }, DATE_PLUS_TIME, Schemas.TIMESTAMP);
    expect([out.valueSchema, out.value]).toEqual([Schemas.INT64, DATE_PLUS_TIME_UNIX]);
    const str = convert({ 'target.type': 'string', format: STRING_DATE_FMT }, DATE_PLUS_TIME, Schemas.OPTIONAL_TIMESTAMP);
    expect([str.valueSchema, str.value]).toEqual([Schemas.OPTIONAL_STRING, DATE_PLUS_TIME_STRING]);
    const fromString = convert({ 'target.type': 'Date', format: STRING_DATE_FMT }, DATE_PLUS_TIME_STRING, Schemas.STRING);
    expect([fromString.valueSchema, fromString.value]).toEqual([Schemas.DATE, DATE]);
  });

  it('with a schema: one field of a struct (testWithSchemaFieldConversion)', () => {
    const schema = SchemaBuilder.struct().field('ts', Schemas.TIMESTAMP).field('other', Schemas.STRING).build();
    const out = convert({ 'target.type': 'unix', field: 'ts' }, new Struct(schema).put('ts', DATE_PLUS_TIME).put('other', 'test'), schema);
    expect(out.valueSchema!.field('ts')!.schema).toBe(Schemas.INT64);
    expect([(out.value as Struct).get('ts'), (out.value as Struct).get('other')]).toEqual([DATE_PLUS_TIME_UNIX, 'test']);
  });

  it('schemaless: one field of a map, and the key with $Key', () => {
    expect(convert({ 'target.type': 'unix', field: 'ts' }, { ts: DATE_PLUS_TIME, other: 'test' }).value).toEqual({ ts: DATE_PLUS_TIME_UNIX, other: 'test' });
    const key = xform('TimestampConverter$Key', { 'target.type': 'Timestamp' }).apply(sinkRecord({ key: DATE_PLUS_TIME_UNIX }))!;
    expect(key.key).toEqual(DATE_PLUS_TIME);
  });

  it('null stays null with and without a schema', () => {
    expect(convert({ 'target.type': 'unix' }, null).value).toBeNull();
    const out = convert({ 'target.type': 'unix' }, null, Schemas.OPTIONAL_TIMESTAMP);
    expect([out.valueSchema, out.value]).toEqual([Schemas.OPTIONAL_INT64, null]);
  });

  it('config errors: string without format, unknown type, bad pattern; data errors: unparseable or unsupported', () => {
    expect(() => xform('TimestampConverter$Value', { 'target.type': 'string' })).toThrow(/requires format option/);
    expect(() => xform('TimestampConverter$Value', { 'target.type': 'invalid' })).toThrow(ConfigException);
    expect(() => xform('TimestampConverter$Value', { 'target.type': 'unix', format: 'bad-format qq' })).toThrow(/SimpleDateFormat-compatible pattern/);
    expect(() => convert({ 'target.type': 'unix', format: 'yyyy-MM-dd' }, 'not a date')).toThrow(/Could not parse timestamp/);
    expect(() => convert({ 'target.type': 'unix' }, 1.5)).toThrow(DataException);
    expect(() => convert({ 'target.type': 'unix' }, 42, Schemas.INT32)).toThrow(/does not correspond to a known timestamp type format/);
  });
});

describe('TimestampRouter', () => {
  it('defaults to ${topic}-${timestamp} with yyyyMMdd (defaultConfiguration)', () => {
    expect(xform('TimestampRouter').apply(sourceRecord({ topic: 'test', timestamp: 1483425001864 }))!.topic).toBe('test-20170103');
  });

  it('takes its own formats; a record without a timestamp is an error', () => {
    const t = xform('TimestampRouter', { 'topic.format': 'logs_${timestamp}_${topic}', 'timestamp.format': 'yyyy-MM' });
    expect(t.apply(sourceRecord({ topic: 'app', timestamp: 1483425001864 }))!.topic).toBe('logs_2017-01_app');
    expect(() => t.apply(sourceRecord({ topic: 'app', timestamp: null }))).toThrow(/Timestamp missing on record/);
  });
});

describe('RegexRouter', () => {
  const route = (regex: string, replacement: string, topic: string) => xform('RegexRouter', { regex, replacement }).apply(sinkRecord({ topic }))!.topic;

  it('replaces whole matches and leaves others (Kafka\'s RegexRouterTest)', () => {
    expect(route('foo', 'bar', 'foo')).toBe('bar');
    expect(route('foo', 'bar', 'orig')).toBe('orig');
    expect(route('(.*)', '$1', 'orig')).toBe('orig');
    expect(route('(.*)', 'prefix-$1', 'orig')).toBe('prefix-orig');
    expect(route('(.*)', '$1-suffix', 'orig')).toBe('orig-suffix');
    expect(route('(.*)-(\\d\\d\\d\\d\\d\\d\\d\\d)', '$1', 'index-20160117')).toBe('index');
  });

  it('keeps the original topic, partition and offset of a sink record', () => {
    const out = xform('RegexRouter', { regex: '(.*)', replacement: 'x-$1' }).apply(sinkRecord({ topic: 'orders', partition: 2, offset: 9 }))!;
    expect([out.topic, out.originalTopic, out.originalKafkaPartition, out.originalKafkaOffset]).toEqual(['x-orders', 'orders', 2, 9]);
  });

  it('refuses an invalid regex', () => {
    expect(() => xform('RegexRouter', { regex: '(', replacement: 'x' })).toThrow(/Invalid regex/);
  });
});
