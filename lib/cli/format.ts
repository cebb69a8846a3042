// kcat-style output formats for `sluice consume --format`:
//   %t topic  %p partition  %o offset  %k key  %v value  %T timestamp (ms)
//   %h headers (k=v,comma-separated)  %K key size  %S value size (-1 for null)  %% a '%'
// and the escapes \n \r \t \0 \\ . Null keys and values print as nothing, like kcat.
import type { ConsumedRecord } from '../client/types.ts';
import { UsageError } from './errors.ts';

/** One consumed record with raw bytes (null = a null key or value), headers in order. */
export type OutputRecord = Omit<ConsumedRecord, 'headers'> & { headers: Array<[string, Buffer]> };

/** A record as the SDK hands it out, for the formats (a null header value prints as empty). */
export function outputRecord(r: ConsumedRecord): OutputRecord {
  return { ...r, headers: Object.entries(r.headers).map(([k, v]) => [k, v ?? Buffer.alloc(0)]) };
}

type Part = Buffer | ((r: OutputRecord) => Buffer | string);

const TOKENS: Record<string, (r: OutputRecord) => Buffer | string> = {
  t: (r) => r.topic,
  p: (r) => String(r.partition),
  o: (r) => String(r.offset),
  k: (r) => r.key ?? EMPTY,
  v: (r) => r.value ?? EMPTY,
  T: (r) => String(r.timestamp),
  h: (r) => renderHeaders(r.headers),
  K: (r) => String(r.key ? r.key.length : -1),
  S: (r) => String(r.value ? r.value.length : -1),
};

const ESCAPES: Record<string, string> = { n: '\n', r: '\r', t: '\t', '0': '\0', '\\': '\\' };

const EMPTY = Buffer.alloc(0);

export const DEFAULT_FORMAT = '%v\\n';

/** Compiles a format string once; the result renders a record to the bytes to print. */
export function compileFormat(format: string): (r: OutputRecord) => Buffer {
  const parts: Part[] = [];
  let literal = '';
  const flush = () => {
    if (literal) parts.push(Buffer.from(literal, 'utf8'));
    literal = '';
  };
  for (let i = 0; i < format.length; i++) {
    const c = format[i]!;
    const next = format[i + 1];
    if (c === '%') {
      if (next === undefined) throw new UsageError(`--format ends with a lone '%' (use %% for a literal '%').`);
      i++;
      if (next === '%') {
        literal += '%';
        continue;
      }
      const token = TOKENS[next];
      if (!token) throw new UsageError(`Unsupported --format token '%${next}' (known: %t %p %o %k %v %T %h %K %S %%).`);
      flush();
      parts.push(token);
    } else if (c === '\\' && next !== undefined && ESCAPES[next] !== undefined) {
      literal += ESCAPES[next];
      i++;
    } else {
      literal += c;
    }
  }
  flush();
  return (r) => {
    const out: Buffer[] = [];
    for (const p of parts) {
      if (Buffer.isBuffer(p)) out.push(p);
      else {
        const v = p(r);
        out.push(typeof v === 'string' ? Buffer.from(v, 'utf8') : v);
      }
    }
    return Buffer.concat(out);
  };
}

export function renderHeaders(headers: Array<[string, Buffer]>): Buffer {
  const out: Buffer[] = [];
  headers.forEach(([k, v], i) => {
    if (i > 0) out.push(Buffer.from(','));
    out.push(Buffer.from(`${k}=`, 'utf8'), v);
  });
  return Buffer.concat(out);
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

function utf8OrUndefined(b: Buffer): string | undefined {
  try {
    return strictUtf8.decode(b);
  } catch {
    return undefined;
  }
}

/**
 * The `--json` envelope: key, value and header values as UTF-8 strings when they are
 * valid UTF-8, else base64 with `keyEncoding` / `valueEncoding` / `headersEncoding`
 * set to "base64" (the same convention as the fetch API).
 */
export function jsonEnvelope(r: OutputRecord): Record<string, unknown> {
  const out: Record<string, unknown> = { topic: r.topic, partition: r.partition, offset: r.offset, timestamp: r.timestamp };
  for (const field of ['key', 'value'] as const) {
    const b = r[field];
    if (b === null) out[field] = null;
    else {
      const s = utf8OrUndefined(b);
      if (s !== undefined) out[field] = s;
      else {
        out[field] = b.toString('base64');
        out[`${field}Encoding`] = 'base64';
      }
    }
  }
  const texts = r.headers.map(([, v]) => utf8OrUndefined(v));
  const allText = texts.every((t) => t !== undefined);
  const headers: Record<string, string> = {};
  r.headers.forEach(([k, v], i) => (headers[k] = allText ? texts[i]! : v.toString('base64')));
  out.headers = headers;
  if (!allText) out.headersEncoding = 'base64';
  return out;
}
