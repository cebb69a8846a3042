// The Lambda handlers end to end against the emulators: API Gateway v2 events in (as
// the dev server builds them), proxy results out, real Log and storage underneath.
import { beforeAll, describe, expect, it } from 'vitest';
import { handler as healthHandler } from '../../../functions/health.ts';
import { createHandler } from '../../../lib/local/apiGateway.ts';
import { decodeBatches, defaultPartition, encodeBatch } from '../../../lib/records/index.ts';
import { useTestStorage } from '../../support/stack.ts';
import { apiOver, newLog, parseReply, restEvent, toEvent } from './helpers.ts';

const storage = useTestStorage();
let api: ReturnType<typeof apiOver>;

beforeAll(() => {
  api = apiOver(newLog(storage.clients));
});

async function createTopic(name: string, partitions = 1, config?: Record<string, unknown>) {
  const r = await api.call({ method: 'POST', url: '/v1/topics', json: { name, partitions, ...(config ? { config } : {}) } });
  expect(r.status, JSON.stringify(r.json)).toBe(201);
  return r.json;
}

const produce = (topic: string, body: unknown) => api.call({ method: 'POST', url: `/v1/topics/${topic}/records`, json: body });
const fetchJson = (topic: string, p: number, query: string) =>
  api.call({ method: 'GET', url: `/v1/topics/${topic}/partitions/${p}/records?${query}` });

describe('health', () => {
  it('answers ok from the storage-free health function', async () => {
    const r = parseReply(await healthHandler(toEvent({ method: 'GET', url: '/v1/health' })));
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toBe('application/json');
    expect(r.json).toEqual({ status: 'ok' });
  });

  it('serves only its own routes', async () => {
    const r = parseReply(await healthHandler(toEvent({ method: 'GET', url: '/v1/topics' })));
    expect(r.status).toBe(404);
    expect(r.json.error.code).toBe('NOT_FOUND');
  });
});

describe('topics', () => {
  it('creates, lists, describes, alters and deletes a topic', async () => {
    const created = await createTopic('orders', 3, { 'retention.ms': 86_400_000, 'cleanup.policy': 'delete' });
    expect(created).toMatchObject({ name: 'orders', config: { 'retention.ms': '86400000', 'max.message.bytes': '1048588' } });
    expect(created.topicId).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(created.partitions).toHaveLength(3);
    expect(created.partitions[2]).toMatchObject({ partition: 2, logStartOffset: 0, highWatermark: 0, sizeBytes: 0 });

    const list = await api.call({ method: 'GET', url: '/v1/topics' });
    expect(list.status).toBe(200);
    expect(list.json.topics).toContainEqual({
      name: 'orders',
      topicId: created.topicId,
      partitions: 3,
      config: created.config,
    });

    const described = await api.call({ method: 'GET', url: '/v1/topics/orders' });
    expect(described.status).toBe(200);
    expect(described.json).toEqual(created);

    const altered = await api.call({
      method: 'PATCH',
      url: '/v1/topics/orders',
      json: { config: { 'retention.ms': null, 'retention.bytes': '1000000' }, partitions: 5 },
    });
    expect(altered.status).toBe(200);
    expect(altered.json.partitions).toHaveLength(5);
    expect(altered.json.config['retention.ms']).toBe('604800000');
    expect(altered.json.config['retention.bytes']).toBe('1000000');

    const deleted = await api.call({ method: 'DELETE', url: '/v1/topics/orders' });
    expect(deleted.status).toBe(204);
    expect(deleted.body.length).toBe(0);
    const gone = await api.call({ method: 'GET', url: '/v1/topics/orders' });
    expect(gone.status).toBe(404);
    expect(gone.json.error.code).toBe('UNKNOWN_TOPIC_OR_PARTITION');
  });

  it('defaults to one partition and accepts charset in the content type', async () => {
    const r = await api.call({
      method: 'POST',
      url: '/v1/topics',
      headers: { 'Content-Type': 'application/json; charset=utf-8' },
      json: { name: 'single' },
    });
    expect(r.status).toBe(201);
    expect(r.json.partitions).toHaveLength(1);
  });
});

describe('REST API (payload v1) events', () => {
  it('serves create, describe, binary produce and fetch', async () => {
    const admin = createHandler('admin', { log: api.log });
    const created = parseReply(
      await admin(
        restEvent({
          method: 'POST',
          resource: '/v1/topics',
          path: '/v1/topics',
          headers: { 'Content-Type': 'application/json' },
          body: Buffer.from(JSON.stringify({ name: 'rest', partitions: 2 })),
        }),
      ),
    );
    expect(created.status).toBe(201);

    const described = parseReply(
      await admin(
        restEvent({ method: 'GET', resource: '/v1/topics/{topic}', path: '/v1/topics/rest', pathParameters: { topic: 'rest' } }),
      ),
    );
    expect(described.status).toBe(200);
    expect(described.json.name).toBe('rest');

    const batch = encodeBatch({ records: [{ key: Buffer.from('k'), value: Buffer.from('v1') }, { key: null, value: Buffer.from('v2') }] });
    const produced = parseReply(
      await createHandler('produce', { log: api.log })(
        restEvent({
          method: 'POST',
          resource: '/v1/topics/{topic}/records',
          path: '/v1/topics/rest/records',
          pathParameters: { topic: 'rest' },
          query: { partition: ['1'] },
          headers: { 'content-type': 'application/vnd.kafka.recordbatch' },
          body: batch,
          binary: true,
        }),
      ),
    );
    expect(produced.status, JSON.stringify(produced.json)).toBe(200);
    expect(produced.json).toEqual({ partition: 1, baseOffset: 0, lastOffset: 1 });

    const fetched = parseReply(
      await createHandler('fetch', { log: api.log })(
        restEvent({
          method: 'GET',
          resource: '/v1/topics/{topic}/partitions/{partition}/records',
          path: '/v1/topics/rest/partitions/1/records',
          pathParameters: { topic: 'rest', partition: '1' },
          query: { offset: ['0'], encoding: ['string'] },
          headers: { Accept: 'application/json' },
        }),
      ),
    );
    expect(fetched.status).toBe(200);
    expect(fetched.json.records.map((r: { value: string }) => r.value)).toEqual(['v1', 'v2']);
    expect(fetched.json).toMatchObject({ nextOffset: 2, highWatermark: 2, logStartOffset: 0 });
  });

  it('answers 405 with Allow and 404 for unknown paths', async () => {
    const admin = createHandler('admin', { log: api.log });
    const r = parseReply(await admin(restEvent({ method: 'PUT', resource: '/{proxy+}', path: '/v1/topics/x' })));
    expect(r.status).toBe(405);
    expect(r.headers.allow).toBe('GET, PATCH, DELETE');
    expect(r.json.error.code).toBe('METHOD_NOT_ALLOWED');
    const nf = parseReply(await admin(restEvent({ method: 'GET', resource: '/{proxy+}', path: '/v2/nothing' })));
    expect(nf.status).toBe(404);
    expect(nf.json.error.code).toBe('NOT_FOUND');
  });
});

describe('produce (JSON)', () => {
  beforeAll(async () => {
    await createTopic('enc', 1);
    await createTopic('keyed', 5);
    await createTopic('sticky', 8);
    await createTopic('spread', 3);
  });

  it('stores json values as JSON text and string keys as their bytes', async () => {
    const r = await produce('enc', {
      records: [
        { key: 'alice', value: { amount: 200 }, headers: { source: 'web', none: null }, timestamp: 1_750_000_000_000 },
        { key: 42, value: 'text' },
        { key: null, value: null },
        { value: [1, 2, { a: true }] },
      ],
    });
    expect(r.status, JSON.stringify(r.json)).toBe(200);
    expect(r.json.offsets).toEqual([0, 1, 2, 3].map((offset) => ({ partition: 0, offset })));
    const { records } = await api.log.fetch('enc', 0, { offset: 0 });
    expect(records[0]!.key!.toString()).toBe('alice');
    expect(records[0]!.value!.toString()).toBe('{"amount":200}');
    expect(records[0]!.timestamp).toBe(1_750_000_000_000);
    expect(records[0]!.headers.map((h) => [h.key, h.value?.toString() ?? null])).toEqual([
      ['source', 'web'],
      ['none', null],
    ]);
    expect(records[1]!.key!.toString()).toBe('42');
    expect(records[1]!.value!.toString()).toBe('"text"');
    expect(records[2]!.key).toBeNull();
    expect(records[2]!.value).toBeNull();
    expect(records[3]!.value!.toString()).toBe('[1,2,{"a":true}]');
  });

  it('stores string and base64 encodings as given', async () => {
    const s = await produce('enc', { encoding: 'string', records: [{ key: 'ключ', value: 'héllo', headers: { h: 'ü' } }] });
    expect(s.status).toBe(200);
    const bytes = Buffer.from([0xff, 0x00, 0xfe, 0x80]);
    const b = await produce('enc', {
      encoding: 'base64',
      records: [{ key: Buffer.from('k1').toString('base64'), value: bytes.toString('base64'), headers: { bin: 'AAE=' } }],
    });
    expect(b.status).toBe(200);
    const [rs, rb] = (await api.log.fetch('enc', 0, { offset: s.json.offsets[0].offset })).records;
    expect(rs!.key!.toString()).toBe('ключ');
    expect(rs!.value!.toString()).toBe('héllo');
    expect(rs!.headers[0]!.value!.toString()).toBe('ü');
    expect(rb!.key!.toString()).toBe('k1');
    expect(Buffer.compare(rb!.value!, bytes)).toBe(0);
    expect([...rb!.headers[0]!.value!]).toEqual([0, 1]);
  });

  it("partitions keyed records exactly as Kafka's default partitioner", async () => {
    const keys = Array.from({ length: 40 }, (_, i) => `user-${i}`);
    const r = await produce('keyed', { records: keys.map((key) => ({ key, value: 1 })) });
    expect(r.status).toBe(200);
    keys.forEach((key, i) => {
      expect(r.json.offsets[i].partition).toBe(defaultPartition(Buffer.from(key), 5));
    });
    // A non-string JSON key hashes its JSON text.
    const n = await produce('keyed', { records: [{ key: { id: 7 }, value: 1 }] });
    expect(n.json.offsets[0].partition).toBe(defaultPartition(Buffer.from('{"id":7}'), 5));
  });

  it('sends keyless records of one request to one partition', async () => {
    const seen = new Set<number>();
    for (let i = 0; i < 5; i++) {
      const r = await produce('sticky', { records: Array.from({ length: 20 }, (_, k) => ({ value: k })) });
      expect(r.status).toBe(200);
      const parts = new Set(r.json.offsets.map((o: { partition: number }) => o.partition));
      expect(parts.size).toBe(1);
      seen.add([...parts][0] as number);
      // Offsets within the partition are consecutive, in request order.
      const offs = r.json.offsets.map((o: { offset: number }) => o.offset);
      expect(offs).toEqual(offs.map((_: number, k: number) => offs[0] + k));
    }
    expect(seen.size).toBeGreaterThanOrEqual(1);
  });

  it('answers one offset per record in request order across partitions', async () => {
    const plan = [0, 1, 0, 2, 1, 0, 2, 2];
    const r = await produce('spread', { records: plan.map((partition, i) => ({ partition, value: { i } })) });
    expect(r.status).toBe(200);
    const counters = [0, 0, 0];
    expect(r.json.offsets).toEqual(plan.map((partition) => ({ partition, offset: counters[partition]!++ })));
    for (const [i, o] of (r.json.offsets as { partition: number; offset: number }[]).entries()) {
      const f = await api.log.fetch('spread', o.partition, { offset: o.offset, maxRecords: 1 });
      expect(JSON.parse(f.records[0]!.value!.toString())).toEqual({ i });
    }
  });
});

describe('produce (binary)', () => {
  it('appends base64-encoded RecordBatch v2 bodies and assigns offsets', async () => {
    await createTopic('bin', 2);
    const batch = encodeBatch({
      baseOffset: 1234,
      records: [0, 1, 2].map((i) => ({ key: Buffer.from(`k${i}`), value: Buffer.from(`v${i}`), timestamp: 1_700_000_000_000 + i })),
    });
    const first = await api.call({
      method: 'POST',
      url: '/v1/topics/bin/records?partition=1',
      headers: { 'content-type': 'application/vnd.kafka.recordbatch' },
      body: batch,
    });
    expect(first.status, JSON.stringify(first.json)).toBe(200);
    expect(first.json).toEqual({ partition: 1, baseOffset: 0, lastOffset: 2 });
    const second = await api.call({
      method: 'POST',
      url: '/v1/topics/bin/records?partition=1',
      headers: { 'content-type': 'application/vnd.kafka.recordbatch' },
      body: Buffer.concat([batch, encodeBatch({ records: [{ key: null, value: Buffer.from('x') }] })]),
    });
    expect(second.json).toEqual({ partition: 1, baseOffset: 3, lastOffset: 6 });
  });
});

describe('fetch', () => {
  const nonUtf8 = Buffer.from([0xc3, 0x28, 0xff]);
  beforeAll(async () => {
    await createTopic('reads', 1);
    const r = await produce('reads', {
      encoding: 'base64',
      records: [
        { key: Buffer.from('alice').toString('base64'), value: Buffer.from('{"amount":200}').toString('base64'), headers: { source: Buffer.from('web').toString('base64') }, timestamp: 1_750_000_000_000 },
        { key: Buffer.from('{"id":1}').toString('base64'), value: Buffer.from('plain text').toString('base64'), timestamp: 1_750_000_001_000 },
        { key: nonUtf8.toString('base64'), value: nonUtf8.toString('base64'), headers: { raw: nonUtf8.toString('base64') }, timestamp: 1_750_000_002_000 },
        { key: null, value: null, timestamp: 1_750_000_003_000 },
        { key: null, value: Buffer.from('"quoted"').toString('base64'), timestamp: 1_750_000_004_000 },
      ],
    });
    expect(r.status).toBe(200);
  });

  it('decodes values as JSON, else UTF-8 text, else base64 (encoding=json)', async () => {
    const r = await fetchJson('reads', 0, 'offset=0');
    expect(r.status).toBe(200);
    expect(r.json).toEqual({
      records: [
        { offset: 0, timestamp: 1_750_000_000_000, key: 'alice', value: { amount: 200 }, headers: { source: 'web' } },
        { offset: 1, timestamp: 1_750_000_001_000, key: { id: 1 }, value: 'plain text', headers: {} },
        {
          offset: 2,
          timestamp: 1_750_000_002_000,
          key: nonUtf8.toString('base64'),
          keyEncoding: 'base64',
          value: nonUtf8.toString('base64'),
          valueEncoding: 'base64',
          headers: { raw: nonUtf8.toString('base64') },
          headerEncoding: 'base64',
        },
        { offset: 3, timestamp: 1_750_000_003_000, key: null, value: null, headers: {} },
        { offset: 4, timestamp: 1_750_000_004_000, key: null, value: 'quoted', headers: {} },
      ],
      nextOffset: 5,
      highWatermark: 5,
      logStartOffset: 0,
    });
  });

  it('forces strings or base64 when asked, and honours offset and maxRecords', async () => {
    const s = await fetchJson('reads', 0, 'offset=1&maxRecords=1&encoding=string');
    expect(s.json.records).toEqual([{ offset: 1, timestamp: 1_750_000_001_000, key: '{"id":1}', value: 'plain text', headers: {} }]);
    expect(s.json.nextOffset).toBe(2);
    const b = await fetchJson('reads', 0, 'offset=0&maxRecords=1&encoding=base64');
    expect(b.json.records[0]).toEqual({
      offset: 0,
      timestamp: 1_750_000_000_000,
      key: Buffer.from('alice').toString('base64'),
      value: Buffer.from('{"amount":200}').toString('base64'),
      headers: { source: Buffer.from('web').toString('base64') },
    });
  });

  it('returns raw batches with absolute offsets for Accept: application/vnd.kafka.recordbatch', async () => {
    const r = await api.call({
      method: 'GET',
      url: '/v1/topics/reads/partitions/0/records?offset=2',
      headers: { accept: 'application/vnd.kafka.recordbatch' },
    });
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toBe('application/vnd.kafka.recordbatch');
    expect(r.headers['x-next-offset']).toBe('5');
    expect(r.headers['x-high-watermark']).toBe('5');
    expect(r.headers['x-log-start-offset']).toBe('0');
    const records = decodeBatches(r.body).flatMap((b) => b.records);
    // Whole stored batches: the first may start before the asked offset, as with Kafka.
    expect(records.map((x) => x.offset)).toEqual([0, 1, 2, 3, 4]);
    expect(records[4]!.value!.toString()).toBe('"quoted"');
  });

  it('lists offsets: earliest, latest and by timestamp', async () => {
    const at = async (q: string) => (await api.call({ method: 'GET', url: `/v1/topics/reads/partitions/0/offsets?at=${q}` })).json;
    expect(await at('earliest')).toEqual({ offset: 0 });
    expect(await at('latest')).toEqual({ offset: 5 });
    expect(await at('1750000001500')).toEqual({ offset: 2 });
    expect(await at('0')).toEqual({ offset: 0 });
    expect(await at('1850000000000')).toEqual({ offset: 5 });
  });
});

describe('long poll', () => {
  beforeAll(async () => {
    await createTopic('poll', 1);
  });

  it('returns as soon as a produce lands', async () => {
    const started = Date.now();
    const waiting = fetchJson('poll', 0, 'offset=0&waitMs=10000');
    await new Promise((r) => setTimeout(r, 300));
    const p = await produce('poll', { records: [{ value: { hello: 'world' } }] });
    expect(p.status).toBe(200);
    const r = await waiting;
    const elapsed = Date.now() - started;
    expect(r.status).toBe(200);
    expect(r.json.records).toEqual([expect.objectContaining({ offset: 0, value: { hello: 'world' } })]);
    expect(elapsed).toBeGreaterThanOrEqual(250);
    expect(elapsed).toBeLessThan(8_000);
  });

  it('returns empty after waitMs when nothing comes', async () => {
    const started = Date.now();
    const r = await fetchJson('poll', 0, 'offset=1&waitMs=600');
    const elapsed = Date.now() - started;
    expect(r.status).toBe(200);
    expect(r.json).toEqual({ records: [], nextOffset: 1, highWatermark: 1, logStartOffset: 0 });
    expect(elapsed).toBeGreaterThanOrEqual(550);
    expect(elapsed).toBeLessThan(5_000);
  });

  it('sees produces made through another Log instance (another container)', async () => {
    const other = apiOver(newLog(storage.clients));
    const started = Date.now();
    const waiting = fetchJson('poll', 0, 'offset=1&waitMs=10000');
    await new Promise((r) => setTimeout(r, 200));
    await other.call({ method: 'POST', url: '/v1/topics/poll/records', json: { records: [{ value: 2 }] } });
    const r = await waiting;
    expect(r.json.records.map((x: { value: unknown }) => x.value)).toEqual([2]);
    expect(Date.now() - started).toBeLessThan(8_000);
  });
});
