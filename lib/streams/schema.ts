// What lib/streams accepts from outside (the HTTP API's path and query parameters, the
// platform's processor definitions), checked before anything is read: a processor name is
// an application id; a store name is what a topology may name a store; a queried key is
// text turned into the store's key bytes by the store's key format; window bounds are
// epoch milliseconds. Each failure is INVALID_REQUEST naming the parameter.
//
// Keys in a URL, by the store's key format:
//   string          the text itself
//   json            the text parsed as JSON when it is JSON ("42", "{\"id\":1}", "\"a\""),
//                   else the text as a JSON string (so /keys/alice means "alice")
//   long, integer   a decimal integer in the serde's range
//   double          a decimal number
//   bytes, custom   base64 (standard or URL-safe alphabet) of the key bytes
import { InvalidRequestError } from '../core/errors.ts';
import { isApplicationId } from './engine/config.ts';
import { serdeOfFormat, type SerdeFormat } from './serdes.ts';

/** Store names in URLs and definitions: at most this many characters. */
export const MAX_STORE_NAME_LENGTH = 249;
/** Queried keys: at most this many characters of text (a state item's key is at most 2 KB). */
export const MAX_QUERY_KEY_LENGTH = 4096;
/** Items one range query returns at most (and by default). */
export const MAX_RANGE_LIMIT = 1000;

export function validateProcessorName(name: unknown): string {
  if (!isApplicationId(name)) {
    throw new InvalidRequestError('A processor name is 1-200 characters of [a-zA-Z0-9._-] (its application.id).', { fields: ['name'] });
  }
  return name;
}

export function validateStoreName(store: unknown): string {
  if (typeof store !== 'string' || store.length === 0 || store.length > MAX_STORE_NAME_LENGTH) {
    throw new InvalidRequestError(`A store name is 1-${MAX_STORE_NAME_LENGTH} characters.`, { fields: ['store'] });
  }
  return store;
}

const BASE64 = /^(?:[A-Za-z0-9+/_-]{4})*(?:[A-Za-z0-9+/_-]{2}(?:==)?|[A-Za-z0-9+/_-]{3}=?)?$/;

function badKey(format: SerdeFormat, why: string): InvalidRequestError {
  return new InvalidRequestError(`The key must be ${why} (the store's keys are ${format}).`, { fields: ['key'], keyFormat: format });
}

/** The store's key bytes for a key given as text in a URL. */
export function keyFromText(format: SerdeFormat, text: unknown): Uint8Array {
  if (typeof text !== 'string' || text.length === 0 || text.length > MAX_QUERY_KEY_LENGTH) {
    throw new InvalidRequestError(`A key is 1-${MAX_QUERY_KEY_LENGTH} characters.`, { fields: ['key'] });
  }
  let value: unknown = text;
  if (format === 'json') {
    try {
      value = JSON.parse(text);
    } catch {
      value = text;
    }
  } else if (format === 'long' || format === 'integer') {
    if (!/^-?\d{1,19}$/.test(text)) throw badKey(format, 'a decimal integer');
    value = Number(text);
    if (!Number.isSafeInteger(value)) throw badKey(format, 'an integer of at most 2^53 - 1 in magnitude');
  } else if (format === 'double') {
    value = Number(text);
    if (text.trim() === '' || !Number.isFinite(value)) throw badKey(format, 'a decimal number');
  } else if (format === 'bytes' || format === 'custom') {
    if (!BASE64.test(text)) throw badKey(format, 'base64 of the key bytes');
    return new Uint8Array(Buffer.from(text.replace(/-/g, '+').replace(/_/g, '/'), 'base64'));
  }
  try {
    return serdeOfFormat(format).serialize(value)!;
  } catch (err) {
    throw badKey(format, `a valid ${format} key: ${err instanceof Error ? err.message : String(err)}`);
  }
}

/** A key or value read with its format's serde, as JSON: bytes (the bytes and custom formats) as base64. */
export function toJson(value: unknown): unknown {
  return value instanceof Uint8Array ? Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('base64') : value;
}

function integerParam(name: string, text: unknown, dflt: number): number {
  if (text === undefined || text === null || text === '') return dflt;
  const n = typeof text === 'number' ? text : typeof text === 'string' && /^-?\d{1,16}$/.test(text) ? Number(text) : Number.NaN;
  if (!Number.isSafeInteger(n)) throw new InvalidRequestError(`'${name}' must be an integer.`, { fields: [name] });
  return n;
}

/** `from` and `to` of a windows query (epoch ms, both inclusive; default: all time). */
export function windowRange(from: unknown, to: unknown): { from: number; to: number } {
  const range = { from: integerParam('from', from, 0), to: integerParam('to', to, Number.MAX_SAFE_INTEGER) };
  if (range.from > range.to) throw new InvalidRequestError("'from' must not be after 'to'.", { fields: ['from', 'to'] });
  return range;
}

/** `limit` of a range query: 1..MAX_RANGE_LIMIT, default MAX_RANGE_LIMIT. */
export function rangeLimit(limit: unknown): number {
  const n = integerParam('limit', limit, MAX_RANGE_LIMIT);
  if (n < 1 || n > MAX_RANGE_LIMIT) throw new InvalidRequestError(`'limit' must be from 1 to ${MAX_RANGE_LIMIT}.`, { fields: ['limit'] });
  return n;
}
