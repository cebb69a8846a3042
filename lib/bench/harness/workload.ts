// What the workloads are made of: deterministic record payloads (binary filler and JSON
// documents of an exact size), RecordBatch v2 bodies of them, and the few API calls every
// section makes (create a topic, produce a batch), plus running workers side by side.
import { RECORD_BATCH_TYPE } from '../../api/index.ts';
import type { HttpClient } from '../../client/index.ts';
import { encodeBatch, type RecordInput } from '../../records/index.ts';
import type { BenchContext } from './context.ts';

export { RECORD_BATCH_TYPE };

/** Deterministic filler bytes (xorshift), so runs compare like for like without random-number cost. */
export function filler(n: number, seed: number): Buffer {
  const b = Buffer.allocUnsafe(n);
  let x = seed | 1;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    b[i] = x;
  }
  return b;
}

/** A JSON document of exactly `n` bytes (n >= 16), as a JSON-speaking producer would send. */
export function jsonValue(n: number, i: number): Buffer {
  const head = `{"i":${i},"pad":"`;
  const tail = '"}';
  const pad = Math.max(0, n - head.length - tail.length);
  return Buffer.from(`${head}${'x'.repeat(pad)}${tail}`, 'utf8');
}

export const T0 = 1_750_000_000_000;

/** `count` records of `valueBytes` (16-byte keys) encoded as one RecordBatch v2. */
export function makeBatch(count: number, valueBytes: number, seed: number, value: 'binary' | 'json' = 'binary'): Buffer {
  const records: RecordInput[] = Array.from({ length: count }, (_, i) => ({
    key: filler(16, seed * 7919 + i + 1),
    value: value === 'json' ? jsonValue(valueBytes, seed * 100_000 + i) : filler(valueBytes, seed * 104_729 + i + 1),
    timestamp: T0 + i,
  }));
  return encodeBatch({ records });
}

/** One-record batches of JSON values, record i stamped T0 + i: the long logs the fetch paths read. */
export function oneRecordBatches(count: number, recordBytes: number): Buffer[] {
  return Array.from({ length: count }, (_, i) => encodeBatch({ records: [{ key: filler(16, i + 1), value: jsonValue(recordBytes, i), timestamp: T0 + i }] }));
}

/** The most records of `valueBytes` whose batch stays within `maxBytes`. */
export function recordsThatFit(maxBytes: number, valueBytes: number): number {
  const one = makeBatch(1, valueBytes, 1).length;
  const two = makeBatch(2, valueBytes, 1).length;
  const per = two - one;
  let n = Math.max(1, Math.floor((maxBytes - (one - per)) / per));
  while (n > 1 && makeBatch(n, valueBytes, 1).length > maxBytes) n--;
  return n;
}

export interface CreatedTopic {
  name: string;
  topicId: string;
}

/** Creates a topic over the API and remembers it, for cleanup after a run against an endpoint. */
export async function createTopic(ctx: Pick<BenchContext, 'topics'>, http: HttpClient, name: string, partitions = 1): Promise<CreatedTopic> {
  const res = await http.json<{ name: string; topicId: string }>({ method: 'POST', path: '/v1/topics', body: { name, partitions } });
  ctx.topics.push(res.name);
  return { name: res.name, topicId: res.topicId };
}

/** Binary produce of one RecordBatch v2 body. */
export async function produceBatch(http: HttpClient, topic: string, partition: number, body: Buffer): Promise<{ baseOffset: number; lastOffset: number }> {
  const res = await http.request({
    method: 'POST',
    path: `/v1/topics/${encodeURIComponent(topic)}/records`,
    query: { partition },
    headers: { 'content-type': RECORD_BATCH_TYPE, accept: 'application/json' },
    body,
  });
  return JSON.parse(res.body.toString('utf8')) as { baseOffset: number; lastOffset: number };
}

/** Runs `fn` for workers 0..workers-1 concurrently. */
export async function concurrently(workers: number, fn: (worker: number) => Promise<void>): Promise<void> {
  await Promise.all(Array.from({ length: workers }, (_, w) => fn(w)));
}
