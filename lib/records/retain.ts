// Keeping some records of a stored batch: what key compaction does to a batch, as Kafka's
// log cleaner does it (MemoryRecords.filterTo). The kept records are copied byte for byte,
// so their offset and timestamp deltas stay valid against the unchanged baseOffset and
// baseTimestamp; the header keeps lastOffsetDelta (the batch still ends where it ended,
// which is how readers step over the removed offsets), maxTimestamp (time-based retention
// and lookups keep the batch's original age) and the producer fields. Only recordsCount,
// batchLength and the CRC change. A batch that keeps nothing becomes an empty batch
// (no records, uncompressed): a valid Kafka batch that still marks where the offsets end.
import { CorruptMessageError } from '../core/errors.ts';
import { compress, COMPRESSION_MASK, decompress } from './compression.ts';
import { crc32c } from './crc32c.ts';
import { headerAt } from './decode.ts';
import { ATTRIBUTES, BATCH_HEADER_SIZE, BATCH_LENGTH, BATCH_LOG_OVERHEAD, CRC, RECORDS_COUNT } from './layout.ts';
import { Reader } from './varint.ts';

export interface Retained {
  /** The new batch (the input itself when every record is kept). */
  batch: Buffer;
  /** Records kept. */
  kept: number;
}

/**
 * One batch (exactly `batch`, checked including its CRC) with only the records whose
 * index `keep` accepts, in their order.
 */
export function retainRecords(batch: Buffer, keep: (index: number) => boolean): Retained {
  const h = headerAt(batch, 0, 0, true);
  if (h.sizeInBytes !== batch.length) {
    throw new CorruptMessageError(`retainRecords takes one batch: ${batch.length} bytes given, the batch has ${h.sizeInBytes}.`);
  }
  const section = decompress(h.compression, batch.subarray(BATCH_HEADER_SIZE));
  const spans: Buffer[] = [];
  const r = new Reader(section);
  for (let i = 0; i < h.recordCount; i++) {
    const start = r.pos;
    const length = r.varint();
    if (length < 0 || length > r.remaining) throw new CorruptMessageError(`record ${i} runs past the end of the records section`);
    r.pos += length;
    if (keep(i)) spans.push(section.subarray(start, r.pos));
  }
  if (r.pos !== section.length) throw new CorruptMessageError(`${section.length - r.pos} bytes left over after the ${h.recordCount} records`);
  if (spans.length === h.recordCount) return { batch, kept: spans.length };

  const empty = spans.length === 0;
  const records = empty ? Buffer.alloc(0) : compress(h.compression, Buffer.concat(spans));
  const out = Buffer.alloc(BATCH_HEADER_SIZE + records.length);
  batch.copy(out, 0, 0, BATCH_HEADER_SIZE);
  records.copy(out, BATCH_HEADER_SIZE);
  out.writeInt32BE(out.length - BATCH_LOG_OVERHEAD, BATCH_LENGTH);
  if (empty) out.writeInt16BE(h.attributes & ~COMPRESSION_MASK, ATTRIBUTES);
  out.writeInt32BE(spans.length, RECORDS_COUNT);
  out.writeUInt32BE(crc32c(out, ATTRIBUTES), CRC);
  return { batch: out, kept: spans.length };
}
