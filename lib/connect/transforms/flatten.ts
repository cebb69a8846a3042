// Flatten$Key / Flatten$Value: nested structs (with a schema) or maps (without) become
// one level, each field named by the path of names joined with `delimiter` (default
// "."). Arrays and their contents stay as they are. A field under an optional parent
// becomes optional, and takes its default from the parent's default. A map field in a
// schema'd record is a DataException, as in Kafka.
import { ConfigDef } from '../config/def.ts';
import { DataException } from '../data/exceptions.ts';
import { operating, withPart, type RecordPart } from '../data/record.ts';
import { builderOf, copySchemaBasics, SchemaBuilder, Struct, typeName, type Schema } from '../data/schema.ts';
import { inferType } from '../data/values.ts';
import { keyValue, mapFieldEntries, requireMap, requireStructOrNull, schemaCache, type Transformation } from './transformation.ts';

const CONFIG = new ConfigDef().define({
  name: 'delimiter',
  type: 'STRING',
  defaultValue: '.',
  importance: 'MEDIUM',
  documentation: 'Delimiter to insert between field names from the input record when generating field names for the output record',
});

const PURPOSE = 'flattening';
const LEAVES = new Set(['INT8', 'INT16', 'INT32', 'INT64', 'FLOAT32', 'FLOAT64', 'BOOLEAN', 'STRING', 'BYTES', 'ARRAY']);

function create(part: RecordPart, props: Readonly<Record<string, string>>): Transformation {
  const delimiter = CONFIG.parse(props).delimiter as string;
  const cached = schemaCache<Schema, Schema>();
  const name = (prefix: string, field: string) => (prefix === '' ? field : `${prefix}${delimiter}${field}`);

  const flattenMap = (map: ReturnType<typeof requireMap>, prefix: string, out: Record<string, unknown>) => {
    for (const [key, value] of mapFieldEntries(map)) {
      const field = name(prefix, key);
      if (value === null || value === undefined) {
        out[field] = null;
        continue;
      }
      const type = inferType(value);
      if (!type) throw new DataException(`Flatten transformation was passed a value of type ${typeName(value)} which is not supported by Connect's data API`);
      if (LEAVES.has(type)) out[field] = value;
      else if (type === 'MAP') flattenMap(requireMap(value, PURPOSE), field, out);
      else throw new DataException(`Flatten transformation does not support ${typeName(value)} for record without schemas (for field ${field}).`);
    }
  };

  const buildSchema = (schema: Schema, prefix: string, b: SchemaBuilder, optional: boolean, parentDefault: Struct | null) => {
    for (const f of schema.fields) {
      const field = name(prefix, f.name);
      const fieldOptional = optional || f.schema.optional;
      const dflt = f.schema.defaultValue !== null ? f.schema.defaultValue : parentDefault ? parentDefault.get(f) : null;
      if (LEAVES.has(f.schema.type)) {
        const fb = copySchemaBasics(f.schema, f.schema.type === 'ARRAY' ? builderOf(f.schema) : SchemaBuilder.type(f.schema.type));
        if (fieldOptional) fb.optional();
        if (dflt !== null) fb.defaultValue(dflt);
        b.field(field, fb.build());
      } else if (f.schema.type === 'STRUCT') {
        buildSchema(f.schema, field, b, fieldOptional, dflt as Struct | null);
      } else {
        throw new DataException(`Flatten transformation does not support ${f.schema.type} for record with schemas (for field ${field}).`);
      }
    }
  };

  const buildValue = (struct: Struct | null, prefix: string, out: Struct) => {
    if (!struct) return;
    for (const f of struct.schema.fields) {
      const field = name(prefix, f.name);
      if (LEAVES.has(f.schema.type)) out.put(field, struct.get(f));
      else if (f.schema.type === 'STRUCT') buildValue(struct.getStruct(f.name), field, out);
      else throw new DataException(`Flatten transformation does not support ${f.schema.type} for record with schemas (for field ${field}).`);
    }
  };

  return {
    apply(record) {
      const { schema, value } = operating(record, part);
      if (value === null) return record;
      if (schema === null) {
        const out: Record<string, unknown> = {};
        flattenMap(requireMap(value, PURPOSE), '', out);
        return withPart(record, part, null, out);
      }
      const struct = requireStructOrNull(value, PURPOSE);
      const newSchema = cached(schema, () => {
        const b = copySchemaBasics(schema, SchemaBuilder.struct());
        buildSchema(schema, '', b, schema.optional, schema.defaultValue as Struct | null);
        return b.build();
      });
      const out = new Struct(newSchema);
      buildValue(struct, '', out);
      return withPart(record, part, newSchema, out);
    },
  };
}

export const flatten = keyValue(
  'Flatten',
  "Flatten a nested data structure, generating names for each field by concatenating the field names at each level with a configurable delimiter character. Applies to Struct when schema present, or a Map in the case of schemaless data. Array fields and their contents are not modified. The default delimiter is '.'.",
  CONFIG,
  create,
);
