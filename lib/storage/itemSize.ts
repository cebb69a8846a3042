// DynamoDB's item size arithmetic, as the service computes it for its 400 KB item limit
// and for billing: UTF-8 attribute names plus values, numbers by significant digits,
// lists and maps with their per-element overhead. Features use it to refuse a write that
// could never be stored (with a clear 4xx) instead of letting DynamoDB fail it; the
// benchmarks use it to count request units.
import type { AttributeValue } from '@aws-sdk/client-dynamodb';

/** DynamoDB's hard limit on one item: 400 KB, names and values included. */
export const MAX_ITEM_BYTES = 400 * 1024;

const utf8 = (s: string): number => Buffer.byteLength(s, 'utf8');

/**
 * DynamoDB's size of a number: about one byte per two significant digits, plus one.
 * Leading and trailing zeros are not significant.
 */
export function numberSize(text: string): number {
  const mantissa = text.replace(/^[-+]/, '').toLowerCase().split('e')[0]!;
  const digits = mantissa.replace('.', '').replace(/^0+/, '').replace(/0+$/, '');
  if (digits.length === 0) return 1;
  return Math.ceil(digits.length / 2) + 1;
}

/** Size in bytes of a value (without its attribute name). */
export function valueSize(v: AttributeValue): number {
  if (v.S !== undefined) return utf8(v.S);
  if (v.N !== undefined) return numberSize(v.N);
  if (v.B !== undefined) return v.B.byteLength;
  if (v.BOOL !== undefined || v.NULL !== undefined) return 1;
  if (v.SS !== undefined) return v.SS.reduce((s, x) => s + utf8(x), 0);
  if (v.NS !== undefined) return v.NS.reduce((s, x) => s + numberSize(x), 0);
  if (v.BS !== undefined) return v.BS.reduce((s, x) => s + x.byteLength, 0);
  if (v.L !== undefined) return 3 + v.L.reduce((s, x) => s + valueSize(x) + 1, 0);
  if (v.M !== undefined) return 3 + Object.entries(v.M).reduce((s, [k, x]) => s + utf8(k) + valueSize(x) + 1, 0);
  return 0;
}

/** Item size: attribute names plus values. */
export function itemSize(item: Record<string, AttributeValue> | undefined): number {
  if (!item) return 0;
  let size = 0;
  for (const [name, v] of Object.entries(item)) size += utf8(name) + valueSize(v);
  return size;
}
