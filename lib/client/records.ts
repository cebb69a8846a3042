// Records as JSON (API.md "Produce" JSON body, "Fetch" encoding=json): a few records
// produced by hand or read back for inspection, e.g. by the web console's produce form
// and message browser. Applications use Producer (binary batches, idempotent) and
// Consumer (groups) instead. Written against JsonTransport, so it runs in a browser.
import type { FetchResponse, ProduceRecordInput, ProduceResult, RecordEncoding } from '../core/wire.ts';
import { partitionPath, topicPath } from './paths.ts';
import type { JsonTransport } from './transport.ts';

export interface FetchRecordsOptions {
  /** First offset to read. */
  offset: number;
  /** Default 500 (server maximum 10000). */
  maxRecords?: number;
  maxBytes?: number;
  /** Long-poll this long when `offset` is the high watermark (0..20000). */
  waitMs?: number;
  /** json (default): values parsed when JSON, else strings when UTF-8, else base64. */
  encoding?: RecordEncoding;
  signal?: AbortSignal;
}

export interface ProduceRecordsOptions {
  /** How keys, values and header values in `records` are written; default json. */
  encoding?: RecordEncoding;
  /** Sent as Idempotency-Key: a retry with the same key answers the first response. */
  idempotencyKey?: string;
}

export class Records {
  constructor(private readonly http: JsonTransport) {}

  /** Records of one partition from an offset, in offset order, with where to continue. */
  async fetch(topic: string, partition: number, opts: FetchRecordsOptions): Promise<FetchResponse> {
    return this.http.json<FetchResponse>({
      method: 'GET',
      path: partitionPath(topic, partition, '/records'),
      query: {
        offset: opts.offset,
        maxRecords: opts.maxRecords,
        maxBytes: opts.maxBytes,
        waitMs: opts.waitMs,
        encoding: opts.encoding,
      },
      ...(opts.signal ? { signal: opts.signal } : {}),
    });
  }

  /** Appends JSON records; one result per record in request order (an offset or an error). */
  async produce(topic: string, records: ProduceRecordInput[], opts: ProduceRecordsOptions = {}): Promise<ProduceResult[]> {
    const res = await this.http.json<{ offsets: ProduceResult[] }>({
      method: 'POST',
      path: topicPath(topic, '/records'),
      body: { ...(opts.encoding ? { encoding: opts.encoding } : {}), records },
      ...(opts.idempotencyKey ? { headers: { 'idempotency-key': opts.idempotencyKey } } : {}),
    });
    return res.offsets;
  }
}
