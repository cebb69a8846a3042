// One fetch over many partitions (POST /v1/fetch, binary frames of lib/core/fetchFrames.ts):
// the consumer's whole assignment in one long poll, answered as soon as any partition has
// data. Each partition comes back with its records at or after the asked offset, where to
// continue and its bounds, or with its own typed error (OFFSET_OUT_OF_RANGE carrying the
// bounds, UNKNOWN_TOPIC_OR_PARTITION) while the others are still served.
import { errorFromBody, type SluiceError } from '../core/errors.ts';
import { decodeFrames } from '../core/fetchFrames.ts';
import { MULTI_FETCH_TYPE, type PartitionOffset } from '../core/wire.ts';
import { decodeRecords } from './fetch.ts';
import type { HttpClient } from './http.ts';
import type { ConsumedRecord } from './types.ts';

export const MULTI_FETCH_PATH = '/v1/fetch';

export interface PartitionsFetch {
  partitions: readonly PartitionOffset[];
  /** Records and bytes of the whole answer, shared among the partitions with data. */
  maxRecords?: number;
  maxBytes?: number;
  /** Long-poll wait until some partition has data (ms). */
  waitMs?: number;
  signal?: AbortSignal;
}

export interface FetchedPartition {
  topic: string;
  partition: number;
  /** In offset order, none below the asked offset. */
  records: ConsumedRecord[];
  /** Where the next fetch of this partition starts. */
  nextOffset: number;
  highWatermark: number | undefined;
  logStartOffset: number | undefined;
  /** Why this partition was not served (the others were). */
  error?: SluiceError;
}

export async function fetchPartitions(http: HttpClient, req: PartitionsFetch): Promise<FetchedPartition[]> {
  const res = await http.request({
    method: 'POST',
    path: MULTI_FETCH_PATH,
    headers: { accept: MULTI_FETCH_TYPE, 'content-type': 'application/json' },
    body: JSON.stringify({
      partitions: req.partitions.map(({ topic, partition, offset }) => ({ topic, partition, offset })),
      ...(req.waitMs !== undefined ? { waitMs: req.waitMs } : {}),
      ...(req.maxRecords !== undefined ? { maxRecords: req.maxRecords } : {}),
      ...(req.maxBytes !== undefined ? { maxBytes: req.maxBytes } : {}),
    }),
    ...(req.signal ? { signal: req.signal } : {}),
  });
  const frames = decodeFrames(res.body);
  return frames.map((f, i) => {
    const asked = req.partitions[i]?.offset ?? f.nextOffset;
    const bounds = {
      highWatermark: f.highWatermark >= 0 ? f.highWatermark : undefined,
      logStartOffset: f.logStartOffset >= 0 ? f.logStartOffset : undefined,
    };
    if (f.error) return { topic: f.topic, partition: f.partition, records: [], nextOffset: asked, ...bounds, error: errorFromBody(400, { error: f.error }) };
    const records = decodeRecords(f.batches, f.topic, f.partition, asked);
    return { topic: f.topic, partition: f.partition, records, nextOffset: Math.max((records.at(-1)?.offset ?? asked - 1) + 1, f.nextOffset), ...bounds };
  });
}
