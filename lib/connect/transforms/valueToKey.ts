// ValueToKey: replaces the key with a new one made of `fields` of the value: a map
// without a schema, a struct with one (each field keeps its schema; a field the value's
// schema lacks is a DataException).
import { ConfigDef } from '../config/def.ts';
import { NonEmptyListValidator } from '../config/validators.ts';
import { DataException } from '../data/exceptions.ts';
import { withKey } from '../data/record.ts';
import { SchemaBuilder, Struct, type Schema } from '../data/schema.ts';
import { fieldValue, mapGet, REPLACE_NULL_WITH_DEFAULT, requireMap, requireStruct, schemaCache, transformPlugin } from './transformation.ts';

const CONFIG = new ConfigDef()
  .define({ name: 'fields', type: 'LIST', validator: NonEmptyListValidator, importance: 'HIGH', documentation: 'Field names on the record value to extract as the record key.' })
  .define(REPLACE_NULL_WITH_DEFAULT);

const PURPOSE = 'copying fields from value to key';

export const valueToKey = transformPlugin(
  'ValueToKey',
  'Replace the record key with a new key formed from a subset of fields in the record value.',
  CONFIG,
  (props) => {
    const c = CONFIG.parse(props);
    const fields = c.fields as string[];
    const withDefault = c['replace.null.with.default'] as boolean;
    const cached = schemaCache<Schema, Schema>();
    return {
      apply(record) {
        if (record.valueSchema === null) {
          const value = requireMap(record.value, PURPOSE);
          const key: Record<string, unknown> = {};
          for (const f of fields) key[f] = mapGet(value, f);
          return withKey(record, null, key);
        }
        const value = requireStruct(record.value, PURPOSE);
        const keySchema = cached(value.schema, () => {
          const b = SchemaBuilder.struct();
          for (const f of fields) {
            const field = value.schema.field(f);
            if (!field) throw new DataException(`Field does not exist: ${f}`);
            b.field(f, field.schema);
          }
          return b.build();
        });
        const key = new Struct(keySchema);
        for (const f of fields) key.put(f, fieldValue(value, f, withDefault));
        return withKey(record, keySchema, key);
      },
    };
  },
);
