// HoistField$Key / HoistField$Value: wraps the key or value in a struct (with a schema)
// or a map (without) holding it as its only field, `field`.
import { ConfigDef } from '../config/def.ts';
import { operating, withPart } from '../data/record.ts';
import { SchemaBuilder, Struct, type Schema } from '../data/schema.ts';
import { keyValue, schemaCache } from './transformation.ts';

const CONFIG = new ConfigDef().define({
  name: 'field',
  type: 'STRING',
  importance: 'MEDIUM',
  documentation: 'Field name for the single field that will be created in the resulting Struct or Map.',
});

export const hoistField = keyValue(
  'HoistField',
  'Wrap data using the specified field name in a Struct when schema present, or a Map in the case of schemaless data.',
  CONFIG,
  (part, props) => {
    const field = CONFIG.parse(props).field as string;
    const cached = schemaCache<Schema, Schema>();
    return {
      apply(record) {
        const { schema, value } = operating(record, part);
        if (schema === null) return withPart(record, part, null, { [field]: value });
        const updatedSchema = cached(schema, () => SchemaBuilder.struct().field(field, schema).build());
        return withPart(record, part, updatedSchema, new Struct(updatedSchema).put(field, value));
      },
    };
  },
);
