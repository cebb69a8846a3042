// Compression of a batch's records section. Kafka keeps the codec in the low three bits
// of the batch attributes; Sluice implements none and gzip. The other codecs Kafka defines
// are recognised so a client sending them gets UNSUPPORTED_COMPRESSION_TYPE (which it can
// act on by switching codec) rather than CORRUPT_MESSAGE (which says its bytes are wrong).

import { gunzipSync, gzipSync } from 'node:zlib';
import { CorruptMessageError, MessageTooLargeError, UnsupportedCompressionError, type ErrorDetails } from '../core/errors.ts';
import { MAX_DECOMPRESSED_BYTES_PER_REQUEST } from '../core/limits.ts';
import type { Compression } from './types.ts';

export const COMPRESSION_MASK = 0x07;

/** Kafka's codec ids, in attribute order. */
const CODEC_NAMES = ['none', 'gzip', 'snappy', 'lz4', 'zstd'] as const;

export function compressionId(c: Compression): number {
  return c === 'gzip' ? 1 : 0;
}

/**
 * The codec named by batch attributes. `where` prefixes error messages (e.g. "batch 2 at
 * byte 180"). Throws UnsupportedCompressionError for snappy/lz4/zstd, CorruptMessageError
 * for ids Kafka does not define.
 */
export function compressionFromAttributes(attributes: number, where = 'batch'): Compression {
  const id = attributes & COMPRESSION_MASK;
  if (id === 0) return 'none';
  if (id === 1) return 'gzip';
  const name = CODEC_NAMES[id];
  if (name !== undefined) {
    throw new UnsupportedCompressionError(
      `${where}: compression ${name} (codec ${id}) is not supported; use none or gzip`,
      { codec: name },
    );
  }
  throw new CorruptMessageError(`${where}: unknown compression codec ${id} in attributes ${attributes}`);
}

export function compress(c: Compression, data: Buffer): Buffer {
  return c === 'gzip' ? gzipSync(data) : data;
}

/**
 * Inflates a records section, stopping as soon as the output passes `maxBytes` (zlib
 * works in chunks and gives up at the first one past the limit): a gzip bomb costs
 * `maxBytes`, not what it would inflate to. Past the limit is MESSAGE_TOO_LARGE.
 */
export function decompress(
  c: Compression,
  data: Buffer,
  maxBytes = MAX_DECOMPRESSED_BYTES_PER_REQUEST,
  where = 'batch',
  details: ErrorDetails = {},
): Buffer {
  if (c === 'none') return data;
  const tooLarge = (cause?: unknown) =>
    new MessageTooLargeError(
      `${where}: the records section inflates to more than ${maxBytes} bytes, what the request may still decompress.`,
      { ...details, maxDecompressedBytes: maxBytes },
      cause,
    );
  let out: Buffer;
  try {
    out = gunzipSync(data, { maxOutputLength: Math.max(1, maxBytes) });
  } catch (err) {
    if ((err as { code?: unknown }).code === 'ERR_BUFFER_TOO_LARGE') throw tooLarge(err);
    throw new CorruptMessageError(`${where}: records section is not valid gzip (${(err as Error).message})`, details, err);
  }
  if (out.length > maxBytes) throw tooLarge();
  return out;
}
