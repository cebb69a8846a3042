// Bounds on what one request may carry and one record may be, shared by the server (which
// refuses what exceeds them) and the SDK (which never builds a request that would be
// refused). They exist so that no input costs more than a fixed multiple of its size:
// a compressed batch is inflated, and JSON is parsed, only up to these bounds, and every
// record accepted can be served back by every read path within Lambda's 6 MB payload.
//
//   request body      MAX_REQUEST_BYTES                  Lambda's request payload
//   response body     MAX_RESPONSE_BYTES                 Lambda's response payload, with room
//   one stored batch  MAX_BATCH_BYTES                    base64 of it fits a response
//   one request       MAX_DECOMPRESSED_BYTES_PER_REQUEST  gzip inflated at most this far
//                     MAX_RECORDS_PER_REQUEST            binary batches
//                     MAX_JSON_RECORDS_PER_REQUEST       JSON records (each costs ~1 KB to parse)
//                     MAX_HEADERS_PER_REQUEST            headers of all records together
//   one record        MAX_HEADERS_PER_RECORD
//                     recordResponseBound() <= MAX_RECORD_RESPONSE_BYTES

/** Largest request body accepted (after base64 decoding): Lambda's 6 MB payload limit. */
export const MAX_REQUEST_BYTES = 6_291_456;
/**
 * Largest response body produced. Lambda's synchronous response limit is 6 MB for the
 * whole JSON envelope (status, headers, base64 body); stay clear of it.
 */
export const MAX_RESPONSE_BYTES = 6_000_000;
/**
 * Largest stored batch, and so the highest max.message.bytes a topic may set: a binary
 * fetch sends one whole batch at least, base64-encoded (4/3 of it) in the response.
 */
export const MAX_BATCH_BYTES = 4_194_304;
/** Bytes the gzip batches of one request may inflate to, all together. */
export const MAX_DECOMPRESSED_BYTES_PER_REQUEST = 33_554_432;
/** Records in the RecordBatch blocks of one request (a decoded record is a few hundred bytes of objects). */
export const MAX_RECORDS_PER_REQUEST = 100_000;
/** Records in one JSON produce request: parsing and converting one costs about 1 KB. */
export const MAX_JSON_RECORDS_PER_REQUEST = 10_000;
/** Headers of one record. */
export const MAX_HEADERS_PER_RECORD = 1_000;
/** Headers of all records of one request together. */
export const MAX_HEADERS_PER_REQUEST = 100_000;
/** Room for a fetch response's envelope around its records array. */
export const RESPONSE_ENVELOPE_BYTES = 512;
/** Largest response bound of a single record (see recordResponseBound). */
export const MAX_RECORD_RESPONSE_BYTES = MAX_RESPONSE_BYTES - RESPONSE_ENVELOPE_BYTES;

/** The sizes of one record's parts, in bytes; null key or value counts as 0. */
export interface RecordSizes {
  keyBytes: number;
  valueBytes: number;
  /** UTF-8 bytes of every header name together, and of every header value together. */
  headerKeyBytes: number;
  headerValueBytes: number;
  headerCount: number;
}

const base64Length = (n: number): number => Math.ceil(n / 3) * 4;
/** Fixed JSON around one record: offset, timestamp, field names, encoding flags. */
const RECORD_JSON_OVERHEAD = 256;
/** Quotes, colon and comma around one header. */
const HEADER_JSON_OVERHEAD = 6;
/** A header name is a JSON string: one escaped byte takes at most 6 characters (\u00XX). */
const ESCAPED_BYTE = 6;

/**
 * Most bytes a record can take in a JSON fetch response when its key, value and header
 * values are sent as base64 (the form a fetch falls back to when a record's natural
 * form does not fit). A record whose bound exceeds MAX_RECORD_RESPONSE_BYTES could never
 * be served, so produce refuses it.
 */
export function recordResponseBound(r: RecordSizes): number {
  return (
    RECORD_JSON_OVERHEAD +
    base64Length(r.keyBytes) +
    base64Length(r.valueBytes) +
    ESCAPED_BYTE * r.headerKeyBytes +
    // Each value is padded on its own: under 3 more characters per header than the total.
    base64Length(r.headerValueBytes) + 3 * r.headerCount +
    HEADER_JSON_OVERHEAD * r.headerCount
  );
}
