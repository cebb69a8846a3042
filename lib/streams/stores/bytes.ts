// Byte strings as store keys. Store keys compare as unsigned bytes, left to right, the
// order DynamoDB gives binary sort keys (and lowercase hex strings keep it, for a store
// that keys by text). Times are written so that this order is numeric order, negatives
// included; variable-length parts that precede other parts carry a length prefix so a
// longer key can never sort inside a shorter one's range.

export const EMPTY = new Uint8Array(0);

export function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.byteLength, b.byteLength);
  for (let i = 0; i < n; i++) {
    const d = a[i]! - b[i]!;
    if (d !== 0) return d;
  }
  return a.byteLength - b.byteLength;
}

export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  return compareBytes(a, b) === 0;
}

export function concatBytes(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.byteLength;
  }
  return out;
}

/** Lowercase hex: a map key for bytes that sorts as the bytes do. */
export function toHex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
}

export function fromHex(hex: string): Uint8Array {
  return new Uint8Array(Buffer.from(hex, 'hex'));
}

const TWO_32 = 2 ** 32;

/**
 * A time (any safe integer, epoch ms) as 8 bytes whose byte order is numeric order: the
 * big-endian two's complement with its sign bit flipped.
 */
export function encodeTime(t: number): Uint8Array {
  const out = new Uint8Array(8);
  const view = new DataView(out.buffer);
  const hi = Math.floor(t / TWO_32);
  view.setUint32(0, ((hi | 0) ^ 0x80000000) >>> 0);
  view.setUint32(4, t - hi * TWO_32);
  return out;
}

export function decodeTime(bytes: Uint8Array, at = 0): number {
  const view = new DataView(bytes.buffer, bytes.byteOffset + at, 8);
  const hi = (view.getUint32(0) ^ 0x80000000) | 0;
  return hi * TWO_32 + view.getUint32(4);
}

export function encodeUint32(n: number): Uint8Array {
  const out = new Uint8Array(4);
  new DataView(out.buffer).setUint32(0, n);
  return out;
}

export function decodeUint32(bytes: Uint8Array, at = 0): number {
  return new DataView(bytes.buffer, bytes.byteOffset + at, 4).getUint32(0);
}

/** 4-byte length, then the bytes. */
export function lengthPrefixed(bytes: Uint8Array): Uint8Array {
  return concatBytes(encodeUint32(bytes.byteLength), bytes);
}

/** Reads a length-prefixed part at `at`; returns it and the offset after it. */
export function readLengthPrefixed(bytes: Uint8Array, at = 0): { part: Uint8Array; next: number } {
  const n = decodeUint32(bytes, at);
  return { part: bytes.subarray(at + 4, at + 4 + n), next: at + 4 + n };
}

/**
 * The least byte string above every string that starts with `prefix` (the exclusive end of
 * a prefix range), or undefined when no such bound exists (the prefix is all 0xff).
 */
export function prefixEnd(prefix: Uint8Array): Uint8Array | undefined {
  for (let i = prefix.byteLength - 1; i >= 0; i--) {
    if (prefix[i] !== 0xff) {
      const out = prefix.slice(0, i + 1);
      out[i] = out[i]! + 1;
      return out;
    }
  }
  return undefined;
}

const utf8 = new TextEncoder();
export const textBytes = (s: string): Uint8Array => utf8.encode(s);
