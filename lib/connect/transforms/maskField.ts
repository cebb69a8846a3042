// MaskField$Key / MaskField$Value: replaces `fields` with the empty value of their type
// (0, false, "", an empty array or map, the epoch for dates) or with `replacement`,
// converted to the field's numeric or string type. Bytes and structs cannot be masked,
// nor booleans and dates with a replacement: DataException, as in Kafka.
import { ConfigDef } from '../config/def.ts';
import { DataException } from '../data/exceptions.ts';
import { operating, withPart, type RecordPart } from '../data/record.ts';
import { Decimal, LOGICAL, Struct, typeName, type Schema, type SchemaType } from '../data/schema.ts';
import { inferType } from '../data/values.ts';
import { NonEmptyListValidator, NonEmptyString } from '../config/validators.ts';
import {
  fieldValue,
  keyValue,
  mapCopy,
  mapGet,
  mapSet,
  REPLACE_NULL_WITH_DEFAULT,
  requireMap,
  requireStruct,
  type Transformation,
} from './transformation.ts';

const CONFIG = new ConfigDef()
  .define({ name: 'fields', type: 'LIST', validator: NonEmptyListValidator, importance: 'HIGH', documentation: 'Names of fields to mask.' })
  .define({
    name: 'replacement',
    type: 'STRING',
    defaultValue: null,
    validator: NonEmptyString,
    importance: 'LOW',
    documentation: "Custom value replacement, that will be applied to all 'fields' values (numeric or non-empty string values only).",
  })
  .define(REPLACE_NULL_WITH_DEFAULT);

const PURPOSE = 'mask fields';
const INT_TYPES = new Set<SchemaType>(['INT8', 'INT16', 'INT32', 'INT64']);

/** The kind of value for masking: its schema type, a logical name, or its JavaScript kind. */
function kindOf(schema: Schema | undefined, value: unknown): string {
  if (value instanceof Date || schema?.name === LOGICAL.date || schema?.name === LOGICAL.time || schema?.name === LOGICAL.timestamp) return 'Date';
  if (value instanceof Decimal) return 'Decimal';
  return schema?.type ?? inferType(value) ?? typeName(value);
}

function emptyOf(kind: string, value: unknown): unknown {
  if (INT_TYPES.has(kind as SchemaType) || kind === 'FLOAT32' || kind === 'FLOAT64') return 0;
  switch (kind) {
    case 'BOOLEAN':
      return false;
    case 'STRING':
      return '';
    case 'Date':
      return new Date(0);
    case 'Decimal':
      return new Decimal(0n, (value as Decimal).scale);
    case 'ARRAY':
      return [];
    case 'MAP':
      return value instanceof Map ? new Map() : {};
    default:
      throw new DataException(`Cannot mask value of type: ${kind.toLowerCase()}`);
  }
}

function replacementOf(kind: string, value: unknown, replacement: string): unknown {
  if (kind === 'STRING') return replacement;
  if (kind === 'Decimal') {
    try {
      return Decimal.parse(replacement).rescale((value as Decimal).scale);
    } catch (err) {
      throw new DataException(`Unable to convert ${replacement} (class java.lang.String) to number`, { cause: err });
    }
  }
  if (INT_TYPES.has(kind as SchemaType) || kind === 'FLOAT32' || kind === 'FLOAT64') {
    const n = Number(replacement.trim());
    if (replacement.trim() === '' || Number.isNaN(n)) throw new DataException(`Unable to convert ${replacement} (class java.lang.String) to number`);
    return INT_TYPES.has(kind as SchemaType) ? Math.trunc(n) : kind === 'FLOAT32' ? Math.fround(n) : n;
  }
  throw new DataException(`Cannot mask value of type ${kind.toLowerCase()} with custom replacement.`);
}

function create(part: RecordPart, props: Readonly<Record<string, string>>): Transformation {
  const c = CONFIG.parse(props);
  const masked = new Set(c.fields as string[]);
  const replacement = c.replacement as string | null;
  const withDefault = c['replace.null.with.default'] as boolean;
  const mask = (schema: Schema | undefined, value: unknown): unknown => {
    if (value === null || value === undefined) return null;
    const kind = kindOf(schema, value);
    return replacement === null ? emptyOf(kind, value) : replacementOf(kind, value, replacement);
  };
  return {
    apply(record) {
      const { schema, value } = operating(record, part);
      if (schema === null) {
        const map = requireMap(value, PURPOSE);
        const updated = mapCopy(map);
        for (const f of masked) mapSet(updated, f, mask(undefined, mapGet(map, f)));
        return withPart(record, part, null, updated);
      }
      const struct = requireStruct(value, PURPOSE);
      const updated = new Struct(struct.schema);
      for (const f of struct.schema.fields) {
        const v = fieldValue(struct, f.name, withDefault);
        updated.put(f, masked.has(f.name) ? mask(f.schema, v) : v);
      }
      return withPart(record, part, struct.schema, updated);
    },
  };
}

export const maskField = keyValue(
  'MaskField',
  'Mask specified fields with a valid null value for the field type (i.e. 0, false, empty string, and so on). For numeric and string fields, an optional replacement value can be specified that is converted to the correct type.',
  CONFIG,
  create,
);

