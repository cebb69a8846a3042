// Kafka Connect's data model: schemas (ConnectSchema, SchemaBuilder), the logical types
// Date, Time, Timestamp and Decimal, and Struct. Converters turn bytes into these values
// and back; transforms rewrite them. The rules are Kafka's (org.apache.kafka.connect.data):
// a value is checked against its schema when it is put into a Struct, null is allowed
// only in optional schemas, and Struct.get answers a field's default for a null.
//
// Values in JavaScript:
//   INT8 INT16 INT32 INT64 FLOAT32 FLOAT64   number (INT64: exact below 2^53)
//   BOOLEAN boolean · STRING string · BYTES Uint8Array (Buffer)
//   ARRAY Array · MAP a plain object (string keys) or a Map (any keys) · STRUCT Struct
//   Date / Time / Timestamp: Date · Decimal: Decimal (unscaled bigint, scale)
import { DataException, SchemaBuilderException } from './exceptions.ts';
import { Decimal } from './logical.ts';

export { Decimal, decimalScale, fromLogical, toLogical } from './logical.ts';

export type SchemaType =
  | 'INT8'
  | 'INT16'
  | 'INT32'
  | 'INT64'
  | 'FLOAT32'
  | 'FLOAT64'
  | 'BOOLEAN'
  | 'STRING'
  | 'BYTES'
  | 'ARRAY'
  | 'MAP'
  | 'STRUCT';

export const PRIMITIVE_TYPES: readonly SchemaType[] = ['INT8', 'INT16', 'INT32', 'INT64', 'FLOAT32', 'FLOAT64', 'BOOLEAN', 'STRING', 'BYTES'];

export interface Field {
  readonly name: string;
  readonly index: number;
  readonly schema: Schema;
}

export interface SchemaProps {
  type: SchemaType;
  optional?: boolean;
  defaultValue?: unknown;
  name?: string;
  version?: number;
  doc?: string;
  parameters?: Record<string, string>;
  fields?: readonly { name: string; schema: Schema }[];
  keySchema?: Schema;
  valueSchema?: Schema;
}

/** An immutable schema (Kafka's ConnectSchema). Build one with SchemaBuilder. */
export class Schema {
  readonly type: SchemaType;
  readonly optional: boolean;
  readonly defaultValue: unknown;
  readonly name: string | undefined;
  readonly version: number | undefined;
  readonly doc: string | undefined;
  readonly parameters: Readonly<Record<string, string>> | undefined;
  readonly fields: readonly Field[];
  readonly keySchema: Schema | undefined;
  readonly valueSchema: Schema | undefined;
  private readonly byName: ReadonlyMap<string, Field>;

  constructor(p: SchemaProps) {
    this.type = p.type;
    this.optional = p.optional ?? false;
    this.defaultValue = p.defaultValue ?? null;
    this.name = p.name;
    this.version = p.version;
    this.doc = p.doc;
    this.parameters = p.parameters;
    this.fields = (p.fields ?? []).map((f, index) => ({ name: f.name, index, schema: f.schema }));
    this.keySchema = p.keySchema;
    this.valueSchema = p.valueSchema;
    this.byName = new Map(this.fields.map((f) => [f.name, f]));
    const dflt: unknown = p.defaultValue ?? null;
    if (dflt !== null) validateValue(this, dflt, undefined);
  }

  /** The struct field of that name (structs only). */
  field(name: string): Field | undefined {
    if (this.type !== 'STRUCT') throw new DataException('Cannot look up fields on non-struct type');
    return this.byName.get(name);
  }

  toString(): string {
    return this.name ? `Schema{${this.name}:${this.type}}` : `Schema{${this.type}}`;
  }
}

/** Kafka's SchemaBuilder: a mutable description that builds an immutable Schema. */
export class SchemaBuilder {
  private props: SchemaProps;
  private readonly fieldList: { name: string; schema: Schema }[] = [];

  constructor(type: SchemaType) {
    this.props = { type };
  }

  static int8 = () => new SchemaBuilder('INT8');
  static int16 = () => new SchemaBuilder('INT16');
  static int32 = () => new SchemaBuilder('INT32');
  static int64 = () => new SchemaBuilder('INT64');
  static float32 = () => new SchemaBuilder('FLOAT32');
  static float64 = () => new SchemaBuilder('FLOAT64');
  static bool = () => new SchemaBuilder('BOOLEAN');
  static string = () => new SchemaBuilder('STRING');
  static bytes = () => new SchemaBuilder('BYTES');
  static struct = () => new SchemaBuilder('STRUCT');
  static type = (t: SchemaType) => new SchemaBuilder(t);
  static array(valueSchema: Schema): SchemaBuilder {
    const b = new SchemaBuilder('ARRAY');
    b.props.valueSchema = valueSchema;
    return b;
  }
  static map(keySchema: Schema, valueSchema: Schema): SchemaBuilder {
    const b = new SchemaBuilder('MAP');
    b.props.keySchema = keySchema;
    b.props.valueSchema = valueSchema;
    return b;
  }

  get type(): SchemaType {
    return this.props.type;
  }
  get keySchema(): Schema | undefined {
    return this.props.keySchema;
  }
  get valueSchema(): Schema | undefined {
    return this.props.valueSchema;
  }
  get fields(): readonly { name: string; schema: Schema }[] {
    return this.fieldList;
  }
  optional(): this {
    this.props.optional = true;
    return this;
  }
  required(): this {
    this.props.optional = false;
    return this;
  }
  name(name: string): this {
    this.props.name = name;
    return this;
  }
  version(version: number): this {
    this.props.version = version;
    return this;
  }
  doc(doc: string): this {
    this.props.doc = doc;
    return this;
  }
  parameter(key: string, value: string): this {
    this.props.parameters = { ...this.props.parameters, [key]: value };
    return this;
  }
  parameters(params: Record<string, string>): this {
    this.props.parameters = { ...this.props.parameters, ...params };
    return this;
  }
  defaultValue(value: unknown): this {
    this.props.defaultValue = value;
    return this;
  }
  field(name: string, schema: Schema): this {
    if (this.props.type !== 'STRUCT') throw new SchemaBuilderException('Cannot create fields on type ' + this.props.type);
    if (this.fieldList.some((f) => f.name === name)) throw new SchemaBuilderException(`Cannot create field because of field name duplication ${name}`);
    this.fieldList.push({ name, schema });
    return this;
  }

  build(): Schema {
    const { defaultValue, ...rest } = this.props;
    const schema = new Schema({ ...rest, fields: this.fieldList });
    if (defaultValue === undefined || defaultValue === null) return schema;
    try {
      return new Schema({ ...rest, fields: this.fieldList, defaultValue });
    } catch (err) {
      throw new SchemaBuilderException(`Invalid default value: ${(err as Error).message}`);
    }
  }

  /** Kafka's builder is itself a Schema; here build() is called where one is needed. */
  schema(): Schema {
    return this.build();
  }
}

// ---- logical types ---------------------------------------------------------------------

export const LOGICAL = {
  decimal: 'org.apache.kafka.connect.data.Decimal',
  date: 'org.apache.kafka.connect.data.Date',
  time: 'org.apache.kafka.connect.data.Time',
  timestamp: 'org.apache.kafka.connect.data.Timestamp',
} as const;

/** Builders of the logical types, as Kafka's Date.builder() and friends. */
export const Logical = {
  decimal: (scale: number) => SchemaBuilder.bytes().name(LOGICAL.decimal).parameter('scale', String(scale)).version(1),
  date: () => SchemaBuilder.int32().name(LOGICAL.date).version(1),
  time: () => SchemaBuilder.int32().name(LOGICAL.time).version(1),
  timestamp: () => SchemaBuilder.int64().name(LOGICAL.timestamp).version(1),
};

// ---- checks ------------------------------------------------------------------------------

const INT_RANGES: Partial<Record<SchemaType, [number, number]>> = {
  INT8: [-128, 127],
  INT16: [-32768, 32767],
  INT32: [-2147483648, 2147483647],
  INT64: [Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER],
};

/** A short name for a JavaScript value's kind, for messages. */
export function typeName(value: unknown): string {
  if (value === null) return 'null';
  if (value instanceof Uint8Array) return 'bytes';
  if (Array.isArray(value)) return 'array';
  if (value instanceof Struct) return 'Struct';
  if (value instanceof Date) return 'Date';
  if (value instanceof Decimal) return 'Decimal';
  if (value instanceof Map) return 'map';
  return typeof value;
}

export const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && Object.getPrototypeOf(v) === Object.prototype;

export const isMapValue = (v: unknown): v is Record<string, unknown> | Map<unknown, unknown> => v instanceof Map || isPlainObject(v);

/** Entries of a map value, whichever form it has. */
export function mapEntries(v: Record<string, unknown> | Map<unknown, unknown>): [unknown, unknown][] {
  return v instanceof Map ? [...v.entries()] : Object.entries(v);
}

/** Kafka's ConnectSchema.validateValue: throws DataException when `value` does not fit `schema`. */
export function validateValue(schema: Schema, value: unknown, field: string | undefined): void {
  if (value === null || value === undefined) {
    if (!schema.optional) {
      throw new DataException(
        field === undefined
          ? `Invalid value: null used for required field of type ${schema.type}`
          : `Invalid value: null used for required field: "${field}", schema type: ${schema.type}`,
      );
    }
    return;
  }
  const where = field === undefined ? '' : ` for field: "${field}"`;
  const bad = () => new DataException(`Invalid Java object for schema "${schema.name ?? schema.type}" with type ${schema.type}: ${typeName(value)}${where}`);
  if (schema.name === LOGICAL.date || schema.name === LOGICAL.time || schema.name === LOGICAL.timestamp) {
    if (!(value instanceof Date)) throw bad();
    return;
  }
  if (schema.name === LOGICAL.decimal) {
    if (!(value instanceof Decimal)) throw bad();
    return;
  }
  const range = INT_RANGES[schema.type];
  switch (schema.type) {
    case 'INT8':
    case 'INT16':
    case 'INT32':
    case 'INT64':
      if (typeof value !== 'number' || !Number.isInteger(value) || value < range![0] || value > range![1]) throw bad();
      return;
    case 'FLOAT32':
    case 'FLOAT64':
      if (typeof value !== 'number') throw bad();
      return;
    case 'BOOLEAN':
      if (typeof value !== 'boolean') throw bad();
      return;
    case 'STRING':
      if (typeof value !== 'string') throw bad();
      return;
    case 'BYTES':
      if (!(value instanceof Uint8Array)) throw bad();
      return;
    case 'ARRAY':
      if (!Array.isArray(value)) throw bad();
      for (const e of value) validateValue(schema.valueSchema!, e, field);
      return;
    case 'MAP':
      if (!isMapValue(value)) throw bad();
      for (const [k, v] of mapEntries(value)) {
        validateValue(schema.keySchema!, k, field);
        validateValue(schema.valueSchema!, v, field);
      }
      return;
    case 'STRUCT':
      if (!(value instanceof Struct)) throw bad();
      if (!sameStructure(value.schema, schema)) throw new DataException(`Struct schemas do not match.${where}`);
      value.validate();
      return;
  }
}

/** Kafka's ConnectSchema.equals: same type, flags, metadata, default and children. */
export function schemaEquals(a: Schema | null | undefined, b: Schema | null | undefined): boolean {
  if (a === b) return true;
  if (!a || !b) return false;
  if (a.type !== b.type || a.optional !== b.optional || a.name !== b.name || a.version !== b.version || a.doc !== b.doc) return false;
  if (JSON.stringify(a.parameters ?? null) !== JSON.stringify(b.parameters ?? null)) return false;
  if (!valuesEqual(a.defaultValue, b.defaultValue)) return false;
  if (!schemaEquals(a.keySchema, b.keySchema) || !schemaEquals(a.valueSchema, b.valueSchema)) return false;
  if (a.fields.length !== b.fields.length) return false;
  return a.fields.every((f, i) => f.name === b.fields[i]!.name && schemaEquals(f.schema, b.fields[i]!.schema));
}

/**
 * A struct fits a struct schema that is the same but for its own optional flag and
 * default: Kafka compares against the (mutable) builder, which lets a struct schema's
 * default be a struct of that very schema; immutable schemas need this to allow it.
 */
function sameStructure(a: Schema, b: Schema): boolean {
  if (a === b) return true;
  if (a.type !== b.type || a.name !== b.name || a.version !== b.version || a.doc !== b.doc) return false;
  if (JSON.stringify(a.parameters ?? null) !== JSON.stringify(b.parameters ?? null)) return false;
  return a.fields.length === b.fields.length && a.fields.every((f, i) => f.name === b.fields[i]!.name && schemaEquals(f.schema, b.fields[i]!.schema));
}

/** Deep equality of Connect values (bytes by content, structs by schema and fields). */
export function valuesEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (a === null || b === null || a === undefined || b === undefined) return false;
  if (a instanceof Uint8Array && b instanceof Uint8Array) return Buffer.from(a).equals(Buffer.from(b));
  if (a instanceof Date && b instanceof Date) return a.getTime() === b.getTime();
  if (a instanceof Decimal && b instanceof Decimal) return a.unscaled === b.unscaled && a.scale === b.scale;
  if (a instanceof Struct && b instanceof Struct) {
    return schemaEquals(a.schema, b.schema) && a.schema.fields.every((f) => valuesEqual(a.getWithoutDefault(f.name), b.getWithoutDefault(f.name)));
  }
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => valuesEqual(x, b[i]));
  if (isMapValue(a) && isMapValue(b)) {
    const ea = mapEntries(a);
    const eb = new Map(mapEntries(b));
    return ea.length === eb.size && ea.every(([k, v]) => eb.has(k) && valuesEqual(v, eb.get(k)));
  }
  return false;
}

/** Kafka's Struct: values by field, checked against the schema when put. */
export class Struct {
  private readonly values: unknown[];

  constructor(readonly schema: Schema) {
    if (schema.type !== 'STRUCT') throw new DataException(`Not a struct schema: ${schema}`);
    this.values = new Array<unknown>(schema.fields.length).fill(null);
  }

  private lookup(field: string | Field): Field {
    const f = typeof field === 'string' ? this.schema.field(field) : field;
    if (!f) throw new DataException(`${String(field)} is not a valid field name`);
    return f;
  }

  /** The field's value, or its schema's default when the value is null. */
  get(field: string | Field): unknown {
    const f = this.lookup(field);
    const v = this.values[f.index];
    return v === null || v === undefined ? f.schema.defaultValue : v;
  }

  /** The field's value as put, null included. */
  getWithoutDefault(field: string | Field): unknown {
    return this.values[this.lookup(field).index] ?? null;
  }

  getStruct(field: string): Struct | null {
    const v = this.get(field);
    if (v !== null && !(v instanceof Struct)) throw new DataException(`Field '${field}' is not a Struct`);
    return v as Struct | null;
  }

  put(field: string | Field, value: unknown): this {
    const f = this.lookup(field);
    validateValue(f.schema, value, f.name);
    this.values[f.index] = value ?? null;
    return this;
  }

  /** Throws DataException when a required field without a default is null. */
  validate(): void {
    for (const f of this.schema.fields) validateValue(f.schema, this.values[f.index] ?? f.schema.defaultValue, f.name);
  }

  toString(): string {
    return `Struct{${this.schema.fields
      .filter((f) => this.values[f.index] !== null)
      .map((f) => `${f.name}=${String(this.values[f.index])}`)
      .join(',')}}`;
  }
}

/** The predefined schemas of Kafka's Schema interface. */
export const Schemas = {
  INT8: SchemaBuilder.int8().build(),
  INT16: SchemaBuilder.int16().build(),
  INT32: SchemaBuilder.int32().build(),
  INT64: SchemaBuilder.int64().build(),
  FLOAT32: SchemaBuilder.float32().build(),
  FLOAT64: SchemaBuilder.float64().build(),
  BOOLEAN: SchemaBuilder.bool().build(),
  STRING: SchemaBuilder.string().build(),
  BYTES: SchemaBuilder.bytes().build(),
  OPTIONAL_INT8: SchemaBuilder.int8().optional().build(),
  OPTIONAL_INT16: SchemaBuilder.int16().optional().build(),
  OPTIONAL_INT32: SchemaBuilder.int32().optional().build(),
  OPTIONAL_INT64: SchemaBuilder.int64().optional().build(),
  OPTIONAL_FLOAT32: SchemaBuilder.float32().optional().build(),
  OPTIONAL_FLOAT64: SchemaBuilder.float64().optional().build(),
  OPTIONAL_BOOLEAN: SchemaBuilder.bool().optional().build(),
  OPTIONAL_STRING: SchemaBuilder.string().optional().build(),
  OPTIONAL_BYTES: SchemaBuilder.bytes().optional().build(),
  TIMESTAMP: Logical.timestamp().build(),
  OPTIONAL_TIMESTAMP: Logical.timestamp().optional().build(),
  DATE: Logical.date().build(),
  OPTIONAL_DATE: Logical.date().optional().build(),
  TIME: Logical.time().build(),
  OPTIONAL_TIME: Logical.time().optional().build(),
} as const;

/** Kafka's SchemaUtil.copySchemaBasics: name, version, doc and parameters onto a builder. */
export function copySchemaBasics(source: Schema, builder: SchemaBuilder = SchemaBuilder.type(source.type)): SchemaBuilder {
  if (source.name !== undefined) builder.name(source.name);
  if (source.version !== undefined) builder.version(source.version);
  if (source.doc !== undefined) builder.doc(source.doc);
  if (source.parameters) builder.parameters({ ...source.parameters });
  return builder;
}

/** A builder with everything of `schema` (type, flags, metadata, default, children). */
export function builderOf(schema: Schema): SchemaBuilder {
  const b =
    schema.type === 'ARRAY'
      ? SchemaBuilder.array(schema.valueSchema!)
      : schema.type === 'MAP'
        ? SchemaBuilder.map(schema.keySchema!, schema.valueSchema!)
        : SchemaBuilder.type(schema.type);
  copySchemaBasics(schema, b);
  for (const f of schema.fields) b.field(f.name, f.schema);
  if (schema.optional) b.optional();
  if (schema.defaultValue !== null) b.defaultValue(schema.defaultValue);
  return b;
}
