// DynamoDB's billing arithmetic, applied to the items Sluice actually sends and receives
// (see meter.ts): item sizes as DynamoDB computes them, and the request units a call
// consumes in on-demand mode.
//
//   write          1 WRU per 1 KB of the item (the larger of before/after for updates)
//   transactional  2 WRU per 1 KB per item; a ConditionCheck counts as a write
//   read           strongly consistent: 1 RRU per 4 KB; eventually consistent: 0.5
//   query          the sizes of all items returned, summed, then rounded up to 4 KB
//   local index    a write that puts an entry in an LSI writes the index too; counted at
//                  the same rate as the table write (an upper bound for transactions)
import type { AttributeValue } from '@aws-sdk/client-dynamodb';

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

export const KB = 1024;

/** WRU for writing an item of `bytes` (at least 1). */
export function writeUnits(bytes: number, transactional = false): number {
  const units = Math.max(1, Math.ceil(bytes / KB));
  return transactional ? 2 * units : units;
}

/** RRU for reading `bytes` in one read or one query result (at least one 4 KB step). */
export function readUnits(bytes: number, consistent: boolean, transactional = false): number {
  const steps = Math.max(1, Math.ceil(bytes / (4 * KB)));
  if (transactional) return 2 * steps;
  return consistent ? steps : steps / 2;
}

/** API Gateway HTTP API: requests are metered in 512 KB increments of payload. */
export function apiGatewayRequests(payloadBytes: number, incrementBytes = 512 * KB): number {
  return Math.max(1, Math.ceil(payloadBytes / incrementBytes));
}
