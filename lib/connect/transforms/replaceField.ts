// ReplaceField$Key / ReplaceField$Value: keeps only `include` fields (all when empty),
// drops `exclude` fields (exclude wins), and renames `renames` pairs (`old:new,...`).
// A null key or value passes unchanged.
import { ConfigDef } from '../config/def.ts';
import { LambdaValidator } from '../config/validators.ts';
import { ConfigException } from '../data/exceptions.ts';
import { operating, withPart, type RecordPart } from '../data/record.ts';
import { copySchemaBasics, SchemaBuilder, Struct, type Schema } from '../data/schema.ts';
import {
  fieldValue,
  keyValue,
  mapFieldEntries,
  REPLACE_NULL_WITH_DEFAULT,
  requireMap,
  requireStruct,
  schemaCache,
  type Transformation,
} from './transformation.ts';

/** `old:new` pairs; ConfigException naming `renames` for anything else. */
export function parseRenameMappings(mappings: readonly string[]): Map<string, string> {
  const m = new Map<string, string>();
  for (const mapping of mappings) {
    const parts = mapping.split(':');
    if (parts.length !== 2) throw new ConfigException('renames', mappings.join(','), `Invalid rename mapping: ${mapping}`);
    m.set(parts[0]!, parts[1]!);
  }
  return m;
}

const CONFIG = new ConfigDef()
  .define({ name: 'exclude', type: 'LIST', defaultValue: [], importance: 'MEDIUM', documentation: 'Fields to exclude. This takes precedence over the fields to include.' })
  .define({ name: 'include', type: 'LIST', defaultValue: [], importance: 'MEDIUM', documentation: 'Fields to include. If specified, only these fields will be used.' })
  .define({
    name: 'renames',
    type: 'LIST',
    defaultValue: [],
    validator: LambdaValidator.with(
      (_name, value) => void parseRenameMappings(value as string[]),
      () => 'list of colon-delimited pairs, e.g. <code>foo:bar,abc:xyz</code>',
    ),
    importance: 'MEDIUM',
    documentation: 'Field rename mappings.',
  })
  .define(REPLACE_NULL_WITH_DEFAULT);

const PURPOSE = 'field replacement';

function create(part: RecordPart, props: Readonly<Record<string, string>>): Transformation {
  const c = CONFIG.parse(props);
  const exclude = new Set(c.exclude as string[]);
  const include = new Set(c.include as string[]);
  const renames = parseRenameMappings(c.renames as string[]);
  const reverse = new Map([...renames].map(([a, b]) => [b, a]));
  const withDefault = c['replace.null.with.default'] as boolean;
  const cached = schemaCache<Schema, Schema>();
  const keep = (name: string) => !exclude.has(name) && (include.size === 0 || include.has(name));
  const renamed = (name: string) => renames.get(name) ?? name;

  return {
    apply(record) {
      const { schema, value } = operating(record, part);
      if (value === null) return record;
      if (schema === null) {
        const updated: Record<string, unknown> = {};
        for (const [k, v] of mapFieldEntries(requireMap(value, PURPOSE))) if (keep(k)) updated[renamed(k)] = v;
        return withPart(record, part, null, updated);
      }
      const struct = requireStruct(value, PURPOSE);
      const newSchema = cached(struct.schema, () => {
        const b = copySchemaBasics(struct.schema, SchemaBuilder.struct());
        for (const f of struct.schema.fields) if (keep(f.name)) b.field(renamed(f.name), f.schema);
        return b.build();
      });
      const updated = new Struct(newSchema);
      for (const f of newSchema.fields) updated.put(f.name, fieldValue(struct, reverse.get(f.name) ?? f.name, withDefault));
      return withPart(record, part, newSchema, updated);
    },
  };
}

export const replaceField = keyValue('ReplaceField', 'Filter or rename fields.', CONFIG, create);
