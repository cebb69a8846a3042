// The records module: Kafka RecordBatch v2 encode/decode, in-place header edits for the
// log, CRC-32C and Kafka's key partitioner. Everything else in lib/records is internal.

export { encodeBatch, setBaseOffset, setLogAppendTime } from './batch.ts';
export { decodeBatches, decodeEachBatch, readBatchHeaders, REQUEST_LIMITS, type DecodeLimits, type DecodeOptions } from './decode.ts';
export { BATCH_HEADER_SIZE, BATCH_LOG_OVERHEAD } from './layout.ts';
export { crc32c } from './crc32c.ts';
export { checkRecordLimits, recordSizeBound, type RecordParts } from './limits.ts';
export { defaultPartition, murmur2, toPositive } from './murmur2.ts';
export type {
  BatchHeader,
  BatchInput,
  Compression,
  DecodedBatch,
  DecodedRecord,
  RecordHeader,
  RecordInput,
  TimestampType,
} from './types.ts';
