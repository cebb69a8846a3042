// InsertField, ReplaceField, MaskField, ValueToKey against the cases of Kafka's
// InsertFieldTest, ReplaceFieldTest, MaskFieldTest and ValueToKeyTest.
import { describe, expect, it } from 'vitest';
import { ConfigException, DataException } from '../../../../lib/connect/data/exceptions.ts';
import { Decimal, Logical, SchemaBuilder, Schemas, schemaEquals, Struct } from '../../../../lib/connect/data/schema.ts';
import { sinkRecord, sourceRecord, xform } from '../records.ts';

describe('InsertField', () => {
  const props = {
    'topic.field': 'topic_field!',
    'partition.field': 'partition_field',
    'timestamp.field': 'timestamp_field?',
    'static.field': 'instance_id',
    'static.value': 'my-instance-id',
  };

  it('copies the schema and inserts the configured fields (copySchemaAndInsertConfiguredFields)', () => {
    const schema = SchemaBuilder.struct().name('name').version(1).doc('doc').field('magic', Schemas.OPTIONAL_INT64).build();
    const t = xform('InsertField$Value', props);
    const out = t.apply(sourceRecord({ topic: 'test', partition: 0, valueSchema: schema, value: new Struct(schema).put('magic', 42), timestamp: 789 }))!;
    const v = out.value as Struct;
    expect([out.valueSchema!.name, out.valueSchema!.version, out.valueSchema!.doc]).toEqual(['name', 1, 'doc']);
    expect(v.get('magic')).toBe(42);
    expect(out.valueSchema!.field('topic_field')!.schema).toBe(Schemas.STRING);
    expect(v.get('topic_field')).toBe('test');
    expect(out.valueSchema!.field('partition_field')!.schema).toBe(Schemas.OPTIONAL_INT32);
    expect(v.get('partition_field')).toBe(0);
    expect(schemaEquals(out.valueSchema!.field('timestamp_field')!.schema, Logical.timestamp().optional().build())).toBe(true);
    expect(v.get('timestamp_field')).toEqual(new Date(789));
    expect(out.valueSchema!.field('instance_id')!.schema).toBe(Schemas.OPTIONAL_STRING);
    expect(v.get('instance_id')).toBe('my-instance-id');
    // The derived schema is cached per input schema.
    const again = t.apply(sourceRecord({ partition: 1, valueSchema: schema, value: new Struct(schema) }))!;
    expect(again.valueSchema).toBe(out.valueSchema);
  });

  it('inserts into maps without a schema (schemalessInsertConfiguredFields)', () => {
    const out = xform('InsertField$Value', props).apply(sourceRecord({ value: { magic: 42 }, timestamp: 123 }))!;
    expect(out.value).toEqual({ magic: 42, topic_field: 'test', partition_field: 0, timestamp_field: 123, instance_id: 'my-instance-id' });
  });

  it('offset.field needs a sink record; a null value passes; no field at all is a config error', () => {
    expect(xform('InsertField$Value', { 'offset.field': 'o' }).apply(sinkRecord({ value: {}, offset: 7 }))!.value).toEqual({ o: 7 });
    expect(() => xform('InsertField$Value', { 'offset.field': 'o' }).apply(sourceRecord({ value: {} }))).toThrow(/Only SinkRecord supported for \[field insertion\]/);
    const tombstone = sinkRecord({ value: null });
    expect(xform('InsertField$Value', props).apply(tombstone)).toBe(tombstone);
    expect(() => xform('InsertField$Value', {})).toThrow(/No field insertion configured/);
    expect(() => xform('InsertField$Value', { 'static.field': 's' })).toThrow(ConfigException);
  });

  it('$Key works on the key and leaves the value alone', () => {
    const out = xform('InsertField$Key', { 'topic.field': 't' }).apply(sinkRecord({ key: { k: 1 }, value: 'v' }))!;
    expect([out.key, out.value]).toEqual([{ k: 1, t: 'test' }, 'v']);
  });

  it('the documented file-source example: HoistField then InsertField', () => {
    const hoisted = xform('org.apache.kafka.connect.transforms.HoistField$Value', { field: 'line' }).apply(sourceRecord({ value: 'foo' }))!;
    const out = xform('org.apache.kafka.connect.transforms.InsertField$Value', { 'static.field': 'data_source', 'static.value': 'test-file-source' }).apply(hoisted)!;
    expect(out.value).toEqual({ line: 'foo', data_source: 'test-file-source' });
  });
});

describe('ReplaceField', () => {
  it('schemaless: exclude and renames', () => {
    const out = xform('ReplaceField$Value', { exclude: 'dont', renames: 'abc:xyz,foo:bar' }).apply(sinkRecord({ value: { dont: 'whatever', abc: 42, foo: true, etc: 'etc' } }))!;
    expect(out.value).toEqual({ xyz: 42, bar: true, etc: 'etc' });
  });

  it('with a schema: include and renames', () => {
    const schema = SchemaBuilder.struct().field('dont', Schemas.STRING).field('abc', Schemas.INT32).field('foo', Schemas.BOOLEAN).field('etc', Schemas.STRING).build();
    const value = new Struct(schema).put('dont', 'whatever').put('abc', 42).put('foo', true).put('etc', 'etc');
    const out = xform('ReplaceField$Value', { include: 'abc,foo', renames: 'abc:xyz,foo:bar' }).apply(sinkRecord({ valueSchema: schema, value }))!;
    const v = out.value as Struct;
    expect(v.schema.fields.map((f) => f.name)).toEqual(['xyz', 'bar']);
    expect([v.get('xyz'), v.get('bar')]).toEqual([42, true]);
  });

  it('exclude wins over include; bad renames are a config error', () => {
    expect(xform('ReplaceField$Value', { include: 'a,b', exclude: 'b' }).apply(sinkRecord({ value: { a: 1, b: 2, c: 3 } }))!.value).toEqual({ a: 1 });
    expect(() => xform('ReplaceField$Value', { renames: 'a:b:c' })).toThrow(/Invalid rename mapping: a:b:c/);
  });
});

describe('MaskField', () => {
  it('masks schemaless values with the empty value of their type (testSchemaless)', () => {
    const value = { magic: 42, bool: true, long: 42, double: 42.5, string: '55.121.20.20', date: new Date(1), list: [42], map: { key: 'value' } };
    const out = xform('MaskField$Value', { fields: 'bool,long,double,string,date,list,map' }).apply(sinkRecord({ value }))!;
    expect(out.value).toEqual({ magic: 42, bool: false, long: 0, double: 0, string: '', date: new Date(0), list: [], map: {} });
  });

  it('masks struct fields by their schema type, logical types and decimals included (testWithSchema)', () => {
    const schema = SchemaBuilder.struct()
      .field('magic', Schemas.INT32)
      .field('byte', Schemas.INT8)
      .field('float', Schemas.FLOAT32)
      .field('string', Schemas.STRING)
      .field('timestamp', Schemas.TIMESTAMP)
      .field('decimal', Logical.decimal(0).build())
      .field('array', SchemaBuilder.array(Schemas.INT32).build())
      .field('withDefault', SchemaBuilder.string().optional().defaultValue('default').build())
      .build();
    const value = new Struct(schema)
      .put('magic', 42)
      .put('byte', 42)
      .put('float', 42.5)
      .put('string', 'hmm')
      .put('timestamp', new Date())
      .put('decimal', new Decimal(42n, 0))
      .put('array', [42]);
    const fields = 'byte,float,string,timestamp,decimal,array,withDefault';
    const out = xform('MaskField$Value', { fields, 'replace.null.with.default': 'false' }).apply(sinkRecord({ valueSchema: schema, value }))!;
    const v = out.value as Struct;
    expect([v.get('magic'), v.get('byte'), v.get('float'), v.get('string'), v.get('timestamp'), v.get('decimal'), v.get('array')]).toEqual([
      42,
      0,
      0,
      '',
      new Date(0),
      new Decimal(0n, 0),
      [],
    ]);
    // A null field stays null without its default...
    expect(v.getWithoutDefault('withDefault')).toBeNull();
    // ...and with replace.null.with.default (the default) the default is masked.
    const masked = xform('MaskField$Value', { fields }).apply(sinkRecord({ valueSchema: schema, value }))!.value as Struct;
    expect(masked.getWithoutDefault('withDefault')).toBe('');
  });

  it('replaces with a custom replacement converted to the field type (testSchemalessWithReplacement)', () => {
    const out = xform('MaskField$Value', { fields: 'int,double,string', replacement: '123' }).apply(sinkRecord({ value: { int: 1, double: 1.5, string: 'x' } }))!;
    expect(out.value).toEqual({ int: 123, double: 123, string: '123' });
  });

  it('refuses replacements that do not fit (testReplacementTypeMismatch) and an empty one', () => {
    const mask = (field: string, value: unknown, replacement = 'foo') => xform('MaskField$Value', { fields: field, replacement }).apply(sinkRecord({ value: { [field]: value } }));
    expect(() => mask('int', 1)).toThrow(DataException);
    expect(() => mask('date', new Date(), '123')).toThrow(/with custom replacement/);
    expect(() => mask('bool', false, '123')).toThrow(DataException);
    expect(() => mask('list', ['123'], '123')).toThrow(DataException);
    expect(() => xform('MaskField$Value', { fields: 'a', replacement: '' })).toThrow(/String must be non-empty/);
    expect(() => xform('MaskField$Value', { fields: '' })).toThrow(/Empty list/);
  });
});

describe('ValueToKey', () => {
  it('schemaless: a map of the chosen fields', () => {
    const out = xform('ValueToKey', { fields: 'a,b' }).apply(sinkRecord({ value: { a: 1, b: 2, c: 3 } }))!;
    expect(out.key).toEqual({ a: 1, b: 2 });
    expect(out.keySchema).toBeNull();
  });

  it('with a schema: a struct of the chosen fields with their schemas', () => {
    const schema = SchemaBuilder.struct().field('a', Schemas.INT32).field('b', Schemas.INT32).field('c', Schemas.INT32).build();
    const out = xform('ValueToKey', { fields: 'a,b' }).apply(sinkRecord({ valueSchema: schema, value: new Struct(schema).put('a', 1).put('b', 2).put('c', 3) }))!;
    const key = out.key as Struct;
    expect(key.schema.fields.map((f) => [f.name, f.schema])).toEqual([
      ['a', Schemas.INT32],
      ['b', Schemas.INT32],
    ]);
    expect([key.get('a'), key.get('b')]).toEqual([1, 2]);
  });

  it('a field the value lacks is an error (nonExistingField)', () => {
    const schema = SchemaBuilder.struct().field('a', Schemas.INT32).build();
    expect(() => xform('ValueToKey', { fields: 'not_exist' }).apply(sinkRecord({ valueSchema: schema, value: new Struct(schema).put('a', 1) }))).toThrow(/Field does not exist: not_exist/);
  });
});
