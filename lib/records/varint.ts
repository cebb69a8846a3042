// Zigzag varints as Kafka's record format uses them (org.apache.kafka.common.utils.ByteUtils):
// varint for 32-bit fields, varlong for 64-bit ones (timestampDelta). Values are JS numbers;
// varlongs are exact over the safe-integer range, which covers every real timestamp.
//
// Speed matters here: every record field goes through these. The free functions take
// (buf, pos) and return the new position, so the batch encoder, which sizes its output
// exactly before writing, pays no bounds checks or object traffic. Writer and Reader add a
// growable buffer and a bounds-checked cursor for everything else.

import { CorruptMessageError } from '../core/errors.ts';

const TWO_32 = 4294967296;

function assertInt32(n: number, what: string): void {
  if ((n | 0) !== n) throw new RangeError(`${what} ${n} is not a 32-bit integer`);
}

function assertSafe(n: number, what: string): void {
  if (!Number.isSafeInteger(n)) throw new RangeError(`${what} ${n} is not a safe integer`);
}

/** Bytes `writeVarint` takes for n (an int32). */
export function sizeOfVarint(n: number): number {
  const zz = ((n << 1) ^ (n >> 31)) >>> 0;
  return zz < 0x80 ? 1 : zz < 0x4000 ? 2 : zz < 0x200000 ? 3 : zz < 0x10000000 ? 4 : 5;
}

/** Bytes `writeVarlong` takes for n (a safe integer). */
export function sizeOfVarlong(n: number): number {
  if ((n | 0) === n) return sizeOfVarint(n);
  const hi = Math.floor(n / TWO_32);
  const sign = hi >> 31;
  const zhi = (((hi << 1) | ((n - hi * TWO_32) >>> 31)) ^ sign) >>> 0;
  // zhi is non-zero here (|n| >= 2^31), so the value needs 32 + bitLength(zhi) bits.
  return Math.ceil((64 - Math.clz32(zhi)) / 7);
}

/** Writes n (an int32) zigzag-encoded at pos; returns the position after it. */
export function writeVarint(buf: Uint8Array, pos: number, n: number): number {
  assertInt32(n, 'varint');
  let zz = ((n << 1) ^ (n >> 31)) >>> 0;
  while (zz > 0x7f) {
    buf[pos++] = (zz & 0x7f) | 0x80;
    zz >>>= 7;
  }
  buf[pos++] = zz;
  return pos;
}

/** Writes n (a safe integer) zigzag-encoded as a varlong at pos; returns the next position. */
export function writeVarlong(buf: Uint8Array, pos: number, n: number): number {
  if ((n | 0) === n) {
    // For int32 values 64-bit zigzag equals 32-bit zigzag, and 32-bit ops stay fast.
    let zz = ((n << 1) ^ (n >> 31)) >>> 0;
    while (zz > 0x7f) {
      buf[pos++] = (zz & 0x7f) | 0x80;
      zz >>>= 7;
    }
    buf[pos++] = zz;
    return pos;
  }
  assertSafe(n, 'varlong');
  // Split into the two's-complement halves of the int64, then zigzag across them.
  const hi = Math.floor(n / TWO_32);
  const lo = n - hi * TWO_32;
  const sign = hi >> 31;
  let zlo = ((lo << 1) ^ sign) >>> 0;
  let zhi = (((hi << 1) | (lo >>> 31)) ^ sign) >>> 0;
  while (zhi !== 0 || zlo > 0x7f) {
    buf[pos++] = (zlo & 0x7f) | 0x80;
    zlo = ((zlo >>> 7) | (zhi << 25)) >>> 0;
    zhi >>>= 7;
  }
  buf[pos++] = zlo;
  return pos;
}

/** Writes a number as a big-endian int64 (exact for safe integers). */
export function writeInt64(buf: Buffer, pos: number, n: number): number {
  assertSafe(n, 'int64');
  const hi = Math.floor(n / TWO_32);
  buf.writeInt32BE(hi, pos);
  buf.writeUInt32BE(n - hi * TWO_32, pos + 4);
  return pos + 8;
}

/** Reads a big-endian int64 as a number; throws CorruptMessageError beyond 2^53. */
export function readInt64(buf: Buffer, pos: number): number {
  const n = buf.readInt32BE(pos) * TWO_32 + buf.readUInt32BE(pos + 4);
  if (!Number.isSafeInteger(n)) {
    throw new CorruptMessageError(`int64 at byte ${pos} is beyond 2^53 and cannot be represented`);
  }
  return n;
}

/** Appends to one Buffer that doubles when full; `finish()` returns the written bytes. */
export class Writer {
  buf: Buffer;
  pos = 0;

  constructor(capacity = 256) {
    this.buf = Buffer.allocUnsafe(Math.max(16, capacity));
  }

  ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    let cap = this.buf.length * 2;
    while (cap < this.pos + n) cap *= 2;
    const next = Buffer.allocUnsafe(cap);
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }

  int8(n: number): this {
    this.ensure(1);
    this.buf.writeInt8(n, this.pos);
    this.pos += 1;
    return this;
  }

  int16(n: number): this {
    this.ensure(2);
    this.pos = this.buf.writeInt16BE(n, this.pos);
    return this;
  }

  int32(n: number): this {
    this.ensure(4);
    this.pos = this.buf.writeInt32BE(n, this.pos);
    return this;
  }

  uint32(n: number): this {
    this.ensure(4);
    this.pos = this.buf.writeUInt32BE(n, this.pos);
    return this;
  }

  int64(n: number): this {
    this.ensure(8);
    this.pos = writeInt64(this.buf, this.pos, n);
    return this;
  }

  varint(n: number): this {
    this.ensure(5);
    this.pos = writeVarint(this.buf, this.pos, n);
    return this;
  }

  varlong(n: number): this {
    this.ensure(10);
    this.pos = writeVarlong(this.buf, this.pos, n);
    return this;
  }

  raw(bytes: Uint8Array): this {
    this.ensure(bytes.length);
    this.buf.set(bytes, this.pos);
    this.pos += bytes.length;
    return this;
  }

  /** varint length (-1 for null) followed by the bytes. */
  varBytes(bytes: Uint8Array | null): this {
    if (bytes === null) return this.varint(-1);
    return this.varint(bytes.length).raw(bytes);
  }

  /** varint UTF-8 byte length followed by the UTF-8 bytes. */
  varString(s: string): this {
    const len = Buffer.byteLength(s, 'utf8');
    this.varint(len);
    this.ensure(len);
    this.pos += this.buf.write(s, this.pos, len, 'utf8');
    return this;
  }

  /** The bytes written so far (a view, not a copy). */
  finish(): Buffer {
    return this.buf.subarray(0, this.pos);
  }
}

/**
 * A cursor over buf[pos, end). Every read is bounds-checked against `end` and throws
 * CorruptMessageError on malformed input, so callers can narrow `end` to the region they
 * trust (one record, one batch) and let overruns surface as corruption.
 */
export class Reader {
  buf: Buffer;
  pos: number;
  end: number;

  constructor(buf: Buffer, pos = 0, end = buf.length) {
    this.buf = buf;
    this.pos = pos;
    this.end = end;
  }

  get remaining(): number {
    return this.end - this.pos;
  }

  private need(n: number, what: string): void {
    if (this.pos + n > this.end) {
      throw new CorruptMessageError(
        `${what} at byte ${this.pos} needs ${n} bytes but only ${this.end - this.pos} remain`,
      );
    }
  }

  int8(): number {
    this.need(1, 'int8');
    return this.buf.readInt8(this.pos++);
  }

  int16(): number {
    this.need(2, 'int16');
    const v = this.buf.readInt16BE(this.pos);
    this.pos += 2;
    return v;
  }

  int32(): number {
    this.need(4, 'int32');
    const v = this.buf.readInt32BE(this.pos);
    this.pos += 4;
    return v;
  }

  uint32(): number {
    this.need(4, 'uint32');
    const v = this.buf.readUInt32BE(this.pos);
    this.pos += 4;
    return v;
  }

  int64(): number {
    this.need(8, 'int64');
    const v = readInt64(this.buf, this.pos);
    this.pos += 8;
    return v;
  }

  /** A zigzag varint. Like Kafka, accepts at most 5 bytes and ignores bits past 32. */
  varint(): number {
    const buf = this.buf;
    const end = this.end;
    let pos = this.pos;
    if (pos < end) {
      const b = buf[pos]!;
      if (b < 0x80) {
        this.pos = pos + 1;
        return (b >>> 1) ^ -(b & 1);
      }
    }
    let zz = 0;
    for (let shift = 0; ; shift += 7) {
      if (pos >= end) throw new CorruptMessageError(`varint at byte ${this.pos} runs past the end`);
      const b = buf[pos++]!;
      zz |= (b & 0x7f) << shift;
      if (b < 0x80) break;
      if (shift === 28) throw new CorruptMessageError(`varint at byte ${this.pos} is longer than 5 bytes`);
    }
    this.pos = pos;
    return (zz >>> 1) ^ -(zz & 1);
  }

  /** A zigzag varlong (at most 10 bytes); throws if its value is beyond 2^53. */
  varlong(): number {
    const buf = this.buf;
    const end = this.end;
    let pos = this.pos;
    if (pos < end) {
      const b = buf[pos]!;
      if (b < 0x80) {
        this.pos = pos + 1;
        return (b >>> 1) ^ -(b & 1);
      }
    }
    let lo = 0;
    let hi = 0;
    for (let shift = 0; ; shift += 7) {
      if (pos >= end) throw new CorruptMessageError(`varlong at byte ${this.pos} runs past the end`);
      const b = buf[pos++]!;
      const bits = b & 0x7f;
      if (shift < 28) lo |= bits << shift;
      else if (shift === 28) {
        lo |= bits << 28;
        hi = bits >>> 4;
      } else hi |= bits << (shift - 32);
      if (b < 0x80) break;
      if (shift === 63) throw new CorruptMessageError(`varlong at byte ${this.pos} is longer than 10 bytes`);
    }
    const sign = -(lo & 1);
    const vlo = (((lo >>> 1) | (hi << 31)) ^ sign) >>> 0;
    const vhi = ((hi >>> 1) ^ sign) | 0;
    const n = vhi * TWO_32 + vlo;
    if (!Number.isSafeInteger(n)) {
      throw new CorruptMessageError(`varlong at byte ${this.pos} is beyond 2^53 and cannot be represented`);
    }
    this.pos = pos;
    return n;
  }

  /** n bytes as a view into the underlying buffer (no copy). */
  bytes(n: number): Buffer {
    this.need(n, 'byte field');
    const start = this.pos;
    this.pos += n;
    return this.buf.subarray(start, this.pos);
  }

  /** varint length then bytes; length -1 means null. */
  varBytes(): Buffer | null {
    const len = this.varint();
    if (len === -1) return null;
    if (len < -1) throw new CorruptMessageError(`negative length ${len} at byte ${this.pos}`);
    return this.bytes(len);
  }

  /** varint length then UTF-8 text; null is not allowed. */
  varString(): string {
    const len = this.varint();
    if (len < 0) throw new CorruptMessageError(`negative string length ${len} at byte ${this.pos}`);
    this.need(len, 'string');
    const start = this.pos;
    this.pos += len;
    return this.buf.toString('utf8', start, this.pos);
  }
}
