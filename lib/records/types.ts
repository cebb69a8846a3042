// Types shared by the RecordBatch v2 codec and its callers. Offsets and timestamps are
// JS numbers (exact below 2^53, far beyond any real log); producer ids stay bigint
// because clients may send any int64.

export type Compression = 'none' | 'gzip';
export type TimestampType = 'CREATE_TIME' | 'LOG_APPEND_TIME';

export interface RecordHeader {
  key: string;
  value: Buffer | null;
}

/** A record as a producer hands it over. */
export interface RecordInput {
  key: Buffer | null;
  value: Buffer | null;
  headers?: RecordHeader[];
  /** Epoch ms; defaults to Date.now(), read once per batch (as Kafka producers stamp send time). */
  timestamp?: number;
}

export interface BatchInput {
  records: RecordInput[];
  /** Default 0: stored batches keep offsets relative to their index entry. */
  baseOffset?: number;
  compression?: Compression;
  timestampType?: TimestampType;
  /** With LOG_APPEND_TIME, the broker's time written as firstTimestamp and maxTimestamp. */
  logAppendTime?: number;
  partitionLeaderEpoch?: number;
  producerId?: bigint;
  producerEpoch?: number;
  baseSequence?: number;
  isTransactional?: boolean;
}

/** The fixed 61-byte header of a batch, decoded without touching its records. */
export interface BatchHeader {
  baseOffset: number;
  /** Bytes after the batchLength field (Kafka's batchLength). */
  batchLength: number;
  /** Whole batch size in bytes: batchLength + 12. */
  sizeInBytes: number;
  partitionLeaderEpoch: number;
  magic: number;
  crc: number;
  attributes: number;
  compression: Compression;
  timestampType: TimestampType;
  isTransactional: boolean;
  isControl: boolean;
  lastOffsetDelta: number;
  firstTimestamp: number;
  maxTimestamp: number;
  producerId: bigint;
  producerEpoch: number;
  baseSequence: number;
  recordCount: number;
}

export interface DecodedRecord {
  /** baseOffset + offsetDelta of the batch it came from. */
  offset: number;
  /** Absolute timestamp; for LOG_APPEND_TIME batches, the batch's maxTimestamp. */
  timestamp: number;
  key: Buffer | null;
  value: Buffer | null;
  headers: RecordHeader[];
}

export interface DecodedBatch extends BatchHeader {
  records: DecodedRecord[];
}
