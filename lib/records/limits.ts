// The per-record bounds of lib/core/limits.ts applied to a record: the log checks every
// record it appends with this, and the SDK every record it is handed, so a record the
// log would refuse fails on its own in the client rather than failing the batch it
// would have joined. Also the bound of a record's size in a batch both use to fill
// batches without encoding them.
import { InvalidRecordError, RecordTooLargeError } from '../core/errors.ts';
import { MAX_HEADERS_PER_RECORD, MAX_RECORD_RESPONSE_BYTES, recordResponseBound } from '../core/limits.ts';
import type { RecordHeader } from './types.ts';

export interface RecordParts {
  key: Uint8Array | null;
  value: Uint8Array | null;
  headers?: readonly RecordHeader[];
}

/**
 * Bytes a record can take at most inside an uncompressed batch (layout.ts, "Record"):
 * its key, value and headers plus every varint at its widest (length 5, attributes 1,
 * timestamp delta 10, offset delta 5, key and value lengths 5 each, header count 5; a
 * header's two lengths 10).
 */
export function recordSizeBound(r: RecordParts): number {
  let size = 5 + 1 + 10 + 5 + 5 + (r.key?.length ?? 0) + 5 + (r.value?.length ?? 0) + 5;
  for (const h of r.headers ?? []) size += 10 + Buffer.byteLength(h.key) + (h.value?.length ?? 0);
  return size;
}

/**
 * INVALID_RECORD for more than MAX_HEADERS_PER_RECORD headers; RECORD_TOO_LARGE unless
 * the record fits a fetch response even in its largest form (recordResponseBound):
 * whatever a record weighs compressed, one that no fetch could carry must never be
 * accepted, or its readers would be stuck at its offset. `index` names it in messages.
 */
export function checkRecordLimits(r: RecordParts, index: number): void {
  const headers = r.headers ?? [];
  if (headers.length > MAX_HEADERS_PER_RECORD) {
    throw new InvalidRecordError(`Record ${index} has ${headers.length} headers; a record may have at most ${MAX_HEADERS_PER_RECORD}.`, {
      record: index,
      limit: MAX_HEADERS_PER_RECORD,
    });
  }
  let headerKeyBytes = 0;
  let headerValueBytes = 0;
  for (const h of headers) {
    headerKeyBytes += Buffer.byteLength(h.key);
    headerValueBytes += h.value?.length ?? 0;
  }
  const bound = recordResponseBound({
    keyBytes: r.key?.length ?? 0,
    valueBytes: r.value?.length ?? 0,
    headerKeyBytes,
    headerValueBytes,
    headerCount: headers.length,
  });
  if (bound > MAX_RECORD_RESPONSE_BYTES) {
    throw new RecordTooLargeError(
      `Record ${index} could take ${bound} bytes in a fetch response; a response carries at most ${MAX_RECORD_RESPONSE_BYTES}.`,
      { record: index, maxResponseBytes: MAX_RECORD_RESPONSE_BYTES },
    );
  }
}
