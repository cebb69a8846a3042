// JSON text as Kafka's JsonConverter writes it (Jackson, compact): the same as
// JSON.stringify, except that numbers may carry their exact text (a FLOAT64 of 1 is
// written 1.0, a Decimal in NUMERIC format its digits), which JSON.stringify cannot do.
// A JsonNumber holds such text; everything else is plain JSON data.

/** A number written as this exact text. */
export class JsonNumber {
  constructor(readonly text: string) {}
}

export type JsonNode = null | boolean | number | string | JsonNumber | JsonNode[] | { [key: string]: JsonNode };

export function writeJson(node: JsonNode): string {
  if (node === null) return 'null';
  if (node instanceof JsonNumber) return node.text;
  if (Array.isArray(node)) return `[${node.map(writeJson).join(',')}]`;
  if (typeof node === 'object') {
    return `{${Object.entries(node)
      .map(([k, v]) => `${JSON.stringify(k)}:${writeJson(v)}`)
      .join(',')}}`;
  }
  if (typeof node === 'number' && !Number.isFinite(node)) return Number.isNaN(node) ? '"NaN"' : node > 0 ? '"Infinity"' : '"-Infinity"';
  return JSON.stringify(node);
}

/** JSON text to plain data; a syntax error keeps JSON.parse's message. */
export function readJson(text: string): unknown {
  return JSON.parse(text);
}

export type JsonKind = 'null' | 'boolean' | 'number' | 'string' | 'array' | 'object';

export function jsonKind(v: unknown): JsonKind {
  if (v === null || v === undefined) return 'null';
  if (Array.isArray(v)) return 'array';
  return typeof v as JsonKind;
}
