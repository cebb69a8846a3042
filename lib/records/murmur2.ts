// Kafka's key hash: murmur2 exactly as org.apache.kafka.common.utils.Utils.murmur2, so a
// key lands in the same partition whichever Kafka client (Java, librdkafka's murmur2
// partitioner, kafkajs's DefaultPartitioner) or Sluice itself chose it. Math.imul gives
// Java's wrapping 32-bit int multiply; >>> gives Java's unsigned shift.

const SEED = 0x9747b28c;
const M = 0x5bd1e995;
const R = 24;

/** murmur2 of the bytes, as a signed 32-bit int (Java's return value). */
export function murmur2(data: Uint8Array): number {
  const length = data.length;
  let h = SEED ^ length;
  const length4 = length & ~3;
  for (let i = 0; i < length4; i += 4) {
    let k = data[i]! | (data[i + 1]! << 8) | (data[i + 2]! << 16) | (data[i + 3]! << 24);
    k = Math.imul(k, M);
    k ^= k >>> R;
    k = Math.imul(k, M);
    h = Math.imul(h, M);
    h ^= k;
  }
  // Java's switch falls through 3 -> 2 -> 1; the conditions below reproduce that order.
  const rest = length & 3;
  if (rest === 3) h ^= data[length4 + 2]! << 16;
  if (rest >= 2) h ^= data[length4 + 1]! << 8;
  if (rest >= 1) {
    h ^= data[length4]!;
    h = Math.imul(h, M);
  }
  h ^= h >>> 13;
  h = Math.imul(h, M);
  h ^= h >>> 15;
  return h | 0;
}

/** Kafka's Utils.toPositive: clears the sign bit (not Math.abs, which overflows on MIN_VALUE). */
export function toPositive(n: number): number {
  return n & 0x7fffffff;
}

/** The partition Kafka's default partitioner picks for a non-null key. */
export function defaultPartition(key: Uint8Array, numPartitions: number): number {
  if (!Number.isInteger(numPartitions) || numPartitions < 1) {
    throw new RangeError(`numPartitions ${numPartitions} must be a positive integer`);
  }
  return toPositive(murmur2(key)) % numPartitions;
}
