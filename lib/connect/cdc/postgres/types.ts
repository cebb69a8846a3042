// Column values from PostgreSQL's text output to JSON, the way Debezium's PostgreSQL
// connector represents them by default, so that consumers see the same values:
//
//   bool                      → boolean
//   int2, int4, oid           → number
//   int8                      → number; a string beyond ±2^53 (JSON numbers lose digits)
//   float4, float8            → number; "NaN", "Infinity", "-Infinity" as strings
//   numeric, money            → string (decimal.handling.mode=string: no digit lost)
//   date                      → days since 1970-01-01 (io.debezium.time.Date)
//   time                      → µs since midnight (MicroTime)
//   timestamp                 → µs since the epoch (MicroTimestamp)
//   timestamptz               → ISO-8601 text in UTC, e.g. 2024-05-01T10:00:00.5Z (ZonedTimestamp)
//   bytea                     → base64 (binary.handling.mode=base64)
//   arrays of the above       → JSON arrays
//   everything else (text, varchar, uuid, json, jsonb, interval, enums, ...) → its text
//
// The sessions that produce these values run with DateStyle=ISO, TimeZone=UTC and
// bytea_output=hex (see connection.ts), which the parsing below relies on. Infinite and
// BC dates keep their text.
import type { Json } from '../source.ts';

type Convert = (text: string) => Json;

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

const int8: Convert = (t) => {
  const v = BigInt(t);
  return v <= MAX_SAFE && v >= -MAX_SAFE ? Number(v) : t;
};

const float: Convert = (t) => {
  const v = Number(t);
  return Number.isFinite(v) ? v : t;
};

const DATE = /^(\d{4,})-(\d\d)-(\d\d)$/;
const TIME = /^(\d\d):(\d\d):(\d\d)(?:\.(\d{1,6}))?$/;
const TIMESTAMP = /^(\d{4,})-(\d\d)-(\d\d) (\d\d):(\d\d):(\d\d)(?:\.(\d{1,6}))?(?:([+-]\d\d)(?::?(\d\d))?(?::(\d\d))?)?$/;

const micros = (frac: string | undefined): number => Number((frac ?? '').padEnd(6, '0'));

const date: Convert = (t) => {
  const m = DATE.exec(t);
  return m ? Math.round(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])) / 86_400_000) : t;
};

const time: Convert = (t) => {
  const m = TIME.exec(t);
  return m ? ((Number(m[1]) * 60 + Number(m[2])) * 60 + Number(m[3])) * 1_000_000 + micros(m[4]) : t;
};

/** [epoch ms without the fraction, µs of the second] or undefined for an unknown form. */
function timestampParts(t: string): [number, number] | undefined {
  const m = TIMESTAMP.exec(t);
  if (!m) return undefined;
  const utc = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6]));
  const sign = m[8]?.startsWith('-') ? -1 : 1;
  const offsetSeconds = m[8] ? sign * (Math.abs(Number(m[8])) * 3600 + Number(m[9] ?? 0) * 60 + Number(m[10] ?? 0)) : 0;
  return [utc - offsetSeconds * 1000, micros(m[7])];
}

const timestamp: Convert = (t) => {
  const p = timestampParts(t);
  return p ? p[0] * 1000 + p[1] : t;
};

const timestamptz: Convert = (t) => {
  const p = timestampParts(t);
  if (!p) return t;
  const frac = p[1] ? `.${String(p[1]).padStart(6, '0').replace(/0+$/, '')}` : '';
  return `${new Date(p[0]).toISOString().slice(0, 19)}${frac}Z`;
};

const bytea: Convert = (t) => (t.startsWith('\\x') ? Buffer.from(t.slice(2), 'hex').toString('base64') : t);

const text: Convert = (t) => t;

const SCALARS: Record<number, Convert> = {
  16: (t) => t === 't',
  17: bytea,
  20: int8,
  21: Number,
  23: Number,
  26: Number,
  700: float,
  701: float,
  1082: date,
  1083: time,
  1114: timestamp,
  1184: timestamptz,
};

/** Array type OID → element type OID, for the arrays of the scalars above and of text. */
const ARRAYS: Record<number, number> = {
  1000: 16, 1001: 17, 1016: 20, 1005: 21, 1007: 23, 1028: 26, 1021: 700, 1022: 701,
  1182: 1082, 1183: 1083, 1115: 1114, 1185: 1184, 1009: 25, 1015: 1043, 1014: 1042,
  2951: 2950, 1231: 1700, 3807: 3802, 199: 114,
};

/** Converts one column value (text output, or null) of the type `oid`. */
export function convertValue(oid: number, value: string | null): Json {
  if (value === null) return null;
  const element = ARRAYS[oid];
  if (element !== undefined) {
    const convert = SCALARS[element] ?? text;
    return mapArray(parseArrayLiteral(value), convert);
  }
  return (SCALARS[oid] ?? text)(value);
}

type Nested = (string | null | Nested)[];

function mapArray(items: Nested, convert: Convert): Json[] {
  return items.map((v) => (v === null ? null : Array.isArray(v) ? mapArray(v, convert) : convert(v)));
}

/*
 * Array literal (array_out): '{' items separated by ',' '}', items nested arrays, NULL,
 * bare words, or double-quoted strings with \" and \\ escapes. A leading dimension
 * decoration "[1:2]=" appears only for lower bounds other than 1; we drop it.
 */
export function parseArrayLiteral(text: string): Nested {
  let pos = text.startsWith('[') ? text.indexOf('=') + 1 : 0;
  const parse = (): Nested => {
    if (text[pos] !== '{') throw new Error(`not an array literal: ${text}`);
    pos++;
    const out: Nested = [];
    while (pos < text.length && text[pos] !== '}') {
      if (text[pos] === '{') out.push(parse());
      else if (text[pos] === '"') {
        let s = '';
        for (pos++; text[pos] !== '"'; pos++) {
          if (pos >= text.length) throw new Error(`unterminated string in array literal: ${text}`);
          if (text[pos] === '\\') pos++;
          s += text[pos];
        }
        pos++;
        out.push(s);
      } else {
        let end = pos;
        while (end < text.length && text[end] !== ',' && text[end] !== '}') end++;
        const word = text.slice(pos, end);
        out.push(word === 'NULL' ? null : word);
        pos = end;
      }
      if (text[pos] === ',') pos++;
    }
    pos++;
    return out;
  };
  return parse();
}
