// Connect's data model: schemas and structs check values as Kafka's do, Decimal keeps
// exact digits, values print as Java prints them, parseString infers Kafka's types, and
// Java date patterns format and parse.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DatePattern, zoneOffsetMs } from '../../../lib/connect/data/dateFormat.ts';
import { DataException, SchemaBuilderException } from '../../../lib/connect/data/exceptions.ts';
import { compileJavaRegex } from '../../../lib/connect/data/regex.ts';
import { Decimal, fromLogical, Logical, SchemaBuilder, Schemas, Struct, toLogical } from '../../../lib/connect/data/schema.ts';
import { convertToString, inferType, javaFloatString, parseString } from '../../../lib/connect/data/values.ts';

describe('Struct', () => {
  const schema = SchemaBuilder.struct()
    .field('id', Schemas.INT32)
    .field('name', Schemas.OPTIONAL_STRING)
    .field('level', SchemaBuilder.int8().optional().defaultValue(3).build())
    .build();

  it('checks values against field schemas when put', () => {
    const s = new Struct(schema).put('id', 1);
    expect(() => s.put('id', 'x')).toThrow(DataException);
    expect(() => s.put('id', 2 ** 31)).toThrow(DataException);
    expect(() => s.put('id', null)).toThrow(/null used for required field: "id"/);
    expect(() => s.put('nope', 1)).toThrow(/nope is not a valid field name/);
    expect(() => new Struct(schema).validate()).toThrow(/"id"/);
  });

  it('get answers the default for a null; getWithoutDefault the null', () => {
    const s = new Struct(schema).put('id', 1);
    expect(s.get('level')).toBe(3);
    expect(s.getWithoutDefault('level')).toBeNull();
  });

  it('a builder refuses duplicate fields, fields on non-structs and bad defaults', () => {
    expect(() => SchemaBuilder.struct().field('a', Schemas.INT8).field('a', Schemas.INT8)).toThrow(SchemaBuilderException);
    expect(() => SchemaBuilder.int8().field('a', Schemas.INT8)).toThrow(SchemaBuilderException);
    expect(() => SchemaBuilder.int8().defaultValue('x').build()).toThrow(SchemaBuilderException);
  });
});

describe('logical types', () => {
  it('Decimal: exact text, base64 of two\'s complement unscaled bytes both ways', () => {
    expect(Decimal.parse('1.56')).toEqual(new Decimal(156n, 2));
    expect(Decimal.parse('-0.05').toString()).toBe('-0.05');
    const schema = Logical.decimal(2).build();
    expect(Buffer.from(fromLogical(schema, new Decimal(156n, 2)) as Buffer).toString('base64')).toBe('AJw=');
    expect(toLogical(schema, fromLogical(schema, new Decimal(-128n, 2)))).toEqual(new Decimal(-128n, 2));
    fc.assert(
      fc.property(fc.bigInt({ min: -(2n ** 80n), max: 2n ** 80n }), (n) => {
        const d = new Decimal(n, 2);
        expect(toLogical(schema, fromLogical(schema, d))).toEqual(d);
      }),
    );
  });

  it('Date refuses a time of day; Time refuses a date', () => {
    expect(fromLogical(Schemas.DATE, new Date(86_400_000 * 3))).toBe(3);
    expect(() => fromLogical(Schemas.DATE, new Date(1))).toThrow(DataException);
    expect(() => fromLogical(Schemas.TIME, new Date(86_400_000 * 3))).toThrow(DataException);
  });
});

describe('values', () => {
  it('infers Connect types of schemaless values as JsonConverter reads them', () => {
    expect([1, 1.5, true, 'a', Buffer.from('x'), [1], { a: 1 }, new Map()].map(inferType)).toEqual(['INT64', 'FLOAT64', 'BOOLEAN', 'STRING', 'BYTES', 'ARRAY', 'MAP', 'MAP']);
    expect(inferType(new Date())).toBeUndefined();
  });

  it('prints floats as Java does', () => {
    expect([1, 0.001, 1e7, 1e-4, 123.5, -0].map((n) => javaFloatString(n))).toEqual(['1.0', '0.001', '1.0E7', '1.0E-4', '123.5', '-0.0']);
    expect(javaFloatString(Math.fround(1.1), true)).toBe('1.1');
  });

  it('parseString infers Kafka\'s types; other text stays a string', () => {
    expect(parseString('42')).toEqual({ schema: Schemas.INT8, value: 42 });
    expect(parseString('1000').schema).toBe(Schemas.INT16);
    expect(parseString('100000').schema).toBe(Schemas.INT32);
    expect(parseString('10000000000').schema).toBe(Schemas.INT64);
    expect(parseString('1.5')).toEqual({ schema: Schemas.FLOAT32, value: 1.5 });
    expect(parseString('false')).toEqual({ schema: Schemas.BOOLEAN, value: false });
    expect(parseString('2024-01-02')).toEqual({ schema: Schemas.DATE, value: new Date(Date.UTC(2024, 0, 2)) });
    expect(parseString('hello world')).toEqual({ schema: Schemas.STRING, value: 'hello world' });
    expect(parseString('null').value).toBeNull();
  });

  it('convertToString writes structs, arrays and maps as Kafka\'s Values does', () => {
    const schema = SchemaBuilder.struct().field('a', Schemas.STRING).field('b', Schemas.FLOAT64).build();
    expect(convertToString(schema, new Struct(schema).put('a', 'x"y').put('b', 2))).toBe('{"a":"x\\"y","b":2.0}');
    expect(convertToString(null, [1, 'a'])).toBe('[1,"a"]');
    expect(convertToString(null, { k: true })).toBe('{"k":true}');
    expect(convertToString(null, new Date(Date.UTC(2024, 0, 2, 3, 4, 5, 6)))).toBe('2024-01-02T03:04:05.006Z');
  });
});

describe('Java date patterns', () => {
  const at = Date.UTC(2024, 0, 2, 15, 4, 5, 6);

  it('formats SimpleDateFormat patterns in UTC', () => {
    expect(new DatePattern('yyyyMMdd').format(at)).toBe('20240102');
    expect(new DatePattern("yyyy-MM-dd'T'HH:mm:ss.SSSZ").format(at)).toBe('2024-01-02T15:04:05.006+0000');
    expect(new DatePattern('EEE, d MMM yy hh:mm a').format(at)).toBe('Tue, 2 Jan 24 03:04 PM');
    expect(new DatePattern("'It''s' D").format(at)).toBe("It's 2");
  });

  it('Y is the week year in SimpleDateFormat and the year in Joda', () => {
    const dec31 = Date.UTC(2024, 11, 31);
    expect(new DatePattern('YYYY').format(dec31)).toBe('2025');
    expect(new DatePattern('YYYY', 'joda').format(dec31)).toBe('2024');
  });

  it('formats in a time zone', () => {
    expect(new DatePattern("'hour'=HH", 'joda').format(at, 'America/New_York')).toBe('hour=10');
    expect(zoneOffsetMs('Asia/Kolkata', at)).toBe(5.5 * 3_600_000);
  });

  it('parses what it formats, with zones, and ignores trailing text', () => {
    const p = new DatePattern('yyyy-MM-dd HH:mm:ss.SSS');
    expect(p.parse('2024-01-02 15:04:05.006')).toBe(at);
    expect(new DatePattern("yyyy-MM-dd'T'HH:mm:ssXXX").parse('2024-01-02T16:04:05+01:00')).toBe(Date.UTC(2024, 0, 2, 15, 4, 5));
    expect(new DatePattern('yyyyMMdd').parse('20240102trailing')).toBe(Date.UTC(2024, 0, 2));
    expect(() => p.parse('January')).toThrow(/Unparseable date/);
  });

  it('refuses letters Java does not know', () => {
    expect(() => new DatePattern('yyyy-qq')).toThrow(/Illegal pattern character 'q'/);
  });

  it('round-trips any instant through a full pattern', () => {
    const p = new DatePattern("yyyy-MM-dd'T'HH:mm:ss.SSS");
    fc.assert(fc.property(fc.integer({ min: 0, max: 4_102_444_800_000 }), (ms) => {
        expect(p.parse(p.format(ms))).toBe(ms);
      }));
  });
});

describe('Java regular expressions', () => {
  it('match the whole input and replace with Java\'s group syntax', () => {
    const p = compileJavaRegex('(.*)-(\\d+)');
    expect(p.matches('orders-1')).toBe(true);
    expect(p.matches('orders')).toBe(false);
    expect(p.replaceMatch('orders-1', '$2-$1\\$')).toBe('1-orders$');
    expect(compileJavaRegex('(?i)ORD.*').matches('orders')).toBe(true);
    expect(() => compileJavaRegex('a++')).toThrow(/possessive/);
    expect(() => compileJavaRegex('(')).toThrow();
  });
});
