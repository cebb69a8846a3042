// The SDK producer against a real dev server: batching, Kafka partitioning, order per key,
// and idempotence (a lost response followed by the automatic retry writes nothing twice;
// a sequence gap is refused with OutOfOrderSequenceError).
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { HttpClient } from '../../../lib/client/http.ts';
import {
  ClientClosedError,
  NetworkError,
  OutOfOrderSequenceError,
  ProducerFencedError,
  RecordTooLargeError,
  Sluice,
  SluiceError,
  UnknownProducerIdError,
  UnknownTopicOrPartitionError,
  type ConsumedRecord,
} from '../../../lib/client/index.ts';
import { defaultPartition, decodeBatches, encodeBatch } from '../../../lib/records/index.ts';
import { useDevServer } from './devServer.ts';

const dev = useDevServer();
const name = (prefix: string) => `${prefix}-${randomBytes(4).toString('hex')}`;

/** Every record of a partition, read back through the binary fetch route. */
async function readAll(http: HttpClient, topic: string, partition: number): Promise<ConsumedRecord[]> {
  const out: ConsumedRecord[] = [];
  let offset = 0;
  for (;;) {
    const res = await http.request({
      method: 'GET',
      path: `/v1/topics/${topic}/partitions/${partition}/records`,
      query: { offset, maxRecords: 10_000 },
      headers: { accept: 'application/vnd.kafka.recordbatch' },
    });
    for (const b of decodeBatches(res.body)) {
      for (const r of b.records) {
        if (r.offset < offset) continue;
        out.push({ topic, partition, offset: r.offset, timestamp: r.timestamp, key: r.key, value: r.value, headers: Object.fromEntries(r.headers.map((h) => [h.key, h.value])) });
      }
    }
    const next = Number(res.headers['x-next-offset']);
    if (next === offset) return out;
    offset = next;
    if (offset >= Number(res.headers['x-high-watermark'])) return out;
  }
}

describe('Producer', () => {
  it('sends 10,000 keyed records: all acknowledged, each stored once, per-key order kept', { timeout: 60_000 }, async () => {
    const sluice = new Sluice({ endpoint: dev.url });
    const topic = name('bulk');
    await sluice.admin().createTopic({ name: topic, partitions: 3 });
    const producer = sluice.producer({ lingerMs: 2, batchBytes: 64 * 1024 });
    const N = 10_000;
    const keys = Array.from({ length: 37 }, (_, i) => `key-${i}`);

    const started = Date.now();
    const acks = await Promise.all(
      Array.from({ length: N }, (_, i) => producer.send({ topic, key: keys[i % keys.length]!, value: `v${i}` })),
    );
    await producer.close();
    const elapsed = Date.now() - started;

    // Acknowledged at distinct offsets, in Kafka's partition for the key.
    expect(acks).toHaveLength(N);
    acks.forEach((a, i) => {
      expect(a.topic).toBe(topic);
      expect(a.partition).toBe(defaultPartition(Buffer.from(keys[i % keys.length]!), 3));
    });
    expect(new Set(acks.map((a) => `${a.partition}/${a.offset}`)).size).toBe(N);
    // Per key, offsets increase in send order.
    const lastByKey = new Map<string, number>();
    acks.forEach((a, i) => {
      const k = keys[i % keys.length]!;
      expect(a.offset).toBeGreaterThan(lastByKey.get(k) ?? -1);
      lastByKey.set(k, a.offset);
    });

    // Read back: every value exactly once, at its acknowledged offset; dense offsets.
    const stored = (await Promise.all([0, 1, 2].map((p) => readAll(sluice.http, topic, p)))).flat();
    expect(stored).toHaveLength(N);
    const byPosition = new Map(stored.map((r) => [`${r.partition}/${r.offset}`, r.value!.toString()]));
    acks.forEach((a, i) => expect(byPosition.get(`${a.partition}/${a.offset}`)).toBe(`v${i}`));
    const desc = await sluice.admin().describeTopic(topic);
    expect(desc.partitions.reduce((s, p) => s + p.highWatermark, 0)).toBe(N);
    expect(elapsed).toBeLessThan(30_000);
  });

  it('stamps headers, null values and timestamps; keyless records stick to one partition per batch', async () => {
    const sluice = new Sluice({ endpoint: dev.url });
    const topic = name('shapes');
    await sluice.admin().createTopic({ name: topic, partitions: 4 });
    const producer = sluice.producer({ lingerMs: 20 });
    const [a, b, c] = await Promise.all([
      producer.send({ topic, value: 'one', headers: { h: 'x', bin: Buffer.from([0xff]), none: null } }),
      producer.send({ topic, value: null, timestamp: 1_750_000_000_000 }),
      producer.send({ topic, value: Buffer.from('three'), headers: [{ key: 'dup', value: 'a' }, { key: 'dup', value: 'b' }] }),
    ]);
    // One batch: one sticky partition, consecutive offsets.
    expect(new Set([a!.partition, b!.partition, c!.partition]).size).toBe(1);
    expect([b!.offset - a!.offset, c!.offset - a!.offset]).toEqual([1, 2]);
    const recs = await readAll(sluice.http, topic, a!.partition);
    expect(recs.map((r) => r.value?.toString() ?? null)).toEqual(['one', null, 'three']);
    expect(recs[0]!.headers).toEqual({ h: Buffer.from('x'), bin: Buffer.from([0xff]), none: null });
    expect(recs[1]!.timestamp).toBe(1_750_000_000_000);
    expect(recs[2]!.headers.dup).toEqual(Buffer.from('b'));

    // Explicit partitions are honoured; one that does not exist fails that send only.
    expect((await producer.send({ topic, partition: 3, value: 'p3' })).partition).toBe(3);
    await expect(producer.send({ topic, partition: 9, value: 'x' })).rejects.toBeInstanceOf(UnknownTopicOrPartitionError);
    await expect(producer.send({ topic: name('missing'), value: 'x' })).rejects.toMatchObject({ code: 'UNKNOWN_TOPIC_OR_PARTITION' });

    await producer.close();
    await expect(producer.send({ topic, value: 'late' })).rejects.toBeInstanceOf(ClientClosedError);
  });

  it('gzip batches round-trip, and a non-idempotent producer works too', async () => {
    const sluice = new Sluice({ endpoint: dev.url });
    const topic = name('gzip');
    await sluice.admin().createTopic({ name: topic });
    const gz = sluice.producer({ compression: 'gzip' });
    const plain = sluice.producer({ idempotent: false });
    await Promise.all(Array.from({ length: 50 }, (_, i) => gz.send({ topic, key: 'k', value: `gz-${i}` })));
    await gz.flush();
    await plain.send({ topic, value: 'plain' });
    await Promise.all([gz.close(), plain.close()]);
    const recs = await readAll(sluice.http, topic, 0);
    expect(recs.map((r) => r.value!.toString())).toEqual([...Array.from({ length: 50 }, (_, i) => `gz-${i}`), 'plain']);
  });

  it('retries a request whose response was lost without storing the batch twice', async () => {
    let produceCalls = 0;
    let lost = 0;
    // The real request is made (and committed); then the caller sees a network error.
    const lossy: typeof fetch = async (input, init) => {
      const res = await fetch(input, init);
      const url = new URL(String(input));
      if (init?.method === 'POST' && url.pathname.endsWith('/records')) {
        produceCalls++;
        if (produceCalls === 1) {
          await res.arrayBuffer();
          lost++;
          throw new TypeError('fetch failed', { cause: { code: 'ECONNRESET' } });
        }
      }
      return res;
    };
    const sluice = new Sluice({ endpoint: dev.url, fetch: lossy });
    const topic = name('lost');
    await sluice.admin().createTopic({ name: topic });
    const producer = sluice.producer({ retryBackoffMs: 10 });
    const acks = await Promise.all(['a', 'b', 'c'].map((value) => producer.send({ topic, key: 'k', value })));
    await producer.close();

    expect(lost).toBe(1);
    expect(produceCalls).toBe(2);
    expect(acks.map((a) => a.offset)).toEqual([0, 1, 2]);
    const recs = await readAll(sluice.http, topic, 0);
    expect(recs.map((r) => r.value!.toString())).toEqual(['a', 'b', 'c']);

    // Without idempotence the same loss does duplicate: the retry is what dedupes.
    produceCalls = 0;
    const careless = new Sluice({ endpoint: dev.url, fetch: lossy }).producer({ idempotent: false, retryBackoffMs: 10 });
    await careless.send({ topic, key: 'k', value: 'd' });
    await careless.close();
    expect((await readAll(sluice.http, topic, 0)).map((r) => r.value!.toString())).toEqual(['a', 'b', 'c', 'd', 'd']);
  });

  it('fails a send with NetworkError once retries are exhausted', async () => {
    const down: typeof fetch = async (input, init) => {
      if (init?.method === 'POST' && String(input).includes('/records')) throw new TypeError('fetch failed', { cause: { code: 'ECONNREFUSED' } });
      return fetch(input, init);
    };
    const sluice = new Sluice({ endpoint: dev.url, fetch: down });
    const topic = name('down');
    await sluice.admin().createTopic({ name: topic });
    const producer = sluice.producer({ retries: 2, retryBackoffMs: 5 });
    const err = await producer.send({ topic, value: 'x' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NetworkError);
    expect(err).toMatchObject({ code: 'NETWORK_EXCEPTION', retriable: true });
  });

  it('refuses a sequence gap with OutOfOrderSequenceError', async () => {
    const http = new HttpClient({ endpoint: dev.url });
    const topic = name('gap');
    await http.json({ method: 'POST', path: '/v1/topics', body: { name: topic } });
    const { producerId, producerEpoch } = await http.json<{ producerId: number; producerEpoch: number }>({ method: 'POST', path: '/v1/producers' });
    const batch = (baseSequence: number, value: string) =>
      encodeBatch({ records: [{ key: null, value: Buffer.from(value) }], producerId: BigInt(producerId), producerEpoch, baseSequence });
    const send = async (body: Buffer) => {
      const res = await http.request({
        method: 'POST',
        path: `/v1/topics/${topic}/records`,
        query: { partition: 0 },
        headers: { 'content-type': 'application/vnd.kafka.recordbatch' },
        body,
      });
      return JSON.parse(res.body.toString()) as { baseOffset: number };
    };

    expect((await send(batch(0, 'first'))).baseOffset).toBe(0);
    const err = await send(batch(5, 'gap')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OutOfOrderSequenceError);
    expect(err).toBeInstanceOf(SluiceError);
    expect(err).toMatchObject({ code: 'OUT_OF_ORDER_SEQUENCE_NUMBER', retriable: false, status: 409 });
    expect((await send(batch(1, 'second'))).baseOffset).toBe(1);
  });

  it('fails the affected send of a producer whose sequence the server does not expect, then continues under a new id', async () => {
    // Learn the producer id the SDK gets, and write under it first so its sequence 0 is taken.
    let producerId: number | undefined;
    const spy: typeof fetch = async (input, init) => {
      const res = await fetch(input, init);
      if (new URL(String(input)).pathname === '/v1/producers' && producerId === undefined) {
        producerId = ((await res.clone().json()) as { producerId: number }).producerId;
        await sneak(producerId);
      }
      return res;
    };
    const http = new HttpClient({ endpoint: dev.url });
    const topic = name('fenced-seq');
    await http.json({ method: 'POST', path: '/v1/topics', body: { name: topic } });
    const sneak = (id: number) =>
      http.request({
        method: 'POST',
        path: `/v1/topics/${topic}/records`,
        query: { partition: 0 },
        headers: { 'content-type': 'application/vnd.kafka.recordbatch' },
        body: encodeBatch({
          records: ['s1', 's2', 's3'].map((v) => ({ key: null, value: Buffer.from(v) })),
          producerId: BigInt(id),
          producerEpoch: 0,
          baseSequence: 0,
        }),
      });

    const producer = new Sluice({ endpoint: dev.url, fetch: spy }).producer();
    const err = await producer.send({ topic, key: 'k', value: 'mine' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OutOfOrderSequenceError);
    // The partition continues under a new producer id: later sends succeed.
    const next = await producer.send({ topic, key: 'k', value: 'after' });
    await producer.close();
    expect(next.offset).toBe(3);
    expect((await readAll(http, topic, 0)).map((r) => r.value!.toString())).toEqual(['s1', 's2', 's3', 'after']);
  });
  it('fails the send of a producer id the server does not know, then continues under a new id', async () => {
    // The first id handed to the SDK is one the server never registered (as after expiry).
    let first = true;
    const spy: typeof fetch = async (input, init) => {
      const res = await fetch(input, init);
      if (new URL(String(input)).pathname !== '/v1/producers' || !first) return res;
      first = false;
      return new Response(JSON.stringify({ producerId: 4242, producerEpoch: 0 }), { status: 200, headers: { 'content-type': 'application/json' } });
    };
    const http = new HttpClient({ endpoint: dev.url });
    const topic = name('unknown-id');
    await http.json({ method: 'POST', path: '/v1/topics', body: { name: topic } });
    const producer = new Sluice({ endpoint: dev.url, fetch: spy }).producer();

    const err = await producer.send({ topic, value: 'lost' }).catch((e: unknown) => e);
    const next = await producer.send({ topic, value: 'after' });
    await producer.close();

    expect(err).toBeInstanceOf(UnknownProducerIdError);
    expect(next.offset).toBe(0);
    expect((await readAll(http, topic, 0)).map((r) => r.value!.toString())).toEqual(['after']);
  });

  it('keeps order with several requests in flight when a later batch lands first', async () => {
    let produceCalls = 0;
    // Hold the first produce request back, so the second reaches the server first and is
    // refused as out of order until the first has landed.
    let outOfOrder = 0;
    const slowFirst: typeof fetch = async (input, init) => {
      const produce = init?.method === 'POST' && String(input).includes('/records');
      if (produce && ++produceCalls === 1) await sleep(300);
      const res = await fetch(input, init);
      if (produce && res.status === 409) outOfOrder++;
      return res;
    };
    const sluice = new Sluice({ endpoint: dev.url, fetch: slowFirst });
    const topic = name('inflight');
    await sluice.admin().createTopic({ name: topic });
    const producer = sluice.producer({ maxInFlight: 5, batchBytes: 400, lingerMs: 0, retryBackoffMs: 10 });
    const acks = await Promise.all(Array.from({ length: 60 }, (_, i) => producer.send({ topic, key: 'k', value: `m${i}` })));
    await producer.close();
    expect(produceCalls).toBeGreaterThan(3);
    expect(outOfOrder).toBeGreaterThan(0);
    expect(acks.map((a) => a.offset)).toEqual(acks.map((_, i) => i));
    expect((await readAll(sluice.http, topic, 0)).map((r) => r.value!.toString())).toEqual(acks.map((_, i) => `m${i}`));
  });

  it('retries 429 with Retry-After and CONCURRENT_TRANSACTIONS; PRODUCER_FENCED fails every pending send', async () => {
    let produceCalls = 0;
    const answers: Array<() => Response> = [
      () => Response.json({ error: { code: 'THROTTLING_QUOTA_EXCEEDED', message: 'slow down' } }, { status: 429, headers: { 'retry-after': '0' } }),
      () => Response.json({ error: { code: 'CONCURRENT_TRANSACTIONS', message: 'busy' } }, { status: 409 }),
    ];
    let fenced = false;
    const faulty: typeof fetch = async (input, init) => {
      if (init?.method === 'POST' && String(input).includes('/records')) {
        produceCalls++;
        const injected = answers.shift();
        if (injected) return injected();
        if (fenced) return Response.json({ error: { code: 'PRODUCER_FENCED', message: 'fenced' } }, { status: 409 });
      }
      return fetch(input, init);
    };
    const sluice = new Sluice({ endpoint: dev.url, fetch: faulty });
    const topic = name('faults');
    await sluice.admin().createTopic({ name: topic, partitions: 2 });
    const producer = sluice.producer({ retryBackoffMs: 5 });
    expect(await producer.send({ topic, partition: 0, value: 'ok' })).toMatchObject({ partition: 0, offset: 0 });
    expect(produceCalls).toBe(3);

    fenced = true;
    const results = await Promise.allSettled([
      producer.send({ topic, partition: 0, value: 'x' }),
      producer.send({ topic, partition: 1, value: 'y' }),
    ]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    for (const r of results) expect((r as PromiseRejectedResult).reason).toBeInstanceOf(ProducerFencedError);
    await expect(producer.send({ topic, value: 'later' })).rejects.toBeInstanceOf(ProducerFencedError);
    await producer.close();
  });
  it('a batch the server refuses outright frees its sequence: the next send goes on under the same id', async () => {
    let inits = 0;
    const counting: typeof fetch = async (input, init) => {
      if (new URL(String(input)).pathname === '/v1/producers') inits++;
      return fetch(input, init);
    };
    const sluice = new Sluice({ endpoint: dev.url, fetch: counting });
    const topic = name('toolarge');
    await sluice.admin().createTopic({ name: topic, config: { 'max.message.bytes': 1_000 } });
    const producer = sluice.producer();
    await expect(producer.send({ topic, value: Buffer.alloc(2_000, 1) })).rejects.toBeInstanceOf(RecordTooLargeError);
    expect(await producer.send({ topic, value: 'small' })).toMatchObject({ offset: 0 });
    // Small records fill batches up to the topic's limit, never beyond it.
    const acks = await Promise.all(Array.from({ length: 40 }, (_, i) => producer.send({ topic, value: `${i}`.padStart(100, '.') })));
    await producer.close();
    expect(acks.at(-1)!.offset).toBe(40);
    expect(inits).toBe(1);
  });
});
