// What a single message transform is (Kafka's Transformation): configured once from its
// settings, then applied to one record at a time, answering the changed record, or null
// to drop it. Transforms that work on the key or the value come as two classes,
// `<Name>$Key` and `<Name>$Value` (keyValue below), as in Kafka. Also here: Kafka's
// Requirements (requireMap, requireStruct, requireSinkRecord) with Kafka's messages, and
// the map helpers every schemaless path uses (a map is a plain object or a Map).
import type { ConfigDef } from '../config/def.ts';
import { DataException } from '../data/exceptions.ts';
import { isSinkRecord, type ConnectRecord, type RecordPart, type SinkRecord } from '../data/record.ts';
import { isMapValue, Struct, typeName } from '../data/schema.ts';

export interface Transformation {
  /** The changed record, the same record, or null to drop it. */
  apply<R extends ConnectRecord>(record: R): R | null;
}

export interface TransformationPlugin {
  readonly className: string;
  readonly aliases: readonly string[];
  readonly version: string;
  /** One paragraph, as Kafka's OVERVIEW_DOC. */
  readonly doc: string;
  config(): ConfigDef;
  /** A configured instance; ConfigException when the settings are invalid. */
  create(props: Readonly<Record<string, string>>): Transformation;
}

export const TRANSFORMS_PACKAGE = 'org.apache.kafka.connect.transforms';
export const VERSION = '1.0';

/** A plugin named `org.apache.kafka.connect.transforms.<name>`, also known as `<name>`. */
export function transformPlugin(
  name: string,
  doc: string,
  config: ConfigDef,
  create: (props: Readonly<Record<string, string>>) => Transformation,
): TransformationPlugin {
  return { className: `${TRANSFORMS_PACKAGE}.${name}`, aliases: [name], version: VERSION, doc, config: () => config, create };
}

/** The $Key and $Value classes of a transform that works on one part of the record. */
export function keyValue(
  name: string,
  doc: string,
  config: ConfigDef,
  create: (part: RecordPart, props: Readonly<Record<string, string>>) => Transformation,
): TransformationPlugin[] {
  return (['key', 'value'] as const).map((part) => transformPlugin(`${name}$${part === 'key' ? 'Key' : 'Value'}`, doc, config, (props) => create(part, props)));
}

export type MapValue = Record<string, unknown> | Map<unknown, unknown>;

export function requireMap(value: unknown, purpose: string): MapValue {
  if (!isMapValue(value)) throw new DataException(`Only Map objects supported in absence of schema for [${purpose}], found: ${typeName(value)}`);
  return value;
}

export function requireMapOrNull(value: unknown, purpose: string): MapValue | null {
  return value === null || value === undefined ? null : requireMap(value, purpose);
}

export function requireStruct(value: unknown, purpose: string): Struct {
  if (!(value instanceof Struct)) throw new DataException(`Only Struct objects supported for [${purpose}], found: ${typeName(value)}`);
  return value;
}

export function requireStructOrNull(value: unknown, purpose: string): Struct | null {
  return value === null || value === undefined ? null : requireStruct(value, purpose);
}

export function requireSinkRecord(record: ConnectRecord, purpose: string): SinkRecord {
  if (!isSinkRecord(record)) throw new DataException(`Only SinkRecord supported for [${purpose}], found: SourceRecord`);
  return record;
}

export const mapGet = (m: MapValue, key: string): unknown => (m instanceof Map ? m.get(key) : Object.hasOwn(m, key) ? m[key] : undefined) ?? null;

export const mapHas = (m: MapValue, key: string): boolean => (m instanceof Map ? m.has(key) : Object.hasOwn(m, key));

/** A copy of the same kind, to change without touching the original. */
export const mapCopy = (m: MapValue): MapValue => (m instanceof Map ? new Map(m) : { ...m });

export function mapSet(m: MapValue, key: string, value: unknown): void {
  if (m instanceof Map) m.set(key, value);
  else m[key] = value;
}

export function mapDelete(m: MapValue, key: string): void {
  if (m instanceof Map) m.delete(key);
  else delete m[key];
}

/** Entries whose keys are field names (keys that are not strings are given as their text). */
export const mapFieldEntries = (m: MapValue): [string, unknown][] => (m instanceof Map ? [...m.entries()].map(([k, v]) => [String(k), v]) : Object.entries(m));

/** A cache of one derived schema per input schema (Kafka's schemaUpdateCache). */
export function schemaCache<K extends object, V>(): (key: K, build: () => V) => V {
  const cache = new WeakMap<K, V>();
  return (key, build) => {
    let v = cache.get(key);
    if (v === undefined) cache.set(key, (v = build()));
    return v;
  };
}

/** The field's value, with or without its default (replace.null.with.default). */
export const fieldValue = (s: Struct, field: string, withDefault: boolean): unknown => (withDefault ? s.get(field) : s.getWithoutDefault(field));

/** The replace.null.with.default setting every field transform shares. */
export const REPLACE_NULL_WITH_DEFAULT = {
  name: 'replace.null.with.default',
  type: 'BOOLEAN',
  defaultValue: true,
  importance: 'MEDIUM',
  documentation:
    'Whether to replace fields that have a default value and that are null to the default value. When set to true, the default value is used, otherwise null is used.',
} as const;
