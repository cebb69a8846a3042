// Value helpers of Kafka's org.apache.kafka.connect.data: the Connect type of a schemaless
// value (ConnectSchema.schemaType), numbers written as Java writes them (1.0, 1.0E10), and
// the text form of values (Values.convertToString, Values.parseString) that header
// values and InsertHeader's literal go through.
//
// JavaScript has one number type, so a schemaless number is INT64 when it is an integer
// and FLOAT64 otherwise, as JsonConverter reads JSON numbers (Long or Double). With a
// schema, its type decides.
//
// parseString reads what Kafka's does for single values: null, true, false, integers
// (INT8, INT16, INT32 or INT64, the smallest that holds them), other numbers (FLOAT32
// when finite, else FLOAT64), ISO-8601 dates (yyyy-MM-dd), times (HH:mm:ss.SSSZ) and
// timestamps (yyyy-MM-ddTHH:mm:ss.SSSZ); anything else, arrays and maps included, stays
// the string it is.
import { DatePattern } from './dateFormat.ts';
import { DataException } from './exceptions.ts';
import { Decimal, isMapValue, Logical, mapEntries, Schemas, Struct, type Schema, type SchemaType } from './schema.ts';

/** Kafka's ConnectSchema.schemaType(value.getClass()): undefined for values Connect has no type for. */
export function inferType(value: unknown): SchemaType | undefined {
  if (typeof value === 'number') return Number.isInteger(value) ? 'INT64' : 'FLOAT64';
  if (typeof value === 'boolean') return 'BOOLEAN';
  if (typeof value === 'string') return 'STRING';
  if (value instanceof Uint8Array) return 'BYTES';
  if (Array.isArray(value)) return 'ARRAY';
  if (value instanceof Struct) return 'STRUCT';
  if (isMapValue(value)) return 'MAP';
  return undefined;
}

/** Java's Double.toString / Float.toString: "1.0", "0.001", "1.0E7", "1.0E-4". */
export function javaFloatString(n: number, float32 = false): string {
  if (Number.isNaN(n)) return 'NaN';
  if (!Number.isFinite(n)) return n > 0 ? 'Infinity' : '-Infinity';
  if (n === 0) return Object.is(n, -0) ? '-0.0' : '0.0';
  const digits = float32 ? shortestFloat32(n) : String(n);
  const abs = Math.abs(n);
  if (abs >= 1e-3 && abs < 1e7) {
    const plain = Number(digits).toString().includes('e') ? Number(digits).toFixed(20).replace(/0+$/, '') : String(Number(digits));
    return plain.includes('.') ? plain : `${plain}.0`;
  }
  const [mantissa, exp] = Number(digits).toExponential().split('e') as [string, string];
  return `${mantissa.includes('.') ? mantissa : `${mantissa}.0`}E${Number(exp)}`;
}

function shortestFloat32(n: number): string {
  const f = Math.fround(n);
  for (let p = 1; p <= 9; p++) {
    const s = f.toPrecision(p);
    if (Math.fround(Number(s)) === f) return String(Number(s));
  }
  return String(f);
}

/** A number as Java prints the type it has under `type` (integers plainly, floats with a point). */
export function numberString(n: number, type: SchemaType | undefined): string {
  if (type === 'FLOAT32') return javaFloatString(n, true);
  if (type === 'FLOAT64' || (type === undefined && !Number.isInteger(n))) return javaFloatString(n);
  return String(n);
}

const ISO_DATE = new DatePattern('yyyy-MM-dd');
const ISO_TIME = new DatePattern("HH:mm:ss.SSS'Z'");
const ISO_TIMESTAMP = new DatePattern("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'");
const MS_PER_DAY = 86_400_000;

/** Kafka's Values.dateFormatFor(date).format(date): a time, a date or a timestamp, by value. */
export function isoDateString(d: Date): string {
  const ms = d.getTime();
  if (ms < MS_PER_DAY && ms >= 0) return ISO_TIME.format(ms);
  if (ms % MS_PER_DAY === 0) return ISO_DATE.format(ms);
  return ISO_TIMESTAMP.format(ms);
}

/** Kafka's Values.convertToString: the text form of any Connect value (null for null). */
export function convertToString(schema: Schema | null | undefined, value: unknown): string | null {
  if (value === null || value === undefined) return null;
  return append(value, false, schema ?? undefined);
}

function append(value: unknown, embedded: boolean, schema: Schema | undefined): string {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'number') return numberString(value, schema?.type);
  if (typeof value === 'boolean') return String(value);
  if (typeof value === 'string') return embedded ? `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"` : value;
  if (value instanceof Uint8Array) {
    const b64 = Buffer.from(value).toString('base64');
    return embedded ? `"${b64}"` : b64;
  }
  if (value instanceof Date) return isoDateString(value);
  if (value instanceof Decimal) return value.toString();
  if (Array.isArray(value)) return `[${value.map((v) => append(v, true, schema?.valueSchema)).join(',')}]`;
  if (value instanceof Struct) {
    return `{${value.schema.fields.map((f) => `${append(f.name, true, undefined)}:${append(value.get(f), true, f.schema)}`).join(',')}}`;
  }
  if (isMapValue(value)) {
    return `{${mapEntries(value)
      .map(([k, v]) => `${append(k, true, schema?.keySchema)}:${append(v, true, schema?.valueSchema)}`)
      .join(',')}}`;
  }
  throw new DataException(`Failed to serialize unexpected value type ${typeof value}: ${String(value)}`);
}

export interface SchemaAndValue {
  schema: Schema | null;
  value: unknown;
}

const INT_LIMITS: [SchemaType, bigint, bigint][] = [
  ['INT8', -128n, 127n],
  ['INT16', -32768n, 32767n],
  ['INT32', -2147483648n, 2147483647n],
  ['INT64', -9223372036854775808n, 9223372036854775807n],
];

/** Kafka's Values.parseString for single values (see the header). */
export function parseString(text: string | null): SchemaAndValue {
  if (text === null) return { schema: null, value: null };
  if (text === '') return { schema: Schemas.STRING, value: '' };
  const token = text.trim();
  if (token === 'null') return { schema: null, value: null };
  if (token === 'true' || token === 'false') return { schema: Schemas.BOOLEAN, value: token === 'true' };
  if (/^\d/.test(token)) {
    const temporal = parseTemporal(token);
    if (temporal) return temporal;
  }
  if (/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(token)) return parseNumber(token);
  return { schema: Schemas.STRING, value: text };
}

function parseTemporal(token: string): SchemaAndValue | undefined {
  const tries: [RegExp, DatePattern, Schema][] = [
    [/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/, ISO_TIMESTAMP, Schemas.TIMESTAMP],
    [/^\d{4}-\d{2}-\d{2}$/, ISO_DATE, Schemas.DATE],
    [/^\d{2}:\d{2}:\d{2}\.\d{3}Z$/, ISO_TIME, Schemas.TIME],
  ];
  for (const [shape, pattern, schema] of tries) if (shape.test(token)) return { schema, value: new Date(pattern.parse(token)) };
  return undefined;
}

function parseNumber(token: string): SchemaAndValue {
  const decimal = Decimal.parse(token);
  if (decimal.scale === 0 || decimal.unscaled % 10n ** BigInt(decimal.scale) === 0n) {
    const integral = decimal.scale === 0 ? decimal.unscaled : decimal.unscaled / 10n ** BigInt(decimal.scale);
    for (const [type, min, max] of INT_LIMITS) {
      if (integral >= min && integral <= max) {
        const schema = { INT8: Schemas.INT8, INT16: Schemas.INT16, INT32: Schemas.INT32, INT64: Schemas.INT64 }[type as 'INT8'];
        return { schema, value: Number(integral) };
      }
    }
  }
  if (decimal.scale === 0) return { schema: Logical.decimal(0).build(), value: decimal };
  const n = Number(token);
  if (Number.isFinite(Math.fround(n))) return { schema: Schemas.FLOAT32, value: Math.fround(n) };
  if (Number.isFinite(n)) return { schema: Schemas.FLOAT64, value: n };
  return { schema: Schemas.STRING, value: token };
}
