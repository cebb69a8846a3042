// The records module: Kafka RecordBatch v2 encode/decode, in-place header edits for the
// log, CRC-32C and Kafka's key partitioner. Everything else in lib/records is internal.

export {
  BATCH_HEADER_SIZE,
  BATCH_LOG_OVERHEAD,
  decodeBatches,
  encodeBatch,
  readBatchHeaders,
  setBaseOffset,
  setLogAppendTime,
  type DecodeOptions,
} from './batch.ts';
export { crc32c } from './crc32c.ts';
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
