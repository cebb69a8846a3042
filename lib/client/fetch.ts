// One binary fetch of a partition (API.md "Fetch", Accept: application/vnd.kafka.recordbatch):
// the raw RecordBatch v2 blocks decoded into records at or after the asked offset, with
// where to continue and the partition's bounds from the answer's headers. The consumer's
// fetch loops and the partition reader both read through it.
import { OffsetOutOfRangeError } from '../core/errors.ts';
import { FETCH_HEADERS, RECORD_BATCH_TYPE } from '../core/wire.ts';
import { decodeEachBatch } from '../records/index.ts';
import type { HttpClient } from './http.ts';
import { partitionPath } from './paths.ts';
import type { ConsumedRecord } from './types.ts';

export interface FetchRequest {
  topic: string;
  partition: number;
  offset: number;
  maxRecords?: number;
  maxBytes?: number;
  /** Long-poll wait when the offset is the high watermark (ms). */
  waitMs?: number;
  signal?: AbortSignal;
}

export interface FetchedRecords {
  /** In offset order, none below the asked offset. */
  records: ConsumedRecord[];
  /** Where the next fetch starts: after the last record, or further when the answer says so. */
  nextOffset: number;
  highWatermark: number | undefined;
  logStartOffset: number | undefined;
}

export async function fetchRecords(http: HttpClient, req: FetchRequest): Promise<FetchedRecords> {
  const { topic, partition, offset } = req;
  const res = await http.request({
    method: 'GET',
    path: partitionPath(topic, partition, '/records'),
    query: { offset, maxRecords: req.maxRecords, maxBytes: req.maxBytes, waitMs: req.waitMs },
    headers: { accept: RECORD_BATCH_TYPE },
    ...(req.signal ? { signal: req.signal } : {}),
  });
  const records: ConsumedRecord[] = [];
  let last = offset - 1;
  for (const batch of res.body.length > 0 ? decodeEachBatch(res.body) : []) {
    for (const r of batch.records) {
      if (r.offset < offset) continue;
      const headers = Object.fromEntries(r.headers.map((h) => [h.key, h.value]));
      records.push({ topic, partition, offset: r.offset, timestamp: r.timestamp, key: r.key, value: r.value, headers });
      last = r.offset;
    }
  }
  const next = finite(res.headers[FETCH_HEADERS.nextOffset]);
  return {
    records,
    nextOffset: Math.max(last + 1, next ?? offset),
    highWatermark: finite(res.headers[FETCH_HEADERS.highWatermark]),
    logStartOffset: finite(res.headers[FETCH_HEADERS.logStartOffset]),
  };
}

/** The partition's bounds an OFFSET_OUT_OF_RANGE answer carries (null when absent). */
export function rangeOf(err: OffsetOutOfRangeError): { logStartOffset: number | null; highWatermark: number | null } {
  return { logStartOffset: numOrNull(err.details.logStartOffset), highWatermark: numOrNull(err.details.highWatermark) };
}

function finite(header: string | undefined): number | undefined {
  if (header === undefined) return undefined;
  const n = Number(header);
  return Number.isFinite(n) ? n : undefined;
}

function numOrNull(v: unknown): number | null {
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}
