// Cast$Key / Cast$Value: casts fields (`spec=field:type,...`) or the whole key or value
// (`spec=type`) to int8, int16, int32, int64, float32, float64, boolean or string. Inputs
// may be any of those and bytes (bytes only to string, as base64); logical types are cast
// from their underlying value (a Timestamp to int64 is its epoch ms), or to string in
// ISO-8601. Integer casts narrow as Java's do (300 to int8 is 44); text must parse.
import { ConfigDef } from '../config/def.ts';
import { LambdaValidator } from '../config/validators.ts';
import { ConfigException, DataException } from '../data/exceptions.ts';
import { operating, withPart, type RecordPart } from '../data/record.ts';
import { copySchemaBasics, Decimal, fromLogical, SchemaBuilder, Struct, typeName, type Schema, type SchemaType } from '../data/schema.ts';
import { inferType, isoDateString, numberString } from '../data/values.ts';
import { fieldValue, keyValue, mapCopy, mapGet, mapSet, REPLACE_NULL_WITH_DEFAULT, requireMap, requireStruct, schemaCache, type Transformation } from './transformation.ts';

const INPUT: readonly SchemaType[] = ['INT8', 'INT16', 'INT32', 'INT64', 'FLOAT32', 'FLOAT64', 'BOOLEAN', 'STRING', 'BYTES'];
const OUTPUT: readonly SchemaType[] = ['INT8', 'INT16', 'INT32', 'INT64', 'FLOAT32', 'FLOAT64', 'BOOLEAN', 'STRING'];
/** The key under which a whole-value cast is kept (no field has this name). */
const WHOLE = '\u0000whole';

function outputType(text: string): SchemaType {
  const t = text.trim().toUpperCase() as SchemaType;
  if (!(['INT8', 'INT16', 'INT32', 'INT64', 'FLOAT32', 'FLOAT64', 'BOOLEAN', 'STRING', 'BYTES', 'ARRAY', 'MAP', 'STRUCT'] as string[]).includes(t)) {
    throw new ConfigException(`Invalid type found in casting spec: ${text.trim()}`);
  }
  if (!OUTPUT.includes(t)) throw new ConfigException(`Cast transformation does not support casting to ${t}; supported types are [${OUTPUT.join(', ')}]`);
  return t;
}

export function parseFieldTypes(mappings: readonly string[]): Map<string, SchemaType> {
  const m = new Map<string, SchemaType>();
  let whole = false;
  for (const mapping of mappings) {
    const parts = mapping.split(':');
    if (parts.length > 2) throw new ConfigException('renames', mappings.join(','), `Invalid rename mapping: ${mapping}`);
    if (parts.length === 1) {
      m.set(WHOLE, outputType(parts[0]!));
      whole = true;
    } else {
      m.set(parts[0]!.trim(), outputType(parts[1]!));
    }
  }
  if (whole && mappings.length > 1) {
    throw new ConfigException('Cast transformations that specify a type to cast the entire value to may only specify a single cast in their spec');
  }
  return m;
}

const CONFIG = new ConfigDef()
  .define({
    name: 'spec',
    type: 'LIST',
    validator: LambdaValidator.with(
      (_name, value) => {
        if (!Array.isArray(value) || value.length === 0) throw new ConfigException('Must specify at least one field to cast.');
        parseFieldTypes(value as string[]);
      },
      () => 'list of colon-delimited pairs, e.g. <code>foo:bar,abc:xyz</code>',
    ),
    importance: 'HIGH',
    documentation:
      'List of fields and the type to cast them to of the form field1:type,field2:type to cast fields of Maps or Structs. A single type to cast the entire value. Valid types are int8, int16, int32, int64, float32, float64, boolean, and string. Note that binary fields can only be cast to string.',
  })
  .define(REPLACE_NULL_WITH_DEFAULT);

const PURPOSE = 'cast types';
const BITS: Partial<Record<SchemaType, number>> = { INT8: 8, INT16: 16, INT32: 32 };
const TEXT_LIMITS: Partial<Record<SchemaType, [bigint, bigint]>> = {
  INT8: [-128n, 127n],
  INT16: [-32768n, 32767n],
  INT32: [-2147483648n, 2147483647n],
  INT64: [-9223372036854775808n, 9223372036854775807n],
};

/** Java's narrowing: a number to int (saturating), then to the width (wrapping). */
function narrow(n: number, type: SchemaType): number {
  const i = Math.trunc(n);
  if (type === 'INT64') return i;
  const saturated = Math.max(-2147483648, Math.min(2147483647, Number.isNaN(i) ? 0 : i));
  const bits = BITS[type]!;
  return bits === 32 ? saturated | 0 : (saturated << (32 - bits)) >> (32 - bits);
}

function parseIntText(text: string, type: SchemaType): number {
  const [min, max] = TEXT_LIMITS[type]!;
  if (!/^[+-]?\d+$/.test(text)) throw new RangeError(text);
  const n = BigInt(text);
  if (n < min || n > max) throw new RangeError(text);
  return Number(n);
}

function castTo(value: unknown, target: SchemaType, from: SchemaType): unknown {
  const unexpected = () => new DataException(`Unexpected type in Cast transformation: ${typeName(value)}`);
  const num = value instanceof Decimal ? value.toNumber() : value;
  switch (target) {
    case 'INT8':
    case 'INT16':
    case 'INT32':
    case 'INT64':
      if (typeof num === 'number') return narrow(num, target);
      if (typeof num === 'boolean') return num ? 1 : 0;
      if (typeof num === 'string') return parseIntText(num, target);
      throw unexpected();
    case 'FLOAT32':
    case 'FLOAT64': {
      let n: number;
      if (typeof num === 'number') n = num;
      else if (typeof num === 'boolean') n = num ? 1 : 0;
      else if (typeof num === 'string') {
        n = Number(num.trim());
        if (num.trim() === '' || (Number.isNaN(n) && num.trim() !== 'NaN')) throw new RangeError(num);
      } else throw unexpected();
      return target === 'FLOAT32' ? Math.fround(n) : n;
    }
    case 'BOOLEAN':
      if (typeof num === 'number') return Math.trunc(num) !== 0;
      if (typeof num === 'boolean') return num;
      if (typeof num === 'string') return num.toLowerCase() === 'true';
      throw unexpected();
    default: // STRING
      if (value instanceof Date) return isoDateString(value);
      if (value instanceof Uint8Array) return Buffer.from(value).toString('base64');
      if (value instanceof Decimal) return value.toString();
      if (typeof value === 'number') return numberString(value, from);
      return String(value);
  }
}

/** Kafka's castValueToType. */
export function castValue(schema: Schema | null, value: unknown, target: SchemaType): unknown {
  if (value === null || value === undefined) return null;
  const inferred = schema ? schema.type : inferType(value);
  if (!inferred) throw new DataException(`Cast transformation was passed a value of type ${typeName(value)} which is not supported by Connect's data API`);
  if (!INPUT.includes(inferred)) throw new DataException(`Cast transformation does not support casting from ${inferred}; supported types are [${INPUT.join(', ')}]`);
  let v: unknown = value;
  if (schema?.name !== undefined && target !== 'STRING' && value instanceof Date) v = fromLogical(schema, value);
  if (inferred === 'BYTES' && target !== 'STRING' && !(v instanceof Decimal)) throw new DataException(`Unexpected type in Cast transformation: ${typeName(v)}`);
  try {
    return castTo(v, target, inferred);
  } catch (err) {
    if (err instanceof RangeError) throw new DataException(`Value (${String(value)}) was out of range for requested data type`, { cause: err });
    throw err;
  }
}

function create(part: RecordPart, props: Readonly<Record<string, string>>): Transformation {
  const c = CONFIG.parse(props);
  const casts = parseFieldTypes(c.spec as string[]);
  const whole = casts.get(WHOLE);
  const withDefault = c['replace.null.with.default'] as boolean;
  const cached = schemaCache<Schema, Schema>();

  const updatedSchema = (schema: Schema): Schema => {
    let b: SchemaBuilder;
    if (whole) {
      b = copySchemaBasics(schema, SchemaBuilder.type(whole));
    } else {
      b = copySchemaBasics(schema, SchemaBuilder.struct());
      for (const f of schema.fields) {
        const to = casts.get(f.name);
        if (!to) {
          b.field(f.name, f.schema);
          continue;
        }
        const fb = SchemaBuilder.type(to);
        if (f.schema.optional) fb.optional();
        if (f.schema.defaultValue !== null) fb.defaultValue(castValue(f.schema, f.schema.defaultValue, to));
        b.field(f.name, fb.build());
      }
    }
    if (schema.optional) b.optional();
    if (schema.defaultValue !== null) b.defaultValue(castValue(schema, schema.defaultValue, b.type));
    return b.build();
  };

  return {
    apply(record) {
      const { schema, value } = operating(record, part);
      if (value === null) return record;
      if (schema === null) {
        if (whole) return withPart(record, part, null, castValue(null, value, whole));
        const map = requireMap(value, PURPOSE);
        const updated = mapCopy(map);
        for (const [field, to] of casts) mapSet(updated, field, castValue(null, mapGet(map, field), to));
        return withPart(record, part, null, updated);
      }
      const newSchema = cached(schema, () => updatedSchema(schema));
      if (whole) return withPart(record, part, newSchema, castValue(schema, value, whole));
      const struct = requireStruct(value, PURPOSE);
      const updated = new Struct(newSchema);
      for (const f of struct.schema.fields) {
        const v = fieldValue(struct, f.name, withDefault);
        const to = casts.get(f.name);
        updated.put(f.name, to ? castValue(f.schema, v, to) : v);
      }
      return withPart(record, part, newSchema, updated);
    },
  };
}

export const cast = keyValue(
  'Cast',
  'Cast fields or the entire key or value to a specific type, e.g. to force an integer field to a smaller width. Cast from integers, floats, boolean and string to any other type, and cast binary to string (base64 encoded).',
  CONFIG,
  create,
);
