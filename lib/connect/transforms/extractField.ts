// ExtractField$Key / ExtractField$Value: replaces the key or value with one of its
// fields (its schema becomes that field's). With `field.syntax.version=V2` (KIP-821) the
// field is a path into nested structs or maps: `a.b.c`, with backticks around names that
// hold dots (`` `a.b`.c ``; a backtick inside one is escaped with a backslash). A null
// key or value stays null; a missing field is null without a schema and an error with one.
import { ConfigDef } from '../config/def.ts';
import { CaseInsensitiveValidString } from '../config/validators.ts';
import { ConfigException } from '../data/exceptions.ts';
import { operating, withPart, type RecordPart } from '../data/record.ts';
import type { Field, Schema, Struct } from '../data/schema.ts';
import { keyValue, mapGet, REPLACE_NULL_WITH_DEFAULT, requireMapOrNull, requireStructOrNull, type MapValue, type Transformation } from './transformation.ts';

/** Kafka's SingleFieldPath: the steps of a field path under a syntax version. */
export class SingleFieldPath {
  readonly steps: readonly string[];

  constructor(path: string, version: 'V1' | 'V2') {
    this.steps = version === 'V1' ? [path] : parseV2(path);
  }

  fieldFrom(schema: Schema | null): Field | undefined {
    if (!schema) return undefined;
    let current = schema;
    for (const step of this.steps.slice(0, -1)) {
      const f = current.field(step);
      if (!f) return undefined;
      current = f.schema;
    }
    return current.field(this.steps.at(-1)!);
  }

  valueFromStruct(struct: Struct | null, withDefault: boolean): unknown {
    let current = struct;
    for (const step of this.steps.slice(0, -1)) {
      if (!current || !current.schema.field(step)) return null;
      current = requireStructOrNull(current.get(step), 'nested field access');
    }
    const last = this.steps.at(-1)!;
    if (!current || !current.schema.field(last)) return null;
    return withDefault ? current.get(last) : current.getWithoutDefault(last);
  }

  valueFromMap(map: MapValue | null): unknown {
    let current = map;
    for (const step of this.steps.slice(0, -1)) {
      if (!current) return null;
      current = requireMapOrNull(mapGet(current, step), 'nested field access');
    }
    return current ? mapGet(current, this.steps.at(-1)!) : null;
  }
}

function parseV2(path: string): string[] {
  const steps: string[] = [];
  const incomplete = (at: number) =>
    new ConfigException(`Incomplete backtick pair in path: [${path}], consider adding a backslash before backtick at position ${at} to escape it`);
  let idx = 0;
  while (idx < path.length && idx >= 0) {
    if (path[idx] !== '`') {
      const start = idx;
      idx = path.indexOf('.', idx);
      if (idx >= 0) steps.push(path.slice(start, idx++));
      else steps.push(path.slice(start));
      continue;
    }
    const backtickAt = idx;
    let start = ++idx;
    let field = '';
    for (;;) {
      idx = path.indexOf('`', idx);
      if (idx === -1) throw incomplete(backtickAt);
      const escaped = path[idx - 1] === '\\';
      if (idx >= path.length - 1) {
        if (escaped) throw incomplete(backtickAt);
        steps.push(field + path.slice(start, idx));
        idx++;
        break;
      }
      if (path[idx + 1] !== '.') {
        idx++;
        continue;
      }
      if (escaped) {
        field += `${path.slice(start, idx - 1)}\``;
        start = ++idx;
        continue;
      }
      steps.push(field + path.slice(start, idx));
      idx += 2;
      break;
    }
  }
  if (path.length > 0 && path.endsWith('.')) steps.push('');
  return steps;
}

const CONFIG = new ConfigDef()
  .define({ name: 'field', type: 'STRING', importance: 'MEDIUM', documentation: 'Field name to extract.' })
  .define(REPLACE_NULL_WITH_DEFAULT)
  .define({
    name: 'field.syntax.version',
    type: 'STRING',
    defaultValue: 'V1',
    validator: CaseInsensitiveValidString.in('V1', 'V2'),
    importance: 'HIGH',
    documentation:
      'Defines the version of the syntax to access fields. If set to `V1`, then the field paths are limited to access the elements at the root level of the struct or map. If set to `V2`, the syntax will support accessing nested elements. To access nested elements, dotted notation is used. If dots are already included in the field name, then backtick pairs can be used to wrap field names containing dots. E.g. to access the subfield `baz` from a field named "foo.bar" in a struct/map the following format can be used to access its elements: "`foo.bar`.baz".',
  });

const PURPOSE = 'field extraction';

function create(part: RecordPart, props: Readonly<Record<string, string>>): Transformation {
  const c = CONFIG.parse(props);
  const original = c.field as string;
  const path = new SingleFieldPath(original, (c['field.syntax.version'] as string).toUpperCase() as 'V1' | 'V2');
  const withDefault = c['replace.null.with.default'] as boolean;
  return {
    apply(record) {
      const { schema, value } = operating(record, part);
      if (schema === null) {
        const map = requireMapOrNull(value, PURPOSE);
        return withPart(record, part, null, map === null ? null : path.valueFromMap(map));
      }
      const struct = requireStructOrNull(value, PURPOSE);
      const field = path.fieldFrom(schema);
      if (!field) throw new TypeError(`Unknown field: ${original}`);
      return withPart(record, part, field.schema, struct === null ? null : path.valueFromStruct(struct, withDefault));
    },
  };
}

export const extractField = keyValue(
  'ExtractField',
  'Extract the specified field from a Struct when schema present, or a Map in the case of schemaless data. Any null values are passed through unmodified.',
  CONFIG,
  create,
);
