// An in-memory Sluice API behind a fetch function, for unit tests of the SDK and the CLI
// that need exact control over answers: topics with partitions of records, topic
// descriptions, offsets by time, binary fetch (pages of at most `pageSize` records, with
// the X-Next-Offset / X-High-Watermark headers), producer ids and binary produce with
// Kafka's deduplication of a resent batch. `intercept` answers a request first (to inject
// failures), `loseAnswers` stores a batch but answers 503; every fetch and produce request
// is recorded.
import { Sluice } from '../../lib/client/index.ts';
import { decodeBatches, encodeBatch, type DecodedRecord, type RecordInput } from '../../lib/records/index.ts';

export interface FakeRecord {
  key: string | null;
  value: string | null;
  headers?: Record<string, string>;
  timestamp?: number;
}

export interface FetchSeen {
  topic: string;
  partition: number;
  offset: number;
  maxRecords: number;
  waitMs?: number;
  accept: string | null;
}

export interface ProduceSeen {
  topic: string;
  partition: number;
  body: Buffer;
  records: DecodedRecord[];
  producerId: bigint;
  baseSequence: number;
}

export interface FakeRequest {
  method: string;
  url: URL;
  body: Buffer | undefined;
}

interface StoredRecord extends RecordInput {
  timestamp: number;
}

interface Topic {
  partitions: StoredRecord[][];
  logStart: number[];
}

const toInput = (r: FakeRecord, i: number): StoredRecord => ({
  key: r.key === null ? null : Buffer.from(r.key),
  value: r.value === null ? null : Buffer.from(r.value),
  headers: Object.entries(r.headers ?? {}).map(([key, v]) => ({ key, value: Buffer.from(v) })),
  timestamp: r.timestamp ?? 1000 + i,
});

const json = (body: unknown, status = 200) => Response.json(body, { status });
const error = (status: number, code: string, message: string, extra: Record<string, unknown> = {}) =>
  json({ error: { code, message, ...extra } }, status);

export class FakeApi {
  readonly fetches: FetchSeen[] = [];
  readonly produced: ProduceSeen[] = [];
  /** Answers a request before the fake does (undefined: let the fake answer). */
  intercept: ((req: FakeRequest, n: number) => Response | undefined | Promise<Response | undefined>) | undefined;
  /** Most records in one fetch answer: small, to exercise paging. */
  pageSize = 3;
  /** Produce requests whose answer is lost after they were stored (a 503 instead). */
  loseAnswers = 0;
  private readonly topics = new Map<string, Topic>();
  private readonly sequences = new Map<string, { sequence: number; baseOffset: number }>();
  private requests = 0;

  addTopic(name: string, partitions: FakeRecord[][], opts: { logStart?: number[] } = {}): void {
    this.topics.set(name, { partitions: partitions.map((p) => p.map(toInput)), logStart: partitions.map((_, i) => opts.logStart?.[i] ?? 0) });
  }

  /** Appends records to a partition, as a producer would. */
  append(topic: string, partition: number, records: FakeRecord[]): void {
    const recs = this.topics.get(topic)!.partitions[partition]!;
    recs.push(...records.map((r, i) => toInput(r, recs.length + i)));
  }

  /** Moves a partition's log start (retention) or cuts its end (a topic deleted and re-created). */
  reshape(topic: string, partition: number, opts: { logStart?: number; length?: number }): void {
    const t = this.topics.get(topic)!;
    if (opts.logStart !== undefined) t.logStart[partition] = opts.logStart;
    if (opts.length !== undefined) t.partitions[partition]!.length = opts.length;
  }

  /** The stored records of a partition, as strings. */
  values(topic: string, partition: number): Array<string | null> {
    return this.topics.get(topic)!.partitions[partition]!.map((r) => r.value?.toString() ?? null);
  }

  readonly fetch: typeof fetch = async (input, init) => {
    const req: FakeRequest = {
      method: init?.method ?? 'GET',
      url: new URL(String(input)),
      body: init?.body === undefined ? undefined : Buffer.from(init.body as Uint8Array),
    };
    const custom = await this.intercept?.(req, ++this.requests);
    if (custom) return custom;
    const res = await this.answer(req, new Headers(init?.headers).get('accept'));
    if (req.method === 'POST' && req.url.pathname.endsWith('/records') && res.ok && this.loseAnswers > 0) {
      this.loseAnswers--;
      return error(503, 'REQUEST_TIMED_OUT', 'the answer was lost');
    }
    return res;
  };

  sluice(): Sluice {
    return new Sluice({ endpoint: 'http://127.0.0.1:9192', fetch: this.fetch });
  }

  private async answer(req: FakeRequest, accept: string | null): Promise<Response> {
    const path = req.url.pathname;
    if (req.method === 'POST' && path === '/v1/producers') return json({ producerId: 7, producerEpoch: 0 });
    const m = /^\/v1\/topics\/([^/]+)(?:\/partitions\/(\d+)\/(records|offsets)|\/(records))?$/.exec(path);
    const name = m ? decodeURIComponent(m[1]!) : '';
    const topic = this.topics.get(name);
    if (!m || !topic) return error(404, 'UNKNOWN_TOPIC_OR_PARTITION', `Topic '${name}' does not exist.`);
    if (m[4]) return this.produce(name, topic, req);
    if (!m[3]) return json(this.describe(name, topic));
    const p = Number(m[2]);
    if (m[3] === 'offsets') return json({ offset: this.offsetAt(topic, p, req.url.searchParams.get('at')!) });
    return this.read(name, topic, p, req.url.searchParams, accept);
  }

  private describe(name: string, topic: Topic) {
    return {
      name,
      topicId: `id-${name}`,
      config: {},
      partitions: topic.partitions.map((recs, p) => ({ partition: p, logStartOffset: topic.logStart[p]!, highWatermark: recs.length, sizeBytes: 0, segments: 1 })),
    };
  }

  private offsetAt(topic: Topic, p: number, at: string): number {
    const recs = topic.partitions[p]!;
    if (at === 'earliest') return topic.logStart[p]!;
    if (at === 'latest') return recs.length;
    const i = recs.findIndex((r) => r.timestamp >= Number(at));
    return i < 0 ? recs.length : i;
  }

  private async read(name: string, topic: Topic, p: number, q: URLSearchParams, accept: string | null): Promise<Response> {
    const recs = topic.partitions[p]!;
    const offset = Number(q.get('offset'));
    const maxRecords = Number(q.get('maxRecords') ?? 500);
    const waitMs = q.get('waitMs');
    this.fetches.push({ topic: name, partition: p, offset, maxRecords, ...(waitMs ? { waitMs: Number(waitMs) } : {}), accept });
    const logStart = topic.logStart[p]!;
    if (offset < logStart || offset > recs.length) {
      return error(416, 'OFFSET_OUT_OF_RANGE', 'out of range', { logStartOffset: logStart, highWatermark: recs.length });
    }
    if (waitMs && offset >= recs.length) await new Promise((r) => setTimeout(r, 20));
    const slice = recs.slice(offset, offset + Math.min(maxRecords, this.pageSize));
    const body = slice.length ? encodeBatch({ baseOffset: offset, records: slice }) : Buffer.alloc(0);
    return new Response(body, {
      headers: {
        'content-type': 'application/vnd.kafka.recordbatch',
        'x-next-offset': String(offset + slice.length),
        'x-high-watermark': String(recs.length),
        'x-log-start-offset': String(logStart),
      },
    });
  }

  private produce(name: string, topic: Topic, req: FakeRequest): Response {
    const p = Number(req.url.searchParams.get('partition'));
    const recs = topic.partitions[p];
    if (!recs) return error(404, 'UNKNOWN_TOPIC_OR_PARTITION', `Partition ${p} of topic '${name}' does not exist.`);
    const [batch] = decodeBatches(req.body!);
    this.produced.push({ topic: name, partition: p, body: req.body!, records: batch!.records, producerId: batch!.producerId, baseSequence: batch!.baseSequence });
    // A resent batch (same producer and sequence) is answered with its first offsets.
    const key = `${name}/${p}/${batch!.producerId}/${batch!.baseSequence}`;
    const seen = this.sequences.get(key);
    if (seen) return json({ partition: p, baseOffset: seen.baseOffset, lastOffset: seen.baseOffset + batch!.records.length - 1 });
    const baseOffset = recs.length;
    for (const r of batch!.records) recs.push({ key: r.key, value: r.value, headers: r.headers, timestamp: r.timestamp });
    if (batch!.baseSequence >= 0) this.sequences.set(key, { sequence: batch!.baseSequence, baseOffset });
    return json({ partition: p, baseOffset, lastOffset: recs.length - 1 });
  }
}
