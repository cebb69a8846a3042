// Kafka's primitive wire types (Kafka protocol guide, "Protocol Primitive Types"): fixed
// big-endian integers, unsigned varints for compact lengths, zigzag varints for tagged
// field headers' neighbours, and the classic (int16/int32 length) and compact (varint
// length + 1) forms of strings, bytes and arrays. A frame that ends early or declares an
// impossible length raises ProtocolError, which closes the connection: a peer that cannot
// frame its requests cannot be answered meaningfully.

export class ProtocolError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ProtocolError';
  }
}

/** Kafka's all-zero topic id (Uuid.ZERO_UUID) in its base64url text form. */
export const ZERO_UUID = 'AAAAAAAAAAAAAAAAAAAAAA';

export class Reader {
  pos: number;
  constructor(
    readonly buf: Buffer,
    pos = 0,
    readonly end = buf.length,
  ) {
    this.pos = pos;
  }

  get remaining(): number {
    return this.end - this.pos;
  }

  private need(n: number): number {
    if (n < 0 || this.pos + n > this.end) {
      throw new ProtocolError(`frame ends early: need ${n} bytes at ${this.pos}, have ${this.end - this.pos}`);
    }
    const at = this.pos;
    this.pos += n;
    return at;
  }

  int8(): number {
    return this.buf.readInt8(this.need(1));
  }
  int16(): number {
    return this.buf.readInt16BE(this.need(2));
  }
  uint16(): number {
    return this.buf.readUInt16BE(this.need(2));
  }
  int32(): number {
    return this.buf.readInt32BE(this.need(4));
  }
  uint32(): number {
    return this.buf.readUInt32BE(this.need(4));
  }
  /** int64 as a JS number: exact for every offset, timestamp and id Sluice hands out. */
  int64(): number {
    return Number(this.buf.readBigInt64BE(this.need(8)));
  }
  float64(): number {
    return this.buf.readDoubleBE(this.need(8));
  }
  bool(): boolean {
    return this.buf[this.need(1)] !== 0;
  }
  uuid(): string {
    return this.buf.subarray(this.need(16), this.pos).toString('base64url');
  }

  /** Unsigned varint (at most 5 bytes, 32 bits). */
  uvarint(): number {
    let value = 0;
    for (let shift = 0; shift < 35; shift += 7) {
      const b = this.buf[this.need(1)]!;
      value += (b & 0x7f) * 2 ** shift;
      if ((b & 0x80) === 0) {
        if (value > 0xffffffff) break;
        return value;
      }
    }
    throw new ProtocolError(`malformed unsigned varint at ${this.pos}`);
  }

  raw(n: number): Buffer {
    const at = this.need(n);
    return this.buf.subarray(at, at + n);
  }

  /** Length of a classic (int16 or int32) or compact (uvarint - 1) field; -1 is null. */
  length(compact: boolean, wide: boolean): number {
    const n = compact ? this.uvarint() - 1 : wide ? this.int32() : this.int16();
    if (n < -1) throw new ProtocolError(`negative length ${n} at ${this.pos}`);
    if (n > this.remaining) {
      throw new ProtocolError(`length ${n} exceeds the ${this.remaining} bytes left`);
    }
    return n;
  }

  string(compact: boolean): string | null {
    const n = this.length(compact, false);
    return n < 0 ? null : this.raw(n).toString('utf8');
  }

  bytes(compact: boolean): Buffer | null {
    const n = this.length(compact, true);
    return n < 0 ? null : this.raw(n);
  }

  /** An array's element count; it is checked against the bytes left (each element takes one at least). */
  count(compact: boolean): number {
    const n = compact ? this.uvarint() - 1 : this.int32();
    if (n < -1) throw new ProtocolError(`negative array length ${n}`);
    if (n > this.remaining) throw new ProtocolError(`array of ${n} elements in ${this.remaining} bytes`);
    return n;
  }
}

/** A growable big-endian writer. */
export class Writer {
  private buf: Buffer;
  pos = 0;

  constructor(capacity = 256) {
    this.buf = Buffer.allocUnsafe(capacity);
  }

  /** Reserves n bytes; returns where they start. Read `this.buf` only after calling it (it may grow). */
  private ensure(n: number): number {
    if (this.pos + n > this.buf.length) {
      const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.pos + n));
      this.buf.copy(next, 0, 0, this.pos);
      this.buf = next;
    }
    const at = this.pos;
    this.pos += n;
    return at;
  }

  int8(n: number): this {
    const at = this.ensure(1);
    this.buf.writeInt8(n, at);
    return this;
  }
  int16(n: number): this {
    const at = this.ensure(2);
    this.buf.writeInt16BE(n, at);
    return this;
  }
  uint16(n: number): this {
    const at = this.ensure(2);
    this.buf.writeUInt16BE(n, at);
    return this;
  }
  int32(n: number): this {
    const at = this.ensure(4);
    this.buf.writeInt32BE(n, at);
    return this;
  }
  uint32(n: number): this {
    const at = this.ensure(4);
    this.buf.writeUInt32BE(n, at);
    return this;
  }
  int64(n: number): this {
    const at = this.ensure(8);
    this.buf.writeBigInt64BE(BigInt(n), at);
    return this;
  }
  float64(n: number): this {
    const at = this.ensure(8);
    this.buf.writeDoubleBE(n, at);
    return this;
  }
  bool(b: boolean): this {
    const at = this.ensure(1);
    this.buf[at] = b ? 1 : 0;
    return this;
  }
  uuid(id: string): this {
    const bytes = Buffer.from(id, 'base64url');
    if (bytes.length !== 16) throw new RangeError(`uuid '${id}' is not 16 bytes`);
    return this.raw(bytes);
  }
  uvarint(n: number): this {
    let v = n >>> 0;
    while (v >= 0x80) {
      const at = this.ensure(1);
      this.buf[at] = (v & 0x7f) | 0x80;
      v >>>= 7;
    }
    const at = this.ensure(1);
    this.buf[at] = v;
    return this;
  }
  raw(bytes: Uint8Array): this {
    const at = this.ensure(bytes.length);
    this.buf.set(bytes, at);
    return this;
  }

  length(n: number, compact: boolean, wide: boolean): this {
    if (compact) return this.uvarint(n + 1);
    return wide ? this.int32(n) : this.int16(n);
  }

  string(s: string | null, compact: boolean): this {
    if (s === null) return this.length(-1, compact, false);
    const bytes = Buffer.from(s, 'utf8');
    return this.length(bytes.length, compact, false).raw(bytes);
  }

  bytes(b: Uint8Array | null, compact: boolean): this {
    if (b === null) return this.length(-1, compact, true);
    return this.length(b.length, compact, true).raw(b);
  }

  /** Patch an int32 written earlier (a frame's size prefix). */
  setInt32(at: number, n: number): void {
    this.buf.writeInt32BE(n, at);
  }

  finish(): Buffer {
    return this.buf.subarray(0, this.pos);
  }
}
