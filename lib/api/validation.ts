// Request validation shared by the operations: JSON bodies checked by zod schemas (strict:
// unknown fields are errors; see schema.ts), query parameters checked by name and parsed
// strictly. Every failure is INVALID_REQUEST naming the field, except a body of the wrong
// media type (UNSUPPORTED_MEDIA_TYPE).
//
// No zod here: the SDK-free health function imports this module.
import { InvalidRequestError, UnsupportedMediaTypeError } from '../core/errors.ts';
import { JSON_TYPE, mediaType, type ApiRequest } from './http.ts';

/** 415 unless the body is declared JSON (or not declared at all). */
export function requireJsonContentType(req: ApiRequest): void {
  const type = mediaType(req.headers['content-type']);
  if (type !== undefined && type !== JSON_TYPE) {
    throw new UnsupportedMediaTypeError(`Content-Type '${type}' is not supported here; send ${JSON_TYPE}.`, {
      supported: [JSON_TYPE],
    });
  }
}

/** The body parsed as JSON; a missing or malformed body is INVALID_REQUEST. */
export function parseJsonBody(req: ApiRequest): unknown {
  if (req.body.length === 0) throw new InvalidRequestError('The request needs a JSON body.');
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(req.body);
  } catch {
    throw new InvalidRequestError('The request body is not valid UTF-8.');
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new InvalidRequestError(`The request body is not valid JSON: ${(err as Error).message}`);
  }
}

/**
 * The query parameters, each at most once and all of them known. Returns name → value.
 */
export function queryParams<K extends string>(req: ApiRequest, allowed: readonly K[]): Partial<Record<K, string>> {
  const out: Partial<Record<K, string>> = {};
  const unknown: string[] = [];
  for (const [name, values] of Object.entries(req.query)) {
    if (!(allowed as readonly string[]).includes(name)) {
      unknown.push(name);
      continue;
    }
    if (values.length !== 1) {
      throw new InvalidRequestError(`Query parameter '${name}' is given ${values.length} times; give it once.`, {
        fields: [name],
      });
    }
    out[name as K] = values[0]!;
  }
  if (unknown.length) {
    const list = unknown.map((u) => `'${u}'`).join(', ');
    throw new InvalidRequestError(
      `Unknown query parameter${unknown.length > 1 ? 's' : ''} ${list}` +
        (allowed.length ? ` (allowed: ${allowed.join(', ')}).` : ' (this route takes none).'),
      { fields: unknown },
    );
  }
  return out;
}

/**
 * A decimal integer in [min, max]: digits only (leading zeros allowed), optionally a
 * leading '-' when min < 0; no signs, exponents, fractions, spaces or hex.
 */
export function parseInteger(
  what: string,
  value: string,
  { min = 0, max = Number.MAX_SAFE_INTEGER }: { min?: number; max?: number } = {},
): number {
  const ok = min < 0 ? /^-?\d{1,20}$/.test(value) : /^\d{1,20}$/.test(value);
  const n = ok ? Number(value) : Number.NaN;
  if (!Number.isSafeInteger(n) || n < min || n > max) {
    throw new InvalidRequestError(`${what} must be an integer from ${min} to ${max}; got '${truncate(value)}'.`, {
      fields: [what.replace(/^'|'$/g, '')],
    });
  }
  return n;
}

export function truncate(s: string, n = 64): string {
  return s.length > n ? `${s.slice(0, n)}…` : s;
}

/** The {partition} path parameter: a non-negative integer (existence is the log's check). */
export function partitionParam(req: ApiRequest): number {
  return parseInteger("'partition'", req.pathParameters.partition ?? '', { max: 2_147_483_647 });
}

/** The {topic} path parameter, as given: the log validates names (INVALID_TOPIC_EXCEPTION). */
export function topicParam(req: ApiRequest): string {
  return req.pathParameters.topic ?? '';
}
