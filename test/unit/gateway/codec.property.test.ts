// Every message of every API the gateway serves, at every version it serves: decoding
// what was encoded gives the same message back, and arbitrary bytes either decode or
// raise ProtocolError (the connection is closed), never anything else.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { APIS } from '../../../lib/gateway/protocol/apis.ts';
import { decodeMessage, defaultOf, encodeMessage } from '../../../lib/gateway/protocol/codec.ts';
import { ProtocolError, Reader, Writer } from '../../../lib/gateway/protocol/primitives.ts';
import { within, type Field, type FieldType, type Message, type MessageSchema, type Primitive } from '../../../lib/gateway/protocol/schema.ts';

const RUNS = 25;

function primitive(type: Primitive): fc.Arbitrary<unknown> {
  switch (type) {
    case 'int8':
      return fc.integer({ min: -128, max: 127 });
    case 'int16':
      return fc.integer({ min: -32768, max: 32767 });
    case 'uint16':
      return fc.integer({ min: 0, max: 65535 });
    case 'int32':
      return fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 });
    case 'int64':
      return fc.maxSafeInteger().map((n) => (Object.is(n, -0) ? 0 : n));
    case 'float64':
      return fc.double({ noNaN: true }).map((n) => (Object.is(n, -0) ? 0 : n));
    case 'bool':
      return fc.boolean();
    case 'uuid':
      return fc.uint8Array({ minLength: 16, maxLength: 16 }).map((b) => Buffer.from(b).toString('base64url'));
    case 'string':
      return fc.string({ maxLength: 20 });
    case 'bytes':
    case 'records':
      return fc.uint8Array({ maxLength: 40 }).map((b) => Buffer.from(b));
  }
}

function valueOf(type: FieldType, version: number): fc.Arbitrary<unknown> {
  if (typeof type === 'string') {
    return type.startsWith('[]') ? fc.array(primitive(type.slice(2) as Primitive), { maxLength: 3 }) : primitive(type as Primitive);
  }
  const struct = structOf(type.fields, version);
  return type.kind === 'array' ? fc.array(struct, { maxLength: 2 }) : struct;
}

function fieldOf(field: Field, version: number): fc.Arbitrary<unknown> {
  if (!within(field.versions, version)) return fc.constant(defaultOf(field));
  const v = valueOf(field.type, version);
  return within(field.nullable, version) ? fc.option(v, { nil: null }) : v;
}

function structOf(fields: Field[], version: number): fc.Arbitrary<Message> {
  return fc.record(Object.fromEntries(fields.map((f) => [f.name, fieldOf(f, version)])));
}

function roundTrip(schema: MessageSchema, version: number, value: Message): Message {
  const w = new Writer(64);
  encodeMessage(schema, version, value, w);
  const r = new Reader(w.finish());
  const back = decodeMessage(schema, version, r);
  expect(r.remaining).toBe(0);
  return back;
}

const versionsOf = (s: MessageSchema) => Array.from({ length: s.versions.max - s.versions.min + 1 }, (_, i) => s.versions.min + i);

describe('gateway codecs', () => {
  for (const api of APIS) {
    for (const [kind, schema] of [['request', api.request], ['response', api.response]] as const) {
      it(`${api.name} ${kind}: decode(encode(m)) = m at versions ${schema.versions.min}-${schema.versions.max}`, () => {
        for (const version of versionsOf(schema)) {
          fc.assert(
            fc.property(structOf(schema.fields, version), (m) => {
              expect(roundTrip(schema, version, m)).toEqual(m);
            }),
            { numRuns: RUNS },
          );
        }
      });
    }
    it(`${api.name} request: arbitrary bytes decode or raise ProtocolError`, () => {
      for (const version of versionsOf(api.request)) {
        fc.assert(
          fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
            try {
              decodeMessage(api.request, version, new Reader(Buffer.from(bytes)));
            } catch (err) {
              expect(err).toBeInstanceOf(ProtocolError);
            }
          }),
          { numRuns: RUNS },
        );
      }
    });
  }
});
