// The producer never builds a request the server would refuse for its size: a batch
// closes at the records or headers one request may carry, and a record the log would
// refuse fails on its own instead of failing the batch it would have joined.
import { describe, expect, it } from 'vitest';
import { InvalidRecordError, RecordTooLargeError } from '../../../lib/core/errors.ts';
import { MAX_HEADERS_PER_RECORD, MAX_HEADERS_PER_REQUEST, MAX_RECORDS_PER_REQUEST } from '../../../lib/core/limits.ts';
import { HttpClient } from '../../../lib/client/http.ts';
import { Producer } from '../../../lib/client/producer/index.ts';
import { readBatchHeaders } from '../../../lib/records/index.ts';

/** A server answering one topic's metadata and every produce, remembering each request's record count. */
function fakeServer() {
  const requests: { records: number }[] = [];
  let next = 0;
  const reply = (body: unknown) => new Response(JSON.stringify(body), { status: 200, headers: { 'content-type': 'application/json' } });
  const fetch = (async (url: string | URL, init?: RequestInit) => {
    const { pathname } = new URL(url);
    if (pathname === '/v1/producers') return reply({ producerId: 7, producerEpoch: 0 });
    if (init?.method === 'GET') return reply({ name: 't', partitions: [{ partition: 0 }], config: { 'max.message.bytes': '4194304' } });
    const batches = readBatchHeaders(Buffer.from(init!.body as Uint8Array));
    const records = batches.reduce((n, b) => n + b.recordCount, 0);
    requests.push({ records });
    const baseOffset = next;
    next += records;
    return reply({ partition: 0, baseOffset, lastOffset: next - 1 });
  }) as typeof globalThis.fetch;
  return { http: new HttpClient({ endpoint: 'http://127.0.0.1:9', fetch }), requests };
}

const producerOver = (http: HttpClient) => new Producer(http, { lingerMs: 5, batchBytes: 4 * 1024 * 1024, maxInFlight: 5 });

describe('producer batches within one request\'s limits', () => {
  it('closes a batch at the records one request may carry', async () => {
    const { http, requests } = fakeServer();
    const producer = producerOver(http);

    const acks = await Promise.all(Array.from({ length: MAX_RECORDS_PER_REQUEST + 1 }, () => producer.send({ topic: 't', value: null, partition: 0 })));
    await producer.close();

    expect(acks).toHaveLength(MAX_RECORDS_PER_REQUEST + 1);
    expect(requests.map((r) => r.records)).toEqual([MAX_RECORDS_PER_REQUEST, 1]);
  });

  it('closes a batch at the headers one request may carry', async () => {
    const { http, requests } = fakeServer();
    const producer = producerOver(http);
    const headers = Array.from({ length: MAX_HEADERS_PER_RECORD }, () => ({ key: 'h', value: 'v' }));
    const count = MAX_HEADERS_PER_REQUEST / MAX_HEADERS_PER_RECORD + 1;

    const sends = Array.from({ length: count }, () => producer.send({ topic: 't', value: 'x', headers, partition: 0 }));
    await producer.close();
    await Promise.all(sends);

    expect(requests.map((r) => r.records)).toEqual([count - 1, 1]);
  });

  it('refuses a record the log would refuse on its own; the others are sent', async () => {
    const { http, requests } = fakeServer();
    const producer = producerOver(http);
    const tooMany = Array.from({ length: MAX_HEADERS_PER_RECORD + 1 }, () => ({ key: 'h', value: 'v' }));

    const sends = [
      producer.send({ topic: 't', value: 'a', partition: 0 }),
      producer.send({ topic: 't', value: 'b', headers: tooMany, partition: 0 }),
      producer.send({ topic: 't', value: Buffer.alloc(4_600_000), partition: 0 }),
      producer.send({ topic: 't', value: 'c', partition: 0 }),
    ];
    const closing = producer.close();
    const outcomes = await Promise.allSettled(sends);
    await closing;

    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'rejected', 'rejected', 'fulfilled']);
    expect((outcomes[1] as PromiseRejectedResult).reason).toBeInstanceOf(InvalidRecordError);
    expect((outcomes[2] as PromiseRejectedResult).reason).toBeInstanceOf(RecordTooLargeError);
    expect(requests.map((r) => r.records)).toEqual([2]);
  });
});
