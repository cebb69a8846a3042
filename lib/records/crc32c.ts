// CRC-32C (Castagnoli, reflected polynomial 0x82F63B78): the checksum Kafka stores in every
// RecordBatch v2, computed over nearly every byte Sluice accepts or serves, so it sets the
// codec's speed limit.
//
// Slicing-by-8: eight 256-entry tables let one step fold eight input bytes with independent
// lookups instead of a serial chain of eight. Choices measured on Node 20 over ~100 KiB:
// - Input read as aligned little-endian Int32Array words (two per step): ~1.6 GB/s, against
//   ~1.1 GB/s reading through a DataView and ~0.45 GB/s byte-at-a-time (kafkajs's loop).
// - One Int32Array for all tables (not Uint32Array): lookups stay int32 in optimised code.
// Big-endian hosts would see words byte-swapped, so they take the byte loop.

const POLY = 0x82f63b78;

/** T[k * 256 + b]: the CRC register after byte b followed by k zero bytes. */
const T = (() => {
  const t = new Int32Array(8 * 256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ POLY : c >>> 1;
    t[n] = c;
  }
  for (let n = 0; n < 256; n++) {
    let c = t[n]!;
    for (let k = 1; k < 8; k++) {
      c = t[c & 0xff]! ^ (c >>> 8);
      t[k * 256 + n] = c;
    }
  }
  return t;
})();

const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/**
 * CRC-32C of `buf[start, end)` as an unsigned 32-bit number.
 * Throws RangeError if the range is not inside the buffer.
 */
export function crc32c(buf: Uint8Array, start = 0, end = buf.length): number {
  if (!(start >= 0 && end <= buf.length && start <= end)) {
    throw new RangeError(`crc32c range [${start}, ${end}) outside buffer of ${buf.length} bytes`);
  }
  let crc = -1;
  let i = start;
  if (LITTLE_ENDIAN && end - start >= 64) {
    // Bytes up to a 4-byte boundary of the underlying memory, so words can be viewed in place.
    while (((buf.byteOffset + i) & 3) !== 0) crc = T[(crc ^ buf[i++]!) & 0xff]! ^ (crc >>> 8);
    const words = ((end - i) >>> 3) << 1;
    const w = new Int32Array(buf.buffer, buf.byteOffset + i, words);
    for (let j = 0; j < words; j += 2) {
      const a = w[j]! ^ crc;
      const b = w[j + 1]!;
      crc =
        T[1792 + (a & 0xff)]! ^
        T[1536 + ((a >>> 8) & 0xff)]! ^
        T[1280 + ((a >>> 16) & 0xff)]! ^
        T[1024 + (a >>> 24)]! ^
        T[768 + (b & 0xff)]! ^
        T[512 + ((b >>> 8) & 0xff)]! ^
        T[256 + ((b >>> 16) & 0xff)]! ^
        T[b >>> 24]!;
    }
    i += words * 4;
  }
  while (i < end) crc = T[(crc ^ buf[i++]!) & 0xff]! ^ (crc >>> 8);
  return ~crc >>> 0;
}
