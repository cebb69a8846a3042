import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { CorruptMessageError, MessageTooLargeError, UnsupportedCompressionError } from '../../../lib/core/errors.ts';
import { compress, compressionFromAttributes, decompress } from '../../../lib/records/compression.ts';

describe('compressionFromAttributes', () => {
  it('reads the codec from the low three bits only', () => {
    expect(compressionFromAttributes(0)).toBe('none');
    expect(compressionFromAttributes(1)).toBe('gzip');
    expect(compressionFromAttributes(0x08 | 0x10 | 1)).toBe('gzip');
  });

  it.each([
    [2, 'snappy'],
    [3, 'lz4'],
    [4, 'zstd'],
  ])('rejects codec %d (%s) as unsupported, naming it', (id, name) => {
    const attempt = () => compressionFromAttributes(id, 'batch 0 at byte 0');

    expect(attempt).toThrow(UnsupportedCompressionError);
    expect(attempt).toThrow(new RegExp(`batch 0 at byte 0: compression ${name}`));
  });

  it.each([5, 6, 7])('rejects undefined codec %d as corrupt', (id) => {
    expect(() => compressionFromAttributes(id)).toThrow(CorruptMessageError);
  });
});

describe('gzip', () => {
  it('round-trips bytes', () => {
    const data = Buffer.from('records '.repeat(100));

    expect(decompress('gzip', compress('gzip', data))).toEqual(data);
  });

  it('reports bytes that are not gzip as corrupt', () => {
    expect(() => decompress('gzip', Buffer.from('not gzip at all'))).toThrow(CorruptMessageError);
  });

  it('refuses to inflate past the size cap as MESSAGE_TOO_LARGE', () => {
    const bomb = gzipSync(Buffer.alloc(1 << 20));

    expect(() => decompress('gzip', bomb, 1024)).toThrow(MessageTooLargeError);
    expect(() => decompress('gzip', bomb, 1024)).toThrow(/more than 1024 bytes/);
  });
});
