// In-place edits of a stored RecordBatch v2 (layout.ts): what the log changes in a batch
// it accepts (its baseOffset at append and compaction, outside the CRC; LogAppendTime
// timestamps, with a fresh CRC once the old one checked out).
import { crc32c } from './crc32c.ts';
import { headerAt } from './decode.ts';
import { checkTimestamp } from './encode.ts';
import { ATTRIBUTES, BASE_OFFSET, BASE_TIMESTAMP, BATCH_HEADER_SIZE, CRC, MAX_TIMESTAMP, TIMESTAMP_TYPE_BIT } from './layout.ts';
import { writeInt64 } from './varint.ts';

function checkHeaderRange(buf: Buffer, batchStart: number): void {
  if (!Number.isInteger(batchStart) || batchStart < 0 || batchStart + BATCH_HEADER_SIZE > buf.length) {
    throw new RangeError(`no batch header at byte ${batchStart} of a ${buf.length}-byte buffer`);
  }
}

/**
 * Overwrites the batch's baseOffset. The CRC does not cover it, which is what lets the
 * log assign offsets at append time without re-checksumming the batch.
 */
export function setBaseOffset(buf: Buffer, batchStart: number, baseOffset: number): void {
  checkHeaderRange(buf, batchStart);
  if (!Number.isSafeInteger(baseOffset) || baseOffset < 0) {
    throw new RangeError(`baseOffset ${baseOffset} must be a non-negative safe integer`);
  }
  writeInt64(buf, batchStart + BASE_OFFSET, baseOffset);
}

/**
 * Marks the batch LOG_APPEND_TIME with `ts` as both its base and max timestamp, as a
 * topic with message.timestamp.type=LogAppendTime requires, and rewrites the CRC. The
 * existing CRC is checked first (unless verifyCrc is false) so a corrupt batch is never
 * given a fresh, valid checksum.
 */
export function setLogAppendTime(
  buf: Buffer,
  batchStart: number,
  ts: number,
  opts: { verifyCrc?: boolean } = {},
): void {
  checkHeaderRange(buf, batchStart);
  checkTimestamp(ts, 'logAppendTime');
  const h = headerAt(buf, batchStart, 0, opts.verifyCrc ?? true);
  buf.writeInt16BE(h.attributes | TIMESTAMP_TYPE_BIT, batchStart + ATTRIBUTES);
  writeInt64(buf, batchStart + BASE_TIMESTAMP, ts);
  writeInt64(buf, batchStart + MAX_TIMESTAMP, ts);
  buf.writeUInt32BE(crc32c(buf, batchStart + ATTRIBUTES, batchStart + h.sizeInBytes), batchStart + CRC);
}
