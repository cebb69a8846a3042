// The message schema language. Each API file states its request and response layouts as
// Kafka's message definitions do (clients/src/main/resources/common/message/*.json):
// fields with the versions they exist in, the versions in which they may be null, tagged
// fields with their tag, and defaults. One interpreter (codec.ts) reads and writes every
// message from these, so flexible versions, compact lengths and tagged fields are
// implemented once.

export type Primitive =
  | 'int8' | 'int16' | 'int32' | 'int64' | 'uint16' | 'float64' | 'bool'
  | 'string' | 'bytes' | 'records' | 'uuid';

export type FieldType =
  | Primitive
  | `[]${Primitive}`
  | { kind: 'array'; fields: Field[] }
  | { kind: 'struct'; fields: Field[] };

/** An inclusive version range; `none` is [1, 0] (empty). */
export interface Range {
  min: number;
  max: number;
}

export interface Field {
  name: string;
  type: FieldType;
  versions: Range;
  nullable?: Range;
  /** Tagged field: its tag and the versions it is written in the tagged section. */
  tag?: number;
  tagged?: Range;
  default?: unknown;
  /** Kafka's per-field "flexibleVersions" override (RequestHeader's ClientId: never compact). */
  flexible?: Range;
}

export interface MessageSchema {
  apiKey: number;
  /** Versions Sluice serves. */
  versions: Range;
  flexible: Range;
  fields: Field[];
}

/** Any decoded message: field names are Kafka's, first letter lower-cased. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Message = Record<string, any>;

export function range(spec: string): Range {
  if (spec === 'none') return { min: 1, max: 0 };
  const plus = /^(\d+)\+$/.exec(spec);
  if (plus) return { min: Number(plus[1]), max: Number.MAX_SAFE_INTEGER };
  const span = /^(\d+)(?:-(\d+))?$/.exec(spec);
  if (!span) throw new Error(`bad version range '${spec}'`);
  return { min: Number(span[1]), max: Number(span[2] ?? span[1]) };
}

export const within = (r: Range | undefined, v: number): boolean => r !== undefined && v >= r.min && v <= r.max;

interface FieldOptions {
  nullable?: string;
  tag?: number;
  tagged?: string;
  default?: unknown;
  flexible?: string;
}

export function f(name: string, type: FieldType, versions: string, opts: FieldOptions = {}): Field {
  return {
    name,
    type,
    versions: range(versions),
    ...(opts.nullable ? { nullable: range(opts.nullable) } : {}),
    ...(opts.tag !== undefined ? { tag: opts.tag, tagged: range(opts.tagged ?? versions) } : {}),
    ...(opts.default !== undefined ? { default: opts.default } : {}),
    ...(opts.flexible ? { flexible: range(opts.flexible) } : {}),
  };
}

export const arr = (fields: Field[]): FieldType => ({ kind: 'array', fields });
export const struct = (fields: Field[]): FieldType => ({ kind: 'struct', fields });

export function message(apiKey: number, versions: string, flexible: string, fields: Field[]): MessageSchema {
  return { apiKey, versions: range(versions), flexible: range(flexible), fields };
}
