// Converters against Kafka's JsonConverterTest, StringConverter and ByteArrayConverter
// behaviour: the JSON envelope both ways, schemaless JSON, logical types, and the errors.
import { describe, expect, it } from 'vitest';
import { createConverter, createHeaderConverter, JsonConverter } from '../../../lib/connect/converters/index.ts';
import { ByteArrayConverter, SimpleHeaderConverter, StringConverter } from '../../../lib/connect/converters/simple.ts';
import { DataException } from '../../../lib/connect/data/exceptions.ts';
import { Decimal, Logical, SchemaBuilder, Schemas, schemaEquals, Struct, valuesEqual } from '../../../lib/connect/data/schema.ts';

const T = 'topic';
const bytes = (s: string) => Buffer.from(s);
const json = (b: Buffer | null) => JSON.parse(b!.toString());
const withSchema = new JsonConverter();
const schemaless = new JsonConverter({ 'schemas.enable': 'false' });

describe('JsonConverter with schemas.enable=true: JSON to Connect', () => {
  it('reads each primitive type from its envelope (Kafka booleanToConnect, intToConnect, ...)', () => {
    expect(withSchema.toConnectData(T, bytes('{ "schema": { "type": "boolean" }, "payload": true }'))).toEqual({ schema: Schemas.BOOLEAN, value: true });
    const cases: [string, unknown, unknown][] = [
      ['int8', 12, 12],
      ['int16', 12, 12],
      ['int32', 12, 12],
      ['int64', 4398046511104, 4398046511104],
      ['double', 12.34, 12.34],
      ['float', 12.34, Math.fround(12.34)],
      ['string', 'foo-bar-baz', 'foo-bar-baz'],
    ];
    for (const [type, payload, expected] of cases) {
      const r = withSchema.toConnectData(T, bytes(JSON.stringify({ schema: { type }, payload })));
      expect(r.value, type).toBe(expected);
      expect(r.schema!.type).toBe(type === 'double' ? 'FLOAT64' : type === 'float' ? 'FLOAT32' : type.toUpperCase());
    }
    expect(withSchema.toConnectData(T, bytes('{ "schema": { "type": "bytes" }, "payload": "dGVzdC1zdHJpbmc=" }')).value).toEqual(Buffer.from('test-string'));
  });

  it('keeps the schema metadata: optional, default, name, version, doc, parameters', () => {
    const r = withSchema.toConnectData(
      T,
      bytes('{ "schema": { "type": "boolean", "optional": false, "name": "bool", "version": 2, "doc": "the documentation", "parameters": { "foo": "bar" }}, "payload": true }'),
    );
    expect(schemaEquals(r.schema, SchemaBuilder.bool().name('bool').version(2).doc('the documentation').parameter('foo', 'bar').build())).toBe(true);
    // A null payload takes the schema's default.
    expect(withSchema.toConnectData(T, bytes('{ "schema": { "type": "boolean", "default": true }, "payload": null }')).value).toBe(true);
    expect(withSchema.toConnectData(T, bytes('{ "schema": { "type": "boolean", "optional": true }, "payload": null }')).value).toBeNull();
  });

  it('reads arrays, maps with string keys as objects and other maps as pairs, and structs', () => {
    expect(withSchema.toConnectData(T, bytes('{ "schema": { "type": "array", "items": { "type" : "int32" } }, "payload": [1, 2, 3] }')).value).toEqual([1, 2, 3]);
    expect(withSchema.toConnectData(T, bytes('{ "schema": { "type": "map", "keys": { "type" : "string" }, "values": { "type" : "int32" } }, "payload": { "key1": 12, "key2": 15} }')).value).toEqual({ key1: 12, key2: 15 });
    expect(withSchema.toConnectData(T, bytes('{ "schema": { "type": "map", "keys": { "type" : "int32" }, "values": { "type" : "int32" } }, "payload": [ [1, 12], [2, 15] ] }')).value).toEqual(
      new Map([
        [1, 12],
        [2, 15],
      ]),
    );
    const r = withSchema.toConnectData(
      T,
      bytes('{ "schema": { "type": "struct", "fields": [{ "field": "field1", "type": "boolean" }, { "field": "field2", "type": "string" }] }, "payload": { "field1": true, "field2": "string" } }'),
    );
    const schema = SchemaBuilder.struct().field('field1', Schemas.BOOLEAN).field('field2', Schemas.STRING).build();
    expect(valuesEqual(r.value, new Struct(schema).put('field1', true).put('field2', 'string'))).toBe(true);
  });

  it('reads logical types: Decimal (base64 and numeric), Date, Time, Timestamp', () => {
    const dec = withSchema.toConnectData(T, bytes('{ "schema": { "type": "bytes", "name": "org.apache.kafka.connect.data.Decimal", "version": 1, "parameters": { "scale": "2" } }, "payload": "AJw=" }'));
    expect(dec.value).toEqual(new Decimal(156n, 2));
    const numeric = withSchema.toConnectData(T, bytes('{ "schema": { "type": "bytes", "name": "org.apache.kafka.connect.data.Decimal", "version": 1, "parameters": { "scale": "2" } }, "payload": 1.56 }'));
    expect(numeric.value).toEqual(new Decimal(156n, 2));
    const date = withSchema.toConnectData(T, bytes('{ "schema": { "type": "int32", "name": "org.apache.kafka.connect.data.Date", "version": 1 }, "payload": 10000 }'));
    expect(date.value).toEqual(new Date(10000 * 86_400_000));
    const time = withSchema.toConnectData(T, bytes('{ "schema": { "type": "int32", "name": "org.apache.kafka.connect.data.Time", "version": 1 }, "payload": 14400000 }'));
    expect(time.value).toEqual(new Date(14_400_000));
    const ts = withSchema.toConnectData(T, bytes('{ "schema": { "type": "int64", "name": "org.apache.kafka.connect.data.Timestamp", "version": 1 }, "payload": 42 }'));
    expect(ts.value).toEqual(new Date(42));
  });

  it('a null schema in the envelope reads the payload schemaless: integers as INT64, objects as maps', () => {
    expect(withSchema.toConnectData(T, bytes('{ "schema": null, "payload": null }'))).toEqual({ schema: null, value: null });
    expect(withSchema.toConnectData(T, bytes('{ "schema": null, "payload": [1, "2", 3] }')).value).toEqual([1, '2', 3]);
    expect(withSchema.toConnectData(T, bytes('{ "schema": null, "payload": { "field1": 1, "field2": 2} }')).value).toEqual({ field1: 1, field2: 2 });
  });

  it('a null record (tombstone) and empty bytes are null', () => {
    expect(withSchema.toConnectData(T, null)).toEqual({ schema: null, value: null });
    expect(schemaless.toConnectData(T, Buffer.alloc(0))).toEqual({ schema: null, value: null });
  });

  it('refuses plain JSON, extra fields, bad JSON and a required null', () => {
    expect(() => withSchema.toConnectData(T, bytes('{"a":1}'))).toThrow(/requires "schema" and "payload" fields/);
    expect(() => withSchema.toConnectData(T, bytes('{"schema":null,"payload":1,"x":2}'))).toThrow(DataException);
    expect(() => withSchema.toConnectData(T, bytes('{not json'))).toThrow(/serialization error/);
    expect(() => withSchema.toConnectData(T, bytes('{ "schema": { "type": "string" }, "payload": null }'))).toThrow(/Invalid null value for required STRING field/);
    expect(() => withSchema.toConnectData(T, bytes('{ "schema": { "type": "nope" }, "payload": 1 }'))).toThrow(/Unknown schema type: nope/);
  });
});

describe('JsonConverter with schemas.enable=true: Connect to JSON', () => {
  it('writes the envelope with Kafka\'s schema JSON (structToJson)', () => {
    const schema = SchemaBuilder.struct().field('field1', Schemas.BOOLEAN).field('field2', Schemas.STRING).build();
    const out = withSchema.fromConnectData(T, schema, new Struct(schema).put('field1', true).put('field2', 'string2'));
    expect(out!.toString()).toBe(
      '{"schema":{"type":"struct","fields":[{"type":"boolean","optional":false,"field":"field1"},{"type":"string","optional":false,"field":"field2"}],"optional":false},"payload":{"field1":true,"field2":"string2"}}',
    );
  });

  it('writes a string value as Kafka\'s quickstart shows it', () => {
    expect(withSchema.fromConnectData(T, Schemas.STRING, 'foo')!.toString()).toBe('{"schema":{"type":"string","optional":false},"payload":"foo"}');
  });

  it('writes floats with a decimal point, metadata and defaults', () => {
    expect(json(withSchema.fromConnectData(T, Schemas.FLOAT64, 12.34)).payload).toBe(12.34);
    expect(withSchema.fromConnectData(T, Schemas.FLOAT64, 1)!.toString()).toBe('{"schema":{"type":"double","optional":false},"payload":1.0}');
    const meta = SchemaBuilder.bool().name('bool').version(3).doc('the documentation').parameter('foo', 'bar').build();
    expect(json(withSchema.fromConnectData(T, meta, true)).schema).toEqual({ type: 'boolean', optional: false, name: 'bool', version: 3, doc: 'the documentation', parameters: { foo: 'bar' } });
    expect(json(withSchema.fromConnectData(T, SchemaBuilder.bool().defaultValue(true).build(), true)).schema).toEqual({ type: 'boolean', optional: false, default: true });
  });

  it('writes maps with non-string keys as [key, value] pairs', () => {
    const schema = SchemaBuilder.map(Schemas.INT32, Schemas.INT32).build();
    const out = json(withSchema.fromConnectData(T, schema, new Map([[1, 12], [2, 15]])));
    expect(out.payload).toEqual([[1, 12], [2, 15]]);
    // Without a schema, mixed keys do the same.
    const mixed = json(withSchema.fromConnectData(T, null, new Map<unknown, unknown>([['string', 12], [52, 'string'], [false, true]])));
    expect(mixed).toEqual({ schema: null, payload: [['string', 12], [52, 'string'], [false, true]] });
  });

  it('writes Decimal as base64 or, with decimal.format=NUMERIC, as a number; logical dates as numbers', () => {
    const schema = Logical.decimal(2).build();
    expect(json(withSchema.fromConnectData(T, schema, new Decimal(156n, 2))).payload).toBe('AJw=');
    const numeric = new JsonConverter({ 'decimal.format': 'numeric' });
    expect(numeric.fromConnectData(T, schema, new Decimal(156n, 2))!.toString()).toContain('"payload":1.56}');
    expect(() => withSchema.fromConnectData(T, null, new Decimal(156n, 2))).toThrow(DataException);
    expect(json(withSchema.fromConnectData(T, Schemas.TIMESTAMP, new Date(4000000000))).payload).toBe(4000000000);
    expect(json(withSchema.fromConnectData(T, Schemas.DATE, new Date(10000 * 86_400_000))).payload).toBe(10000);
  });

  it('null with a null schema is a tombstone; a null required value is an error; a null field takes its default', () => {
    expect(withSchema.fromConnectData(T, null, null)).toBeNull();
    expect(() => withSchema.fromConnectData(T, Schemas.STRING, null)).toThrow(/null value for field that is required/);
    const schema = SchemaBuilder.struct().field('f', SchemaBuilder.int32().optional().defaultValue(42).build()).build();
    expect(json(withSchema.fromConnectData(T, schema, new Struct(schema))).payload).toEqual({ f: 42 });
    const keepNull = new JsonConverter({ 'replace.null.with.default': 'false' });
    expect(json(keepNull.fromConnectData(T, schema, new Struct(schema))).payload).toEqual({ f: null });
  });

  it('round-trips a nested struct through bytes', () => {
    const inner = SchemaBuilder.struct().field('n', Schemas.INT64).build();
    const schema = SchemaBuilder.struct().field('inner', inner).field('tags', SchemaBuilder.array(Schemas.STRING).build()).build();
    const value = new Struct(schema).put('inner', new Struct(inner).put('n', 7)).put('tags', ['a', 'b']);
    const back = withSchema.toConnectData(T, withSchema.fromConnectData(T, schema, value));
    expect(schemaEquals(back.schema, schema)).toBe(true);
    expect(valuesEqual(back.value, value)).toBe(true);
  });
});

describe('JsonConverter with schemas.enable=false', () => {
  it('writes and reads bare JSON', () => {
    expect(schemaless.fromConnectData(T, null, { line: 'foo', data_source: 'test-file-source' })!.toString()).toBe('{"line":"foo","data_source":"test-file-source"}');
    expect(schemaless.toConnectData(T, bytes('{"a":[1,2.5,"x"]}'))).toEqual({ schema: null, value: { a: [1, 2.5, 'x'] } });
    expect(schemaless.fromConnectData(T, Schemas.STRING, 'foo')!.toString()).toBe('"foo"');
  });
});

describe('StringConverter, ByteArrayConverter, SimpleHeaderConverter', () => {
  it('StringConverter: text in UTF-8, OPTIONAL_STRING back, null stays null', () => {
    const c = new StringConverter();
    expect(c.fromConnectData(T, Schemas.STRING, 'héllo')).toEqual(Buffer.from('héllo'));
    expect(c.toConnectData(T, Buffer.from('héllo'))).toEqual({ schema: Schemas.OPTIONAL_STRING, value: 'héllo' });
    expect(c.fromConnectData(T, null, null)).toBeNull();
    expect(c.toConnectData(T, null).value).toBeNull();
    expect(c.fromConnectData(T, Schemas.INT32, 42)!.toString()).toBe('42');
  });

  it('ByteArrayConverter: bytes through; other schemas and values refused', () => {
    const c = new ByteArrayConverter();
    expect(c.fromConnectData(T, Schemas.BYTES, Buffer.from([1, 2]))).toEqual(Buffer.from([1, 2]));
    expect(c.toConnectData(T, Buffer.from([3]))).toEqual({ schema: Schemas.OPTIONAL_BYTES, value: Buffer.from([3]) });
    expect(() => c.fromConnectData(T, Schemas.STRING, 'x')).toThrow(/Invalid schema type for ByteArrayConverter: STRING/);
    expect(() => c.fromConnectData(T, null, 'x')).toThrow(/not compatible with objects of type string/);
  });

  it('SimpleHeaderConverter: values as text; text parsed back by type', () => {
    const c = new SimpleHeaderConverter();
    expect(c.toConnectHeader(T, 'h', Buffer.from('42'))).toEqual({ schema: Schemas.INT8, value: 42 });
    expect(c.toConnectHeader(T, 'h', Buffer.from('true'))).toEqual({ schema: Schemas.BOOLEAN, value: true });
    expect(c.toConnectHeader(T, 'h', Buffer.from('web'))).toEqual({ schema: Schemas.STRING, value: 'web' });
    expect(c.fromConnectHeader(T, 'h', Schemas.FLOAT64, 1.5)!.toString()).toBe('1.5');
    expect(c.fromConnectHeader(T, 'h', null, null)).toBeNull();
  });

  it('the registry finds converters by class name, simple name and short name', () => {
    expect(createConverter('json', { 'schemas.enable': 'false' }, false)).toBeInstanceOf(JsonConverter);
    expect(createConverter('org.apache.kafka.connect.storage.StringConverter', {}, true)).toBeInstanceOf(StringConverter);
    expect(createConverter('ByteArrayConverter', {}, false)).toBeInstanceOf(ByteArrayConverter);
    expect(createHeaderConverter('org.apache.kafka.connect.storage.SimpleHeaderConverter', {})).toBeInstanceOf(SimpleHeaderConverter);
    expect(() => createConverter('com.example.Avro', {}, false)).toThrow(/Class com.example.Avro could not be found/);
  });
});
