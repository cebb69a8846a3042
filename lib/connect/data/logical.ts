// The values of Kafka Connect's logical types: Decimal (an exact unscaled bigint and a
// scale, as Java's BigDecimal) and the conversions of Date, Time, Timestamp and Decimal
// to and from their underlying representation (Kafka's X.fromLogical / X.toLogical).
// The schemas themselves (LOGICAL names, Logical builders) are in schema.ts.
import { DataException } from './exceptions.ts';
import { LOGICAL, typeName, type Schema } from './schema.ts';

const MS_PER_DAY = 86_400_000;

/** The value of a Decimal: unscaled × 10^-scale, exactly (Java's BigDecimal). */
export class Decimal {
  constructor(
    readonly unscaled: bigint,
    readonly scale: number,
  ) {}

  static parse(text: string): Decimal {
    const m = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/.exec(text.trim());
    if (!m || (m[2] === '' && (m[3] ?? '') === '')) throw new DataException(`Invalid decimal '${text}'`);
    const digits = `${m[2]}${m[3] ?? ''}` || '0';
    let scale = (m[3] ?? '').length - Number(m[4] ?? 0);
    let unscaled = BigInt(`${m[1]}${digits}`);
    if (scale < 0) {
      unscaled *= 10n ** BigInt(-scale);
      scale = 0;
    }
    return new Decimal(unscaled, scale);
  }

  /** This value with another scale; refuses to drop non-zero digits. */
  rescale(scale: number): Decimal {
    if (scale === this.scale) return this;
    if (scale > this.scale) return new Decimal(this.unscaled * 10n ** BigInt(scale - this.scale), scale);
    const factor = 10n ** BigInt(this.scale - scale);
    if (this.unscaled % factor !== 0n) throw new DataException(`Decimal ${this.toString()} does not fit scale ${scale}`);
    return new Decimal(this.unscaled / factor, scale);
  }

  toNumber(): number {
    return Number(this.toString());
  }

  toString(): string {
    const negative = this.unscaled < 0n;
    const digits = (negative ? -this.unscaled : this.unscaled).toString();
    if (this.scale <= 0) return `${negative ? '-' : ''}${digits}${'0'.repeat(-this.scale)}`;
    const padded = digits.padStart(this.scale + 1, '0');
    return `${negative ? '-' : ''}${padded.slice(0, -this.scale)}.${padded.slice(-this.scale)}`;
  }
}

/** A logical value in its underlying representation (Kafka's X.fromLogical). */
export function fromLogical(schema: Schema, value: unknown): unknown {
  switch (schema.name) {
    case LOGICAL.date: {
      const d = requireDate(value, 'Date');
      if (d.getTime() % MS_PER_DAY !== 0) throw new DataException('Kafka Connect Date type should not have any time fields set to non-zero values.');
      return d.getTime() / MS_PER_DAY;
    }
    case LOGICAL.time: {
      const ms = requireDate(value, 'Time').getTime();
      if (ms < 0 || ms >= MS_PER_DAY) throw new DataException('Kafka Connect Time type should not have any date fields set to non-zero values.');
      return ms;
    }
    case LOGICAL.timestamp:
      return requireDate(value, 'Timestamp').getTime();
    case LOGICAL.decimal:
      return decimalToBytes(schema, value);
    default:
      return value;
  }
}

/** A logical value from its underlying representation (Kafka's X.toLogical). */
export function toLogical(schema: Schema, value: unknown): unknown {
  switch (schema.name) {
    case LOGICAL.date:
      return new Date(Number(value) * MS_PER_DAY);
    case LOGICAL.time: {
      const ms = Number(value);
      if (ms < 0 || ms >= MS_PER_DAY) throw new DataException('Time values must use number of milliseconds greater than 0 and less than 86400000');
      return new Date(ms);
    }
    case LOGICAL.timestamp:
      return new Date(Number(value));
    case LOGICAL.decimal:
      return bytesToDecimal(schema, value as Uint8Array);
    default:
      return value;
  }
}

function requireDate(value: unknown, what: string): Date {
  if (!(value instanceof Date)) throw new DataException(`Invalid type for ${what}, expected Date but was ${typeName(value)}`);
  return value;
}

export function decimalScale(schema: Schema): number {
  const text = schema.parameters?.scale;
  if (text === undefined || !/^-?\d+$/.test(text)) throw new DataException('Invalid Decimal schema: scale parameter not found.');
  return Number(text);
}

/** Two's complement, big-endian, as java.math.BigInteger.toByteArray. */
function decimalToBytes(schema: Schema, value: unknown): Buffer {
  if (!(value instanceof Decimal)) throw new DataException(`Invalid type for Decimal, expected Decimal but was ${typeName(value)}`);
  const scale = decimalScale(schema);
  if (value.scale !== scale) throw new DataException(`Decimal value has mismatching scale for given Decimal schema. Schema has scale ${scale}, value has scale ${value.scale}.`);
  let n = value.unscaled;
  const bytes: number[] = [];
  for (;;) {
    const byte = Number(n & 0xffn);
    bytes.unshift(byte);
    n >>= 8n;
    if ((n === 0n && (byte & 0x80) === 0) || (n === -1n && (byte & 0x80) !== 0)) break;
  }
  return Buffer.from(bytes);
}

function bytesToDecimal(schema: Schema, bytes: Uint8Array): Decimal {
  let n = 0n;
  for (const b of bytes) n = (n << 8n) | BigInt(b);
  if (bytes.length > 0 && (bytes[0]! & 0x80) !== 0) n -= 1n << BigInt(bytes.length * 8);
  return new Decimal(n, decimalScale(schema));
}
