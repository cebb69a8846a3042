// Counting the elements of a JSON body's top-level array (a produce request's "records")
// from the raw bytes, before the body is parsed. Parsing a 3 MB body of a million tiny
// records, and converting each, costs gigabytes; counting costs one pass over the bytes
// and stops as soon as the count passes the limit, so such a body is refused before any
// of that work. The scan only counts: the body is still parsed and validated afterwards,
// and malformed JSON is left to the parser to report.
//
// Tokens that matter: strings (skipped whole; their escapes honoured), '{' '[' (one level
// deeper), '}' ']' (one level up), ',' (one more element at the level being counted).
// The counted array is one that opens at depth 1 right after a string equal to `key`.

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;
const COMMA = 0x2c;

/** Index of the quote closing the string whose opening quote is at `open`, or -1. */
function stringEnd(body: Buffer, open: number): number {
  let at = open;
  for (;;) {
    at = body.indexOf(QUOTE, at + 1);
    if (at < 0) return -1;
    let backslashes = 0;
    while (body[at - 1 - backslashes] === BACKSLASH) backslashes++;
    if (backslashes % 2 === 0) return at;
  }
}

/** The string token at [open, close] as text, escapes resolved only when there are any. */
function stringText(body: Buffer, open: number, close: number): string | undefined {
  const raw = body.toString('utf8', open + 1, close);
  if (!raw.includes('\\')) return raw;
  try {
    return JSON.parse(body.toString('utf8', open, close + 1)) as string;
  } catch {
    return undefined;
  }
}

/**
 * Elements of every array that is the value of `key` in the top-level object (all of
 * them summed, should the key repeat), counted up to `limit + 1`: a result above `limit`
 * means "too many", whatever the true count.
 */
export function countTopLevelArray(body: Buffer, key: string, limit: number): number {
  let depth = 0;
  let lastString: string | undefined; // the last string seen at depth 1 (a key or a value)
  let counting = false; // inside a counted array
  let empty = true; // no element of the counted array seen yet
  let count = 0;
  for (let i = 0; i < body.length && count <= limit; i++) {
    const c = body[i]!;
    // Commas count the elements after the first; the first is any token at depth 2.
    if (counting && depth === 2 && empty && c > 0x20 && c !== CLOSE_ARRAY) {
      empty = false;
      count++;
    }
    if (c === QUOTE) {
      const close = stringEnd(body, i);
      if (close < 0) break;
      if (depth === 1) lastString = stringText(body, i, close);
      i = close;
    } else if (c === OPEN_OBJECT || c === OPEN_ARRAY) {
      if (depth === 1 && c === OPEN_ARRAY && lastString === key) {
        counting = true;
        empty = true;
      }
      depth++;
    } else if (c === CLOSE_OBJECT || c === CLOSE_ARRAY) {
      depth--;
      if (depth === 1) counting = false;
    } else if (c === COMMA && counting && depth === 2) {
      count++;
    }
  }
  return count;
}
