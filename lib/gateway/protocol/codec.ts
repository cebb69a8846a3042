// The interpreter of message schemas (schema.ts): decode a request body, encode a
// response body, at one version. In flexible versions lengths are compact (uvarint of
// n + 1, 0 meaning null) and every struct ends with a tagged-field section:
//
//   TaggedFields => count:uvarint { tag:uvarint size:uvarint data:byte[size] }*
//
// Tags are written in ascending order and only for values that differ from their default;
// unknown tags are skipped when reading, as Kafka does. Fields absent from a version read
// as their default, so handlers see the same shape whatever version a client spoke.
import { ProtocolError, Reader, Writer, ZERO_UUID } from './primitives.ts';
import { within, type Field, type FieldType, type Message, type MessageSchema, type Primitive } from './schema.ts';

const isFlexible = (field: Field, version: number, flexible: boolean): boolean =>
  flexible && (field.flexible === undefined || within(field.flexible, version));

function zero(type: FieldType): unknown {
  if (typeof type !== 'string') return type.kind === 'array' ? [] : defaults(type.fields);
  if (type.startsWith('[]')) return [];
  switch (type as Primitive) {
    case 'bool':
      return false;
    case 'string':
      return '';
    case 'bytes':
      return Buffer.alloc(0);
    case 'records':
      return null;
    case 'uuid':
      return ZERO_UUID;
    default:
      return 0;
  }
}

export function defaultOf(field: Field): unknown {
  if (field.default !== undefined) return field.default;
  if (field.nullable && field.nullable.min <= field.nullable.max && field.type === 'string') return null;
  return zero(field.type);
}

function defaults(fields: Field[]): Message {
  const out: Message = {};
  for (const field of fields) out[field.name] = defaultOf(field);
  return out;
}

// ---- decode -----------------------------------------------------------------------------

function readPrimitive(r: Reader, type: Primitive, compact: boolean): unknown {
  switch (type) {
    case 'int8':
      return r.int8();
    case 'int16':
      return r.int16();
    case 'uint16':
      return r.uint16();
    case 'int32':
      return r.int32();
    case 'int64':
      return r.int64();
    case 'float64':
      return r.float64();
    case 'bool':
      return r.bool();
    case 'uuid':
      return r.uuid();
    case 'string':
      return r.string(compact);
    case 'bytes':
    case 'records':
      return r.bytes(compact);
  }
}

function readValue(r: Reader, field: Field, version: number, flexible: boolean): unknown {
  const compact = isFlexible(field, version, flexible);
  const type = field.type;
  let value: unknown;
  if (typeof type === 'string' && !type.startsWith('[]')) {
    value = readPrimitive(r, type as Primitive, compact);
  } else if (typeof type !== 'string' && type.kind === 'struct') {
    if (within(field.nullable, version) && r.int8() < 0) return null;
    return readStruct(r, type.fields, version, flexible);
  } else {
    const n = r.count(compact);
    if (n < 0) value = null;
    else {
      const items: unknown[] = new Array(n);
      for (let i = 0; i < n; i++) {
        items[i] =
          typeof type === 'string'
            ? readPrimitive(r, type.slice(2) as Primitive, compact)
            : readStruct(r, type.fields, version, flexible);
      }
      value = items;
    }
  }
  if (value === null && !within(field.nullable, version)) {
    throw new ProtocolError(`field '${field.name}' is null but not nullable at version ${version}`);
  }
  return value;
}

function readStruct(r: Reader, fields: Field[], version: number, flexible: boolean): Message {
  const out: Message = {};
  for (const field of fields) {
    if (!within(field.versions, version) || (flexible && field.tag !== undefined && within(field.tagged, version))) {
      out[field.name] = defaultOf(field);
    } else {
      out[field.name] = readValue(r, field, version, flexible);
    }
  }
  if (flexible) {
    const count = r.uvarint();
    if (count > r.remaining) throw new ProtocolError(`${count} tagged fields in ${r.remaining} bytes`);
    for (let i = 0; i < count; i++) {
      const tag = r.uvarint();
      const size = r.uvarint();
      const data = r.raw(size);
      const field = fields.find((x) => x.tag === tag && within(x.tagged, version));
      if (field) out[field.name] = readValue(new Reader(data), field, version, flexible);
    }
  }
  return out;
}

/** Reads one message body at `version`; `r` is left after it. */
export function decodeMessage(schema: MessageSchema, version: number, r: Reader): Message {
  return readStruct(r, schema.fields, version, within(schema.flexible, version));
}

// ---- encode -----------------------------------------------------------------------------

function writePrimitive(w: Writer, type: Primitive, value: unknown, compact: boolean): void {
  switch (type) {
    case 'int8':
      w.int8(value as number);
      return;
    case 'int16':
      w.int16(value as number);
      return;
    case 'uint16':
      w.uint16(value as number);
      return;
    case 'int32':
      w.int32(value as number);
      return;
    case 'int64':
      w.int64(value as number);
      return;
    case 'float64':
      w.float64(value as number);
      return;
    case 'bool':
      w.bool(value as boolean);
      return;
    case 'uuid':
      w.uuid(value as string);
      return;
    case 'string':
      w.string(value as string | null, compact);
      return;
    case 'bytes':
    case 'records':
      w.bytes(value as Uint8Array | null, compact);
      return;
  }
}

function writeValue(w: Writer, field: Field, value: unknown, version: number, flexible: boolean): void {
  const compact = isFlexible(field, version, flexible);
  const type = field.type;
  if (value === null && !within(field.nullable, version)) {
    throw new Error(`field '${field.name}' may not be null at version ${version}`);
  }
  if (typeof type === 'string' && !type.startsWith('[]')) {
    writePrimitive(w, type as Primitive, value, compact);
  } else if (typeof type !== 'string' && type.kind === 'struct') {
    if (within(field.nullable, version)) w.int8(value === null ? -1 : 1);
    if (value !== null) writeStruct(w, type.fields, value as Message, version, flexible);
  } else if (value === null) {
    w.length(-1, compact, true);
  } else {
    const items = value as unknown[];
    w.length(items.length, compact, true);
    for (const item of items) {
      if (typeof type === 'string') writePrimitive(w, type.slice(2) as Primitive, item, compact);
      else writeStruct(w, type.fields, item as Message, version, flexible);
    }
  }
}

function sameValue(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Buffer.isBuffer(a) || Buffer.isBuffer(b)) return Buffer.isBuffer(a) && Buffer.isBuffer(b) && a.equals(b);
  if (Array.isArray(a) || Array.isArray(b)) {
    return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((x, i) => sameValue(x, b[i]));
  }
  if (a && b && typeof a === 'object' && typeof b === 'object') {
    const keys = Object.keys(b);
    return keys.every((k) => sameValue((a as Message)[k], (b as Message)[k]));
  }
  return false;
}

/** A tagged field is written only when it differs from its default. */
const isDefault = (field: Field, value: unknown): boolean => value === undefined || sameValue(value, defaultOf(field));

function writeStruct(w: Writer, fields: Field[], value: Message, version: number, flexible: boolean): void {
  const tagged: Field[] = [];
  for (const field of fields) {
    if (!within(field.versions, version)) continue;
    if (flexible && field.tag !== undefined && within(field.tagged, version)) {
      if (!isDefault(field, value[field.name])) tagged.push(field);
      continue;
    }
    const v = value[field.name];
    writeValue(w, field, v === undefined ? defaultOf(field) : v, version, flexible);
  }
  if (!flexible) return;
  tagged.sort((a, b) => a.tag! - b.tag!);
  w.uvarint(tagged.length);
  for (const field of tagged) {
    const inner = new Writer(64);
    writeValue(inner, field, value[field.name], version, flexible);
    const data = inner.finish();
    w.uvarint(field.tag!).uvarint(data.length).raw(data);
  }
}

export function encodeMessage(schema: MessageSchema, version: number, value: Message, w: Writer): void {
  writeStruct(w, schema.fields, value, version, within(schema.flexible, version));
}
