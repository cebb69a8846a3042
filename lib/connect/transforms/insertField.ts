// InsertField$Key / InsertField$Value: adds fields from the record's metadata (topic,
// partition, offset, timestamp) or a static value. A name ending in `!` makes the field
// required in the new schema, `?` (the default) optional. Offsets exist only on sink
// records. A null key or value passes unchanged.
import { ConfigDef } from '../config/def.ts';
import { ConfigException } from '../data/exceptions.ts';
import { operating, withPart, type ConnectRecord, type RecordPart } from '../data/record.ts';
import { copySchemaBasics, SchemaBuilder, Schemas, Struct, type Schema } from '../data/schema.ts';
import {
  fieldValue,
  keyValue,
  mapCopy,
  mapSet,
  REPLACE_NULL_WITH_DEFAULT,
  requireMap,
  requireSinkRecord,
  requireStruct,
  schemaCache,
  type Transformation,
} from './transformation.ts';

const OPTIONALITY = 'Suffix with <code>!</code> to make this a required field, or <code>?</code> to keep it optional (the default).';
const CONFIG = new ConfigDef()
  .define({ name: 'topic.field', type: 'STRING', defaultValue: null, importance: 'MEDIUM', documentation: `Field name for Kafka topic. ${OPTIONALITY}` })
  .define({ name: 'partition.field', type: 'STRING', defaultValue: null, importance: 'MEDIUM', documentation: `Field name for Kafka partition. ${OPTIONALITY}` })
  .define({ name: 'offset.field', type: 'STRING', defaultValue: null, importance: 'MEDIUM', documentation: `Field name for Kafka offset - only applicable to sink connectors.<br/>${OPTIONALITY}` })
  .define({ name: 'timestamp.field', type: 'STRING', defaultValue: null, importance: 'MEDIUM', documentation: `Field name for record timestamp. ${OPTIONALITY}` })
  .define({ name: 'static.field', type: 'STRING', defaultValue: null, importance: 'MEDIUM', documentation: `Field name for static data field. ${OPTIONALITY}` })
  .define({ name: 'static.value', type: 'STRING', defaultValue: null, importance: 'MEDIUM', documentation: 'Static field value, if field name configured.' })
  .define(REPLACE_NULL_WITH_DEFAULT);

const PURPOSE = 'field insertion';

interface Spec {
  name: string;
  optional: boolean;
}

function spec(text: unknown): Spec | undefined {
  if (text === null || text === undefined) return undefined;
  const s = String(text);
  if (s.endsWith('?')) return { name: s.slice(0, -1), optional: true };
  if (s.endsWith('!')) return { name: s.slice(0, -1), optional: false };
  return { name: s, optional: true };
}

function create(part: RecordPart, props: Readonly<Record<string, string>>): Transformation {
  const c = CONFIG.parse(props);
  const topic = spec(c['topic.field']);
  const partition = spec(c['partition.field']);
  const offset = spec(c['offset.field']);
  const timestamp = spec(c['timestamp.field']);
  const staticField = spec(c['static.field']);
  const staticValue = c['static.value'] as string | null;
  const withDefault = c['replace.null.with.default'] as boolean;
  if (!topic && !partition && !offset && !timestamp && !staticField) throw new ConfigException('No field insertion configured');
  if (staticField && staticValue === null) throw new ConfigException('static.value', null, `No value specified for static field: ${staticField.name}`);
  const cached = schemaCache<Schema, Schema>();

  const updatedSchema = (schema: Schema): Schema => {
    const b = copySchemaBasics(schema, SchemaBuilder.struct());
    for (const f of schema.fields) b.field(f.name, f.schema);
    const add = (s: Spec | undefined, optional: Schema, required: Schema) => s && b.field(s.name, s.optional ? optional : required);
    add(topic, Schemas.OPTIONAL_STRING, Schemas.STRING);
    add(partition, Schemas.OPTIONAL_INT32, Schemas.INT32);
    add(offset, Schemas.OPTIONAL_INT64, Schemas.INT64);
    add(timestamp, Schemas.OPTIONAL_TIMESTAMP, Schemas.TIMESTAMP);
    add(staticField, Schemas.OPTIONAL_STRING, Schemas.STRING);
    return b.build();
  };

  /** The inserted fields' values, in Kafka's order; `asDate` for the schema'd timestamp. */
  const inserted = (record: ConnectRecord, asDate: boolean): [string, unknown][] => {
    const out: [string, unknown][] = [];
    if (topic) out.push([topic.name, record.topic]);
    if (partition && record.kafkaPartition !== null) out.push([partition.name, record.kafkaPartition]);
    if (offset) out.push([offset.name, requireSinkRecord(record, PURPOSE).kafkaOffset]);
    if (timestamp && record.timestamp !== null) out.push([timestamp.name, asDate ? new Date(record.timestamp) : record.timestamp]);
    if (staticField && staticValue !== null) out.push([staticField.name, staticValue]);
    return out;
  };

  return {
    apply(record) {
      const { schema, value } = operating(record, part);
      if (value === null) return record;
      if (schema === null) {
        const updated = mapCopy(requireMap(value, PURPOSE));
        for (const [k, v] of inserted(record, false)) mapSet(updated, k, v);
        return withPart(record, part, null, updated);
      }
      const struct = requireStruct(value, PURPOSE);
      const newSchema = cached(struct.schema, () => updatedSchema(struct.schema));
      const updated = new Struct(newSchema);
      for (const f of struct.schema.fields) updated.put(f.name, fieldValue(struct, f.name, withDefault));
      for (const [k, v] of inserted(record, true)) updated.put(k, v);
      return withPart(record, part, newSchema, updated);
    },
  };
}

export const insertField = keyValue(
  'InsertField',
  'Insert field(s) using attributes from the record metadata or a configured static value.',
  CONFIG,
  create,
);
