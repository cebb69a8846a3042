// The records module: Kafka RecordBatch v2 (layout.ts) encoding (encode.ts), decoding and
// validation (decode.ts), in-place header edits for the log (edit.ts), CRC-32C and
// Kafka's key partitioner. It depends on lib/core alone. Everything else in lib/records
// is internal.

export { decodeBatches, readBatchHeaders, type DecodeOptions } from './decode.ts';
export { setBaseOffset, setLogAppendTime } from './edit.ts';
export { encodeBatch } from './encode.ts';
export { BATCH_HEADER_SIZE, BATCH_LOG_OVERHEAD } from './layout.ts';
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
