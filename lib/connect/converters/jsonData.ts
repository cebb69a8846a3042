// The conversions of Kafka's JsonConverter: Connect schemas to and from their JSON form,
// and Connect values to and from JSON values under a schema (or without one).
//
// Schema JSON (what `schemas.enable=true` puts beside each payload):
//
//   {"type":"struct","fields":[{"type":"string","optional":false,"field":"name"}, ...],
//    "optional":false,"name":"...","version":1,"doc":"...","parameters":{...},"default":...}
//   types: boolean int8 int16 int32 int64 float double bytes string
//          array {"items":S} · map {"keys":S,"values":S} · struct {"fields":[...]}
//
// Values: bytes are base64 strings; maps with string keys are objects, other maps arrays
// of [key, value] pairs; Date is days since the epoch, Time ms since midnight, Timestamp
// epoch ms; Decimal base64 of its unscaled bytes, or a number with decimal.format=NUMERIC.
// Without a schema a JSON integer reads as INT64, another number as FLOAT64, an object as
// a MAP, an array as an ARRAY.
import { DataException } from '../data/exceptions.ts';
import {
  Decimal,
  fromLogical,
  isMapValue,
  LOGICAL,
  mapEntries,
  Schema,
  SchemaBuilder,
  schemaEquals,
  Struct,
  toLogical,
  typeName,
  type SchemaType,
} from '../data/schema.ts';
import { inferType, numberString } from '../data/values.ts';
import { jsonKind, JsonNumber, type JsonNode } from './jsonText.ts';

export interface JsonDataOptions {
  decimalFormat: 'BASE64' | 'NUMERIC';
  replaceNullWithDefault: boolean;
}

const TYPE_NAMES: Record<SchemaType, string> = {
  BOOLEAN: 'boolean',
  INT8: 'int8',
  INT16: 'int16',
  INT32: 'int32',
  INT64: 'int64',
  FLOAT32: 'float',
  FLOAT64: 'double',
  BYTES: 'bytes',
  STRING: 'string',
  ARRAY: 'array',
  MAP: 'map',
  STRUCT: 'struct',
};
const BY_NAME = new Map(Object.entries(TYPE_NAMES).map(([t, n]) => [n, t as SchemaType]));

export function asJsonSchema(schema: Schema, opts: JsonDataOptions): { [key: string]: JsonNode } {
  const out: { [key: string]: JsonNode } = { type: TYPE_NAMES[schema.type] };
  if (schema.type === 'ARRAY') out.items = asJsonSchema(schema.valueSchema!, opts);
  if (schema.type === 'MAP') {
    out.keys = asJsonSchema(schema.keySchema!, opts);
    out.values = asJsonSchema(schema.valueSchema!, opts);
  }
  if (schema.type === 'STRUCT') out.fields = schema.fields.map((f) => ({ ...asJsonSchema(f.schema, opts), field: f.name }));
  out.optional = schema.optional;
  if (schema.name !== undefined) out.name = schema.name;
  if (schema.version !== undefined) out.version = schema.version;
  if (schema.doc !== undefined) out.doc = schema.doc;
  if (schema.parameters) out.parameters = { ...schema.parameters };
  if (schema.defaultValue !== null) out.default = toJson(schema, schema.defaultValue, opts);
  return out;
}

export function asConnectSchema(json: unknown, opts: JsonDataOptions): Schema | null {
  if (json === null || json === undefined) return null;
  if (typeof json !== 'object' || Array.isArray(json)) throw new DataException('Schema must contain \'type\' field');
  const j = json as Record<string, unknown>;
  if (typeof j.type !== 'string') throw new DataException("Schema must contain 'type' field");
  const type = BY_NAME.get(j.type);
  if (!type) throw new DataException(`Unknown schema type: ${j.type}`);
  let b: SchemaBuilder;
  if (type === 'ARRAY') {
    if (j.items === null || j.items === undefined) throw new DataException('Array schema did not specify the element type');
    b = SchemaBuilder.array(asConnectSchema(j.items, opts)!);
  } else if (type === 'MAP') {
    if (j.keys === undefined) throw new DataException('Map schema did not specify the key type');
    if (j.values === undefined) throw new DataException('Map schema did not specify the value type');
    b = SchemaBuilder.map(asConnectSchema(j.keys, opts)!, asConnectSchema(j.values, opts)!);
  } else if (type === 'STRUCT') {
    b = SchemaBuilder.struct();
    if (!Array.isArray(j.fields)) throw new DataException('Struct schema\'s "fields" argument is not an array.');
    for (const f of j.fields as Record<string, unknown>[]) {
      if (typeof f?.field !== 'string') throw new DataException("Struct schema's field name not specified properly");
      b.field(f.field, asConnectSchema(f, opts)!);
    }
  } else {
    b = SchemaBuilder.type(type);
  }
  if (j.optional === true) b.optional();
  if (typeof j.name === 'string') b.name(j.name);
  if (typeof j.version === 'number' && Number.isInteger(j.version)) b.version(j.version);
  if (typeof j.doc === 'string') b.doc(j.doc);
  if (j.parameters && typeof j.parameters === 'object' && !Array.isArray(j.parameters)) {
    for (const [k, v] of Object.entries(j.parameters as Record<string, unknown>)) {
      if (typeof v !== 'string') throw new DataException('Schema parameters must have string values.');
      b.parameter(k, v);
    }
  }
  if (j.default !== undefined) b.defaultValue(toConnect(b.build(), j.default, opts));
  return b.build();
}

/** A Connect value as JSON (Kafka's convertToJson). */
export function toJson(schema: Schema | null, value: unknown, opts: JsonDataOptions): JsonNode {
  if (value === null || value === undefined) {
    if (!schema) return null;
    if (schema.defaultValue !== null && opts.replaceNullWithDefault) return toJson(schema, schema.defaultValue, opts);
    if (schema.optional) return null;
    throw new DataException('Conversion error: null value for field that is required and has no default value');
  }
  if (schema?.name !== undefined && isLogical(schema.name)) return logicalToJson(schema, value, opts);
  const type = schema ? schema.type : inferType(value);
  if (!type) throw new DataException(`Java class ${typeName(value)} does not have corresponding schema type.`);
  const invalid = () => new DataException(`Invalid type for ${schema ? schema.type : 'unknown schema'}: ${typeName(value)}`);
  switch (type) {
    case 'INT8':
    case 'INT16':
    case 'INT32':
    case 'INT64':
    case 'FLOAT32':
    case 'FLOAT64':
      if (typeof value !== 'number') throw invalid();
      return type.startsWith('FLOAT') ? new JsonNumber(numberString(value, type)) : value;
    case 'BOOLEAN':
      if (typeof value !== 'boolean') throw invalid();
      return value;
    case 'STRING':
      if (typeof value !== 'string') throw invalid();
      return value;
    case 'BYTES':
      if (!(value instanceof Uint8Array)) throw new DataException(`Invalid type for bytes type: ${typeName(value)}`);
      return Buffer.from(value).toString('base64');
    case 'ARRAY':
      if (!Array.isArray(value)) throw invalid();
      return value.map((e) => toJson(schema?.valueSchema ?? null, e, opts));
    case 'MAP':
      return mapToJson(schema, value, opts, invalid);
    case 'STRUCT': {
      if (!(value instanceof Struct)) throw invalid();
      if (!schemaEquals(value.schema, schema)) throw new DataException('Mismatching schema.');
      const obj: { [key: string]: JsonNode } = {};
      for (const f of schema!.fields) obj[f.name] = toJson(f.schema, value.getWithoutDefault(f.name), opts);
      return obj;
    }
  }
}

function mapToJson(schema: Schema | null, value: unknown, opts: JsonDataOptions, invalid: () => Error): JsonNode {
  if (!isMapValue(value)) throw invalid();
  const entries = mapEntries(value);
  const objectMode = schema ? schema.keySchema!.type === 'STRING' : entries.every(([k]) => typeof k === 'string');
  const keySchema = schema?.keySchema ?? null;
  const valueSchema = schema?.valueSchema ?? null;
  if (!objectMode) return entries.map(([k, v]) => [toJson(keySchema, k, opts), toJson(valueSchema, v, opts)]);
  const obj: { [key: string]: JsonNode } = {};
  for (const [k, v] of entries) {
    const key = toJson(keySchema, k, opts);
    obj[key instanceof JsonNumber ? key.text : String(key)] = toJson(valueSchema, v, opts);
  }
  return obj;
}

const isLogical = (name: string) => name === LOGICAL.decimal || name === LOGICAL.date || name === LOGICAL.time || name === LOGICAL.timestamp;

function logicalToJson(schema: Schema, value: unknown, opts: JsonDataOptions): JsonNode {
  if (schema.name === LOGICAL.decimal) {
    if (!(value instanceof Decimal)) throw new DataException(`Invalid type for Decimal, expected Decimal but was ${typeName(value)}`);
    if (opts.decimalFormat === 'NUMERIC') return new JsonNumber(value.toString());
    return (fromLogical(schema, value) as Buffer).toString('base64');
  }
  return fromLogical(schema, value) as number;
}

/** A JSON value as Connect data under `schema` (Kafka's convertToConnect). */
export function toConnect(schema: Schema | null, json: unknown, opts: JsonDataOptions): unknown {
  if (schema) {
    if (json === null || json === undefined) {
      if (schema.defaultValue !== null && opts.replaceNullWithDefault) return schema.defaultValue;
      if (schema.optional) return null;
      throw new DataException(`Invalid null value for required ${schema.type} field`);
    }
    if (schema.name !== undefined && isLogical(schema.name)) return logicalToConnect(schema, json);
    return typedToConnect(schema, json, opts);
  }
  switch (jsonKind(json)) {
    case 'null':
      return null;
    case 'array':
      return (json as unknown[]).map((e) => toConnect(null, e, opts));
    case 'object': {
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(json as object)) out[k] = toConnect(null, v, opts);
      return out;
    }
    default:
      return json;
  }
}

function typedToConnect(schema: Schema, json: unknown, opts: JsonDataOptions): unknown {
  const expect = (kind: string) => new DataException(`Invalid value for ${schema.type} field: expected ${kind} but found ${jsonKind(json)}`);
  switch (schema.type) {
    case 'BOOLEAN':
      if (typeof json !== 'boolean') throw expect('a boolean');
      return json;
    case 'INT8':
    case 'INT16':
    case 'INT32':
    case 'INT64': {
      if (typeof json !== 'number') throw expect('a number');
      const n = Math.trunc(json);
      if (schema.type === 'INT8') return (n << 24) >> 24;
      if (schema.type === 'INT16') return (n << 16) >> 16;
      if (schema.type === 'INT32') return n | 0;
      return n;
    }
    case 'FLOAT32':
      if (typeof json !== 'number') throw expect('a number');
      return Math.fround(json);
    case 'FLOAT64':
      if (typeof json !== 'number') throw expect('a number');
      return json;
    case 'BYTES':
      if (typeof json !== 'string') throw new DataException('Invalid bytes field');
      return Buffer.from(json, 'base64');
    case 'STRING':
      if (typeof json !== 'string') throw expect('a string');
      return json;
    case 'ARRAY':
      if (!Array.isArray(json)) throw expect('an array');
      return json.map((e) => toConnect(schema.valueSchema!, e, opts));
    case 'MAP':
      return mapToConnect(schema, json, opts);
    case 'STRUCT': {
      if (jsonKind(json) !== 'object') throw new DataException(`Structs should be encoded as JSON objects, but found ${jsonKind(json).toUpperCase()}`);
      const struct = new Struct(schema);
      for (const f of schema.fields) struct.put(f, toConnect(f.schema, (json as Record<string, unknown>)[f.name], opts));
      return struct;
    }
  }
}

function mapToConnect(schema: Schema, json: unknown, opts: JsonDataOptions): unknown {
  if (schema.keySchema!.type === 'STRING') {
    if (jsonKind(json) !== 'object') throw new DataException(`Maps with string fields should be encoded as JSON objects, but found ${jsonKind(json).toUpperCase()}`);
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(json as object)) out[k] = toConnect(schema.valueSchema!, v, opts);
    return out;
  }
  if (!Array.isArray(json)) throw new DataException(`Maps with non-string fields should be encoded as JSON array of tuples, but found ${jsonKind(json).toUpperCase()}`);
  const out = new Map<unknown, unknown>();
  for (const entry of json) {
    if (!Array.isArray(entry)) throw new DataException(`Found invalid map entry instead of array tuple: ${jsonKind(entry).toUpperCase()}`);
    if (entry.length !== 2) throw new DataException(`Found invalid map entry, expected length 2 but found :${entry.length}`);
    out.set(toConnect(schema.keySchema!, entry[0], opts), toConnect(schema.valueSchema!, entry[1], opts));
  }
  return out;
}

function logicalToConnect(schema: Schema, json: unknown): unknown {
  switch (schema.name) {
    case LOGICAL.decimal:
      if (typeof json === 'number') return Decimal.parse(String(json)).rescale(Number(schema.parameters?.scale ?? 0));
      if (typeof json === 'string') return toLogical(schema, Buffer.from(json, 'base64'));
      throw new DataException(`Invalid type for Decimal, underlying representation should be numeric or bytes but was ${jsonKind(json).toUpperCase()}`);
    case LOGICAL.date:
    case LOGICAL.time:
      if (typeof json !== 'number' || !Number.isInteger(json)) {
        throw new DataException(`Invalid type for ${schema.name === LOGICAL.date ? 'Date' : 'Time'}, underlying representation should be integer but was ${jsonKind(json).toUpperCase()}`);
      }
      return toLogical(schema, json);
    default:
      if (typeof json !== 'number' || !Number.isInteger(json)) {
        throw new DataException(`Invalid type for Timestamp, underlying representation should be integral but was ${jsonKind(json).toUpperCase()}`);
      }
      return toLogical(schema, json);
  }
}
