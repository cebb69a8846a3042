// The RecordBatch v2 (magic 2) byte layout, as Apache Kafka's DefaultRecordBatch defines
// it: field positions in the batch header and the record layout. The encoder (batch.ts)
// and the decoder (decode.ts) both read their offsets from here.

/*
 * Batch header, big-endian, byte offsets from the start of the batch:
 *
 *   baseOffset           int64  @0    \  Outside the CRC, so the broker can assign offsets
 *   batchLength          int32  @8     > and leader epochs in place without recomputing it.
 *   partitionLeaderEpoch int32  @12   /
 *   magic                int8   @16   Same position as in v0/v1 message sets: readers
 *                                     dispatch on it before knowing the layout.
 *   crc                  uint32 @17   CRC-32C of everything from @21 to the end of the batch.
 *   attributes           int16  @21   bits 0-2 codec, 3 LOG_APPEND_TIME, 4 transactional,
 *                                     5 control.
 *   lastOffsetDelta      int32  @23   Not recordsCount - 1 after compaction removes records,
 *                                     which is why both are stored.
 *   baseTimestamp        int64  @27   Records store deltas from it (small varlongs).
 *   maxTimestamp         int64  @35   Lets time indexes skip batches without decoding them.
 *   producerId           int64  @43   \
 *   producerEpoch        int16  @51    > Idempotence / transactions; -1 when unused.
 *   baseSequence         int32  @53   /
 *   recordsCount         int32  @57
 *   records                     @61   gzip: the compressed concatenation of all records.
 *
 * batchLength counts from @12, so a whole batch is batchLength + 12 bytes and the smallest
 * possible batchLength (no records) is 61 - 12 = 49.
 */
export const BASE_OFFSET = 0;
export const BATCH_LENGTH = 8;
export const PARTITION_LEADER_EPOCH = 12;
export const MAGIC = 16;
export const CRC = 17;
export const ATTRIBUTES = 21;
export const LAST_OFFSET_DELTA = 23;
export const BASE_TIMESTAMP = 27;
export const MAX_TIMESTAMP = 35;
export const PRODUCER_ID = 43;
export const PRODUCER_EPOCH = 51;
export const BASE_SEQUENCE = 53;
export const RECORDS_COUNT = 57;

/** Fixed header size; records start here. */
export const BATCH_HEADER_SIZE = 61;
/** Bytes before batchLength's count starts (baseOffset + batchLength). */
export const BATCH_LOG_OVERHEAD = 12;
export const MIN_BATCH_LENGTH = BATCH_HEADER_SIZE - BATCH_LOG_OVERHEAD;
export const MAGIC_V2 = 2;

export const TIMESTAMP_TYPE_BIT = 0x08;
export const TRANSACTIONAL_BIT = 0x10;
export const CONTROL_BIT = 0x20;

/*
 * Record, inside the records section (all varints zigzag-encoded):
 *
 *   length          varint   bytes of the record after this field
 *   attributes      int8     unused by Kafka so far; written 0, ignored on read
 *   timestampDelta  varlong  record timestamp - baseTimestamp
 *   offsetDelta     varint   record offset - baseOffset
 *   keyLength       varint   -1 for a null key
 *   key             bytes
 *   valueLength     varint   -1 for a null value (a tombstone)
 *   value           bytes
 *   headerCount     varint
 *   headers, each:  keyLength varint, key UTF-8, valueLength varint (-1 = null), value
 *
 * The smallest record is 7 bytes (every field one byte), which bounds how many records a
 * section of n bytes can really hold before trusting a header's count.
 */
export const MIN_RECORD_SIZE = 7;
