// DynamoDB attribute values (as a stream record carries them) to JSON: S, BOOL and NULL
// as themselves, N as a number (as a string where a JSON number would lose digits, since
// DynamoDB numbers have up to 38), B as base64, M and L as objects and arrays, and the
// sets SS, NS, BS as arrays.
import type { AttributeValue } from '@aws-sdk/client-dynamodb-streams';
import type { Json } from '../source.ts';
import type { Row } from '../envelope.ts';

function number(text: string): Json {
  const n = Number(text);
  return Number.isFinite(n) && String(n) === text.replace(/^(-?)0+(?=\d)/, '$1') && (!Number.isInteger(n) || Number.isSafeInteger(n)) ? n : text;
}

const base64 = (bytes: Uint8Array): string => Buffer.from(bytes).toString('base64');

export function attributeToJson(value: AttributeValue): Json {
  if (value.S !== undefined) return value.S;
  if (value.N !== undefined) return number(value.N);
  if (value.BOOL !== undefined) return value.BOOL;
  if (value.NULL !== undefined) return null;
  if (value.B !== undefined) return base64(value.B);
  if (value.M !== undefined) return itemToJson(value.M);
  if (value.L !== undefined) return value.L.map(attributeToJson);
  if (value.SS !== undefined) return value.SS;
  if (value.NS !== undefined) return value.NS.map(number);
  if (value.BS !== undefined) return value.BS.map(base64);
  throw new Error(`unknown DynamoDB attribute value: ${Object.keys(value).join(',')}`);
}

export function itemToJson(item: Record<string, AttributeValue>): Row {
  return Object.fromEntries(Object.entries(item).map(([k, v]) => [k, attributeToJson(v)]));
}
