// TimestampConverter$Key / TimestampConverter$Value: converts a timestamp (the whole key
// or value, or one `field`) between unix (an int64 in `unix.precision`), string (in the
// SimpleDateFormat `format`, UTC), and the logical Date, Time and Timestamp. The input's
// kind comes from its schema, or without one from its value (a Date is a Timestamp, an
// integer unix, a string string). Converting to Date keeps the day, to Time the time of day.
import { ConfigDef } from '../config/def.ts';
import { ValidString } from '../config/validators.ts';
import { DatePattern } from '../data/dateFormat.ts';
import { ConfigException, ConnectException, DataException } from '../data/exceptions.ts';
import { operating, withPart, type RecordPart } from '../data/record.ts';
import { copySchemaBasics, LOGICAL, SchemaBuilder, Schemas, Struct, typeName, type Schema } from '../data/schema.ts';
import { fieldValue, keyValue, mapCopy, mapGet, mapSet, REPLACE_NULL_WITH_DEFAULT, requireMap, requireStructOrNull, schemaCache, type Transformation } from './transformation.ts';

type Kind = 'string' | 'unix' | 'Date' | 'Time' | 'Timestamp';
type Precision = 'seconds' | 'milliseconds' | 'microseconds' | 'nanoseconds';

const CONFIG = new ConfigDef()
  .define({ name: 'field', type: 'STRING', defaultValue: '', importance: 'HIGH', documentation: 'The field containing the timestamp, or empty if the entire value is a timestamp' })
  .define({
    name: 'target.type',
    type: 'STRING',
    validator: ValidString.in('string', 'unix', 'Date', 'Time', 'Timestamp'),
    importance: 'HIGH',
    documentation: 'The desired timestamp representation: string, unix, Date, Time, or Timestamp',
  })
  .define({
    name: 'format',
    type: 'STRING',
    defaultValue: '',
    importance: 'MEDIUM',
    documentation: 'A SimpleDateFormat-compatible format for the timestamp. Used to generate the output when type=string or used to parse the input if the input is a string.',
  })
  .define({
    name: 'unix.precision',
    type: 'STRING',
    defaultValue: 'milliseconds',
    validator: ValidString.in('nanoseconds', 'microseconds', 'milliseconds', 'seconds'),
    importance: 'LOW',
    documentation:
      'The desired Unix precision for the timestamp: seconds, milliseconds, microseconds, or nanoseconds. Used to generate the output when type=unix or used to parse the input if the input is a Long.Note: This SMT will cause precision loss during conversions from, and to, values with sub-millisecond components.',
  })
  .define(REPLACE_NULL_WITH_DEFAULT);

const PURPOSE = 'converting timestamp formats';
const MS_PER_DAY = 86_400_000;
const PER_MS: Record<Precision, number> = { seconds: 1 / 1000, milliseconds: 1, microseconds: 1000, nanoseconds: 1_000_000 };

const TYPE_SCHEMAS: Record<Kind, [Schema, Schema]> = {
  string: [Schemas.STRING, Schemas.OPTIONAL_STRING],
  unix: [Schemas.INT64, Schemas.OPTIONAL_INT64],
  Date: [Schemas.DATE, Schemas.OPTIONAL_DATE],
  Time: [Schemas.TIME, Schemas.OPTIONAL_TIME],
  Timestamp: [Schemas.TIMESTAMP, Schemas.OPTIONAL_TIMESTAMP],
};

function kindFromSchema(schema: Schema): Kind {
  if (schema.name === LOGICAL.timestamp) return 'Timestamp';
  if (schema.name === LOGICAL.date) return 'Date';
  if (schema.name === LOGICAL.time) return 'Time';
  if (schema.type === 'STRING') return 'string';
  if (schema.type === 'INT64') return 'unix';
  throw new ConnectException(`Schema ${schema} does not correspond to a known timestamp type format`);
}

function inferKind(value: unknown): Kind {
  if (value instanceof Date) return 'Timestamp';
  if (typeof value === 'number' && Number.isInteger(value)) return 'unix';
  if (typeof value === 'string') return 'string';
  throw new DataException(`TimestampConverter does not support ${typeName(value)} objects as timestamps`);
}

interface Settings {
  field: string;
  target: Kind;
  pattern: string;
  format: DatePattern | undefined;
  precision: Precision;
  withDefault: boolean;
}

function settings(props: Readonly<Record<string, string>>): Settings {
  const c = CONFIG.parse(props);
  const target = c['target.type'] as Kind;
  const pattern = (c.format as string).trim();
  if (target === 'string' && pattern === '') throw new ConfigException('TimestampConverter requires format option to be specified when using string timestamps');
  let format: DatePattern | undefined;
  if (pattern !== '') {
    try {
      format = new DatePattern(pattern);
    } catch (err) {
      throw new ConfigException(`TimestampConverter requires a SimpleDateFormat-compatible pattern for string timestamps: ${pattern} (${(err as Error).message})`);
    }
  }
  return { field: c.field as string, target, pattern, format, precision: c['unix.precision'] as Precision, withDefault: c['replace.null.with.default'] as boolean };
}

/** A timestamp of the given kind as milliseconds since the epoch. */
function toRaw(s: Settings, kind: Kind, v: unknown): number {
  switch (kind) {
    case 'string':
      if (typeof v !== 'string') throw new DataException(`Expected string timestamp to be a String, but found ${typeName(v)}`);
      try {
        return s.format!.parse(v);
      } catch {
        throw new DataException(`Could not parse timestamp: value (${v}) does not match pattern (${s.pattern})`);
      }
    case 'unix':
      if (typeof v !== 'number' || !Number.isInteger(v)) throw new DataException(`Expected Unix timestamp to be a Long, but found ${typeName(v)}`);
      return Math.trunc(v / PER_MS[s.precision]);
    default:
      if (!(v instanceof Date)) throw new DataException(`Expected ${kind} to be a java.util.Date, but found ${typeName(v)}`);
      return v.getTime();
  }
}

/** Milliseconds since the epoch as the target kind. */
function toType(s: Settings, ms: number): unknown {
  switch (s.target) {
    case 'string':
      return s.format!.format(ms);
    case 'unix':
      return Math.trunc(ms * PER_MS[s.precision]);
    case 'Date':
      return new Date(Math.floor(ms / MS_PER_DAY) * MS_PER_DAY);
    case 'Time':
      return new Date(((ms % MS_PER_DAY) + MS_PER_DAY) % MS_PER_DAY);
    default:
      return new Date(ms);
  }
}

function create(part: RecordPart, props: Readonly<Record<string, string>>): Transformation {
  const s = settings(props);
  const { field, target, withDefault } = s;
  const cached = schemaCache<Schema, Schema>();
  const convert = (v: unknown, kind?: Kind): unknown => (v === null || v === undefined ? null : toType(s, toRaw(s, kind ?? inferKind(v), v)));

  const convertStruct = (struct: Struct | null, schema: Schema): Struct | null => {
    if (!struct) return null;
    const out = new Struct(schema);
    for (const f of struct.schema.fields) {
      const v = fieldValue(struct, f.name, withDefault);
      out.put(f.name, f.name === field ? convert(v, kindFromSchema(f.schema)) : v);
    }
    return out;
  };

  return {
    apply(record) {
      const { schema, value } = operating(record, part);
      if (schema === null) {
        if (value === null || field === '') return withPart(record, part, null, convert(value));
        const map = requireMap(value, PURPOSE);
        const updated = mapCopy(map);
        mapSet(updated, field, convert(mapGet(map, field)));
        return withPart(record, part, null, updated);
      }
      if (field === '') return withPart(record, part, TYPE_SCHEMAS[target][schema.optional ? 1 : 0], convert(value, kindFromSchema(schema)));
      const struct = requireStructOrNull(value, PURPOSE);
      const newSchema = cached(schema, () => {
        const b = copySchemaBasics(schema, SchemaBuilder.struct());
        for (const f of schema.fields) b.field(f.name, f.name === field ? TYPE_SCHEMAS[target][f.schema.optional ? 1 : 0] : f.schema);
        if (schema.optional) b.optional();
        const interim = b.build();
        if (schema.defaultValue !== null) b.defaultValue(convertStruct(schema.defaultValue as Struct, interim));
        return b.build();
      });
      return withPart(record, part, newSchema, convertStruct(struct, newSchema));
    },
  };
}

export const timestampConverter = keyValue(
  'TimestampConverter',
  'Convert timestamps between different formats such as Unix epoch, strings, and Connect Date/Timestamp types.Applies to individual fields or to the entire value.',
  CONFIG,
  create,
);
