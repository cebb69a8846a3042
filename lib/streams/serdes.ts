// Serdes: how keys and values become bytes on topics and in stores, with Kafka Streams'
// names (Serdes.string(), Serdes.long(), ...). A serde owns both directions so one object
// describes a topic's format. null always maps to null (a tombstone), both ways, so a
// deleted table row or a null-valued record survives every serde. The numeric serdes
// write Kafka's big-endian layouts, so a Java consumer with LongDeserializer reads a
// count written here; the windowed serdes match Kafka's TimeWindowedSerializer and
// SessionWindowedSerializer layouts.
import { InvalidRequestError } from '../core/errors.ts';
import { concatBytes } from './stores/bytes.ts';

export interface Serde<T> {
  serialize(value: T | null): Uint8Array | null;
  deserialize(bytes: Uint8Array | null): T | null;
}

/** A window of event time: [start, end) for time windows, [start, end] for sliding and session windows. */
export interface Window {
  start: number;
  end: number;
}

/** A key of a windowed table: the grouping key and the window it counts in. */
export interface Windowed<K> {
  key: K;
  window: Window;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

function fromFns<T>(serialize: (v: T) => Uint8Array, deserialize: (b: Uint8Array) => T): Serde<T> {
  return {
    serialize: (v) => (v === null || v === undefined ? null : serialize(v)),
    deserialize: (b) => (b === null ? null : deserialize(b)),
  };
}

function fixedWidth(bytes: Uint8Array, width: number, name: string): DataView {
  if (bytes.byteLength !== width) {
    throw new InvalidRequestError(`a ${name} is ${width} bytes, got ${bytes.byteLength}`);
  }
  return new DataView(bytes.buffer, bytes.byteOffset, width);
}

function longBytes(n: number): Uint8Array {
  if (!Number.isSafeInteger(n)) throw new InvalidRequestError(`${n} is not a safe integer for a long`);
  const out = new Uint8Array(8);
  new DataView(out.buffer).setBigInt64(0, BigInt(n));
  return out;
}

function readLong(view: DataView, at: number): number {
  return Number(view.getBigInt64(at));
}

const string = fromFns<string>((v) => encoder.encode(v), (b) => decoder.decode(b));
const json = fromFns<unknown>(
  (v) => encoder.encode(JSON.stringify(v)),
  (b) => JSON.parse(decoder.decode(b)) as unknown,
);
const bytes = fromFns<Uint8Array>((v) => v, (b) => b);
const long = fromFns<number>(longBytes, (b) => readLong(fixedWidth(b, 8, 'long'), 0));
const integer = fromFns<number>(
  (v) => {
    if (!Number.isInteger(v) || v < -(2 ** 31) || v >= 2 ** 31) throw new InvalidRequestError(`${v} is not a 32-bit integer`);
    const out = new Uint8Array(4);
    new DataView(out.buffer).setInt32(0, v);
    return out;
  },
  (b) => fixedWidth(b, 4, 'integer').getInt32(0),
);
const double = fromFns<number>(
  (v) => {
    const out = new Uint8Array(8);
    new DataView(out.buffer).setFloat64(0, v);
    return out;
  },
  (b) => fixedWidth(b, 8, 'double').getFloat64(0),
);

function innerBytes<K>(inner: Serde<K>, key: K): Uint8Array {
  const b = inner.serialize(key);
  if (b === null) throw new InvalidRequestError('a windowed key needs a non-null inner key');
  return b;
}

/** Kafka's TimeWindowedSerde: inner key bytes, then the window start (8 bytes); the end is start + size. */
function timeWindowed<K>(inner: Serde<K>, windowSize: number): Serde<Windowed<K>> {
  return fromFns<Windowed<K>>(
    (w) => concatBytes(innerBytes(inner, w.key), longBytes(w.window.start)),
    (b) => {
      if (b.byteLength < 8) throw new InvalidRequestError('a time-windowed key is at least 8 bytes');
      const view = new DataView(b.buffer, b.byteOffset, b.byteLength);
      const start = readLong(view, b.byteLength - 8);
      const key = inner.deserialize(b.subarray(0, b.byteLength - 8)) as K;
      return { key, window: { start, end: start + windowSize } };
    },
  );
}

/** Kafka's SessionWindowedSerde: inner key bytes, then the end and the start (8 bytes each). */
function sessionWindowed<K>(inner: Serde<K>): Serde<Windowed<K>> {
  return fromFns<Windowed<K>>(
    (w) => concatBytes(innerBytes(inner, w.key), longBytes(w.window.end), longBytes(w.window.start)),
    (b) => {
      if (b.byteLength < 16) throw new InvalidRequestError('a session-windowed key is at least 16 bytes');
      const view = new DataView(b.buffer, b.byteOffset, b.byteLength);
      const end = readLong(view, b.byteLength - 16);
      const start = readLong(view, b.byteLength - 8);
      const key = inner.deserialize(b.subarray(0, b.byteLength - 16)) as K;
      return { key, window: { start, end } };
    },
  );
}

/**
 * The built-in formats by name: what a processor's definition records for each store, so
 * an interactive query (served where the user's topology is not loaded) can turn a key
 * from a URL into the store's bytes and a stored value into JSON. A user-defined serde is
 * 'custom': its keys are queried and its values answered as base64 bytes.
 */
export type SerdeFormat = 'string' | 'json' | 'bytes' | 'long' | 'integer' | 'double' | 'custom';

const BUILT_IN: ReadonlyMap<unknown, SerdeFormat> = new Map<unknown, SerdeFormat>([
  [string, 'string'],
  [json, 'json'],
  [bytes, 'bytes'],
  [long, 'long'],
  [integer, 'integer'],
  [double, 'double'],
]);

export function serdeFormat(serde: unknown): SerdeFormat {
  return BUILT_IN.get(serde) ?? 'custom';
}

/** The serde of a format; a custom one reads and writes its bytes unchanged. */
export function serdeOfFormat(format: SerdeFormat): Serde<unknown> {
  for (const [serde, f] of BUILT_IN) if (f === format) return serde as Serde<unknown>;
  return bytes as Serde<unknown>;
}

export const Serdes = {
  /** UTF-8 text. */
  string: (): Serde<string> => string,
  /** JSON text in UTF-8: the default for values and keys whose serde is not given. */
  json: <T = unknown>(): Serde<T> => json as Serde<T>,
  /** Raw bytes, unchanged. */
  bytes: (): Serde<Uint8Array> => bytes,
  /** A 64-bit big-endian integer (Kafka's LongSerde), read back as a number (exact below 2^53). */
  long: (): Serde<number> => long,
  /** A 32-bit big-endian integer (Kafka's IntegerSerde). */
  integer: (): Serde<number> => integer,
  /** An IEEE 754 double, big-endian (Kafka's DoubleSerde). */
  double: (): Serde<number> => double,
  /** A user-defined serde from its two functions; null is handled before they are called. */
  from: <T>(serialize: (value: T) => Uint8Array, deserialize: (bytes: Uint8Array) => T): Serde<T> =>
    fromFns(serialize, deserialize),
  timeWindowed,
  sessionWindowed,
};
