// Compression of a batch's records section. Kafka keeps the codec in the low three bits
// of the batch attributes; Sluice implements none and gzip. The other codecs Kafka defines
// are recognised so a client sending them gets UNSUPPORTED_COMPRESSION_TYPE (which it can
// act on by switching codec) rather than CORRUPT_MESSAGE (which says its bytes are wrong).

import { gunzipSync, gzipSync } from 'node:zlib';
import { CorruptMessageError, UnsupportedCompressionError } from '../core/errors.ts';
import type { Compression } from './types.ts';

export const COMPRESSION_MASK = 0x07;

/** Kafka's codec ids, in attribute order. */
const CODEC_NAMES = ['none', 'gzip', 'snappy', 'lz4', 'zstd'] as const;

/** Default cap on one batch's decompressed records, so a tiny gzip bomb cannot exhaust memory. */
export const DEFAULT_MAX_UNCOMPRESSED_BYTES = 64 * 1024 * 1024;

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

export function decompress(
  c: Compression,
  data: Buffer,
  maxBytes = DEFAULT_MAX_UNCOMPRESSED_BYTES,
  where = 'batch',
): Buffer {
  if (c === 'none') return data;
  try {
    return gunzipSync(data, { maxOutputLength: maxBytes });
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    const reason =
      code === 'ERR_BUFFER_TOO_LARGE'
        ? `decompresses to more than ${maxBytes} bytes`
        : `is not valid gzip (${(err as Error).message})`;
    throw new CorruptMessageError(`${where}: records section ${reason}`, {}, err);
  }
}
