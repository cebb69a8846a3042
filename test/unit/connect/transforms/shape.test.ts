// ExtractField, HoistField, Flatten and Cast against the cases of Kafka's ExtractFieldTest,
// HoistFieldTest, FlattenTest and CastTest.
import { describe, expect, it } from 'vitest';
import { ConfigException, DataException } from '../../../../lib/connect/data/exceptions.ts';
import { Decimal, Logical, SchemaBuilder, Schemas, schemaEquals, Struct } from '../../../../lib/connect/data/schema.ts';
import { sinkRecord, sourceRecord, xform } from '../records.ts';

describe('ExtractField', () => {
  it('schemaless: the field of a map; a missing field or a null value is null', () => {
    expect(xform('ExtractField$Key', { field: 'magic' }).apply(sinkRecord({ key: { magic: 42 } }))!.key).toBe(42);
    expect(xform('ExtractField$Key', { field: 'nonexistent' }).apply(sinkRecord({ key: { magic: 42 } }))!.key).toBeNull();
    expect(xform('ExtractField$Key', { field: 'magic' }).apply(sinkRecord({ key: null }))!.key).toBeNull();
  });

  it('with a schema: the field\'s value and schema; an unknown field fails', () => {
    const schema = SchemaBuilder.struct().field('magic', Schemas.INT32).build();
    const out = xform('ExtractField$Key', { field: 'magic' }).apply(sinkRecord({ keySchema: schema, key: new Struct(schema).put('magic', 42) }))!;
    expect([out.keySchema, out.key]).toEqual([Schemas.INT32, 42]);
    expect(() => xform('ExtractField$Key', { field: 'nonexistent' }).apply(sinkRecord({ keySchema: schema, key: new Struct(schema).put('magic', 42) }))).toThrow(
      'Unknown field: nonexistent',
    );
    // A null struct keeps the field's schema (testNullWithSchema).
    const nullOut = xform('ExtractField$Key', { field: 'magic' }).apply(sinkRecord({ keySchema: schema, key: null }))!;
    expect([nullOut.keySchema, nullOut.key]).toEqual([Schemas.INT32, null]);
  });

  it('field.syntax.version=V2 reads nested paths (withSchemaAndNestedPath, schemalessAndNestedPath)', () => {
    const foo = SchemaBuilder.struct().field('foo', Schemas.INT32).build();
    const schema = SchemaBuilder.struct().field('magic', foo).build();
    const key = new Struct(schema).put('magic', new Struct(foo).put('foo', 42));
    const t = xform('ExtractField$Key', { field: 'magic.foo', 'field.syntax.version': 'V2' });
    const out = t.apply(sinkRecord({ keySchema: schema, key }))!;
    expect([out.keySchema, out.key]).toEqual([Schemas.INT32, 42]);
    expect(t.apply(sinkRecord({ key: { magic: { foo: 42 } } }))!.key).toBe(42);
    expect(() => xform('ExtractField$Key', { field: 'magic.nonexistent', 'field.syntax.version': 'V2' }).apply(sinkRecord({ keySchema: schema, key }))).toThrow(
      'Unknown field: magic.nonexistent',
    );
    // V1 reads the dotted name as one field.
    expect(xform('ExtractField$Key', { field: 'magic.foo' }).apply(sinkRecord({ key: { 'magic.foo': 1 } }))!.key).toBe(1);
  });

  it('V2 paths: backticks wrap names with dots; an unclosed backtick is a config error', () => {
    expect(xform('ExtractField$Value', { field: '`a.b`.c', 'field.syntax.version': 'V2' }).apply(sinkRecord({ value: { 'a.b': { c: 7 } } }))!.value).toBe(7);
    expect(() => xform('ExtractField$Value', { field: '`a.b', 'field.syntax.version': 'V2' })).toThrow(/Incomplete backtick pair in path: \[`a.b\]/);
    expect(() => xform('ExtractField$Value', { field: 'a', 'field.syntax.version': 'V3' })).toThrow(ConfigException);
  });

  it('replace.null.with.default decides whether an unset optional field reads as its default', () => {
    const schema = SchemaBuilder.struct().field('optional_with_default', SchemaBuilder.string().optional().defaultValue('default').build()).build();
    const record = sinkRecord({ valueSchema: schema, value: new Struct(schema) });
    expect(xform('ExtractField$Value', { field: 'optional_with_default' }).apply(record)!.value).toBe('default');
    expect(xform('ExtractField$Value', { field: 'optional_with_default', 'replace.null.with.default': 'false' }).apply(record)!.value).toBeNull();
  });
});

describe('HoistField', () => {
  it('schemaless: wraps the value in a map', () => {
    expect(xform('HoistField$Key', { field: 'magic' }).apply(sinkRecord({ key: 42 }))!.key).toEqual({ magic: 42 });
  });

  it('with a schema: wraps it in a struct of one field', () => {
    const out = xform('HoistField$Key', { field: 'magic' }).apply(sinkRecord({ keySchema: Schemas.INT32, key: 42 }))!;
    expect((out.key as Struct).get('magic')).toBe(42);
    expect(out.keySchema!.field('magic')!.schema).toBe(Schemas.INT32);
  });
});

describe('Flatten', () => {
  it('flattens nested structs with "." (testNestedStruct)', () => {
    const leaf = SchemaBuilder.struct().field('int8', Schemas.INT8).field('string', Schemas.STRING).field('bytes', Schemas.BYTES).build();
    const b = SchemaBuilder.struct().field('B', leaf).build();
    const a = SchemaBuilder.struct().field('A', b).build();
    const value = new Struct(a).put('A', new Struct(b).put('B', new Struct(leaf).put('int8', 8).put('string', 'stringy').put('bytes', Buffer.from('bytes'))));
    const out = xform('Flatten$Value').apply(sourceRecord({ valueSchema: a, value }))!.value as Struct;
    expect(out.schema.fields.map((f) => f.name)).toEqual(['A.B.int8', 'A.B.string', 'A.B.bytes']);
    expect([out.get('A.B.int8'), out.get('A.B.string'), out.get('A.B.bytes')]).toEqual([8, 'stringy', Buffer.from('bytes')]);
  });

  it('flattens nested maps with a delimiter (testNestedMapWithDelimiter); arrays stay', () => {
    const out = xform('Flatten$Value', { delimiter: '#' }).apply(sourceRecord({ value: { A: { B: { int64: 64, string: 'stringy', list: [1, 2] } }, n: null } }))!;
    expect(out.value).toEqual({ 'A#B#int64': 64, 'A#B#string': 'stringy', 'A#B#list': [1, 2], n: null });
  });

  it('fields under an optional parent become optional and take the parent\'s default (testOptionalAndDefaultValuesNested)', () => {
    const builder = SchemaBuilder.struct().optional().field('req_field', Schemas.STRING).field('opt_field', SchemaBuilder.string().optional().defaultValue('child_default').build());
    const childDefault = new Struct(builder.build()).put('req_field', 'req_default');
    const schema = builder.defaultValue(childDefault).build();
    const out = xform('Flatten$Value').apply(sourceRecord({ valueSchema: schema, value: new Struct(schema) }))!;
    expect(schemaEquals(out.valueSchema!.field('req_field')!.schema, SchemaBuilder.string().optional().defaultValue('req_default').build())).toBe(true);
    expect(schemaEquals(out.valueSchema!.field('opt_field')!.schema, SchemaBuilder.string().optional().defaultValue('child_default').build())).toBe(true);
  });

  it('requires a struct or map at the top; tombstones pass; a map field in a schema fails', () => {
    expect(() => xform('Flatten$Value').apply(sourceRecord({ valueSchema: Schemas.INT32, value: 42 }))).toThrow(DataException);
    expect(() => xform('Flatten$Value').apply(sourceRecord({ value: 42 }))).toThrow(/Only Map objects supported/);
    const tombstone = sourceRecord({ value: null });
    expect(xform('Flatten$Value').apply(tombstone)).toBe(tombstone);
    const withMap = SchemaBuilder.struct().field('m', SchemaBuilder.map(Schemas.STRING, Schemas.STRING).build()).build();
    expect(() => xform('Flatten$Value').apply(sourceRecord({ valueSchema: withMap, value: new Struct(withMap).put('m', {}) }))).toThrow(/does not support MAP/);
  });
});

describe('Cast', () => {
  it('casts struct fields, defaults included (castFieldsWithSchema)', () => {
    const day = new Date(86_400_000);
    const schema = SchemaBuilder.struct()
      .field('int8', Schemas.INT8)
      .field('int16', Schemas.OPTIONAL_INT16)
      .field('int32', SchemaBuilder.int32().defaultValue(2).build())
      .field('int64', Schemas.INT64)
      .field('float64', SchemaBuilder.float64().defaultValue(-1.125).build())
      .field('boolean', Schemas.BOOLEAN)
      .field('string', Schemas.STRING)
      .field('bigdecimal', Logical.decimal(0).build())
      .field('date', Schemas.DATE)
      .field('optional', Schemas.OPTIONAL_FLOAT32)
      .field('timestamp', Schemas.TIMESTAMP)
      .field('bytes', Schemas.BYTES)
      .build();
    const value = new Struct(schema)
      .put('int8', 8)
      .put('int16', 16)
      .put('int32', 32)
      .put('int64', 64)
      .put('float64', -64)
      .put('boolean', true)
      .put('string', '42')
      .put('bigdecimal', new Decimal(42n, 0))
      .put('date', day)
      .put('timestamp', new Date(0))
      .put('bytes', Buffer.from([0xfe, 0xdc, 0xba, 0x98, 0x76, 0x54, 0x32, 0x10]));
    const spec = 'int8:int16,int16:int32,int32:int64,int64:boolean,float64:boolean,boolean:int8,string:int32,bigdecimal:string,date:string,optional:int32,bytes:string';
    const out = xform('Cast$Value', { spec }).apply(sourceRecord({ valueSchema: schema, value }))!;
    const v = out.value as Struct;
    expect(['int8', 'int16', 'int32', 'int64', 'float64', 'boolean', 'string', 'bigdecimal', 'date', 'optional', 'bytes'].map((f) => v.get(f))).toEqual([
      8, 16, 32, true, true, 1, 42, '42', '1970-01-02', null, '/ty6mHZUMhA=',
    ]);
    expect(out.valueSchema!.field('int16')!.schema.optional).toBe(true);
    expect(out.valueSchema!.field('int32')!.schema.defaultValue).toBe(2);
    expect(out.valueSchema!.field('float64')!.schema.defaultValue).toBe(true);
    expect(out.valueSchema!.field('int8')!.schema.type).toBe('INT16');
    expect(out.valueSchema!.field('timestamp')!.schema.type).toBe('INT64');
  });

  it('casts map fields without a schema (castFieldsSchemaless)', () => {
    const out = xform('Cast$Value', { spec: 'int64:boolean,float64:boolean,boolean:int8,string:int32' }).apply(sourceRecord({ value: { int64: 64, float64: -64, boolean: true, string: '42' } }))!;
    expect(out.value).toEqual({ int64: true, float64: true, boolean: 1, string: 42 });
  });

  it('casts the whole value, narrowing as Java does', () => {
    expect(xform('Cast$Value', { spec: 'int8' }).apply(sourceRecord({ valueSchema: Schemas.INT32, value: 42 }))!.value).toBe(42);
    expect(xform('Cast$Value', { spec: 'int8' }).apply(sourceRecord({ value: 300 }))!.value).toBe(44);
    expect(xform('Cast$Value', { spec: 'string' }).apply(sourceRecord({ valueSchema: Schemas.FLOAT64, value: 1 }))!.value).toBe('1.0');
    expect(xform('Cast$Value', { spec: 'int64' }).apply(sourceRecord({ valueSchema: Schemas.TIMESTAMP, value: new Date(42) }))!.value).toBe(42);
    expect(xform('Cast$Key', { spec: 'int32' }).apply(sourceRecord({ key: '-7' }))!.key).toBe(-7);
  });

  it('refuses bad specs, unsupported inputs and unparseable text', () => {
    expect(() => xform('Cast$Value', { spec: '' })).toThrow(/Must specify at least one field to cast/);
    expect(() => xform('Cast$Value', { spec: 'foo:faketype' })).toThrow(/Invalid type found in casting spec: faketype/);
    expect(() => xform('Cast$Value', { spec: 'foo:array' })).toThrow(/does not support casting to ARRAY/);
    expect(() => xform('Cast$Value', { spec: 'int8,foo:int16' })).toThrow(/may only specify a single cast/);
    expect(() => xform('Cast$Value', { spec: 'int8' }).apply(sourceRecord({ value: 'x' }))).toThrow(/was out of range for requested data type/);
    expect(() => xform('Cast$Value', { spec: 'int8' }).apply(sourceRecord({ value: [1] }))).toThrow(/does not support casting from ARRAY/);
    expect(() => xform('Cast$Value', { spec: 'int8' }).apply(sourceRecord({ valueSchema: Schemas.BYTES, value: Buffer.from('x') }))).toThrow(DataException);
  });
});
