// Bounds on produce and fetch over HTTP: no request costs more than a fixed multiple of
// its size (bombs are refused while they are decoded, with a 4xx, writing nothing), and
// every record a topic accepts can be read back by every fetch form, so no reader is
// ever stuck at an offset.
import { gzipSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import { MAX_BATCH_BYTES, MAX_HEADERS_PER_RECORD, MAX_JSON_RECORDS_PER_REQUEST } from '../../../lib/core/limits.ts';
import { crc32c } from '../../../lib/records/crc32c.ts';
import { decodeBatches, encodeBatch } from '../../../lib/records/index.ts';
import type { RecordInput } from '../../../lib/records/types.ts';
import { useTestStorage } from '../../support/stack.ts';
import { apiOver, newLog } from './helpers.ts';

const storage = useTestStorage();
let api: ReturnType<typeof apiOver>;
let n = 0;

beforeAll(() => {
  api = apiOver(newLog(storage.clients));
});

async function topic(config: Record<string, unknown> = {}): Promise<string> {
  const name = `limits-${n++}`;
  const r = await api.call({ method: 'POST', url: '/v1/topics', json: { name, partitions: 1, config } });
  expect(r.status, JSON.stringify(r.json)).toBe(201);
  return name;
}

const produceBinary = (name: string, body: Buffer) =>
  api.call({
    method: 'POST',
    url: `/v1/topics/${name}/records?partition=0`,
    headers: { 'content-type': 'application/vnd.kafka.recordbatch' },
    body,
  });
const produceJson = (name: string, body: string) =>
  api.call({ method: 'POST', url: `/v1/topics/${name}/records`, headers: { 'content-type': 'application/json' }, body });
const fetchJson = (name: string, query: string) => api.call({ method: 'GET', url: `/v1/topics/${name}/partitions/0/records?${query}` });
const fetchBinary = (name: string, offset: number) =>
  api.call({
    method: 'GET',
    url: `/v1/topics/${name}/partitions/0/records?offset=${offset}`,
    headers: { accept: 'application/vnd.kafka.recordbatch' },
  });
const highWatermark = async (name: string) => (await api.call({ method: 'GET', url: `/v1/topics/${name}` })).json.partitions[0].highWatermark;

/** A gzip batch around the records section of `records`, as a producer would send it. */
function gzipOf(records: RecordInput[]): Buffer {
  const plain = encodeBatch({ records });
  const out = Buffer.concat([plain.subarray(0, 61), gzipSync(plain.subarray(61))]);
  out.writeInt16BE(out.readInt16BE(21) | 1, 21);
  out.writeInt32BE(out.length - 12, 8);
  out.writeUInt32BE(crc32c(out, 21), 17);
  return out;
}

describe('every record a topic accepts is readable by every fetch', () => {
  it('cuts a JSON response at a record boundary below 6 MB and continues from there', async () => {
    const name = await topic({ 'max.message.bytes': MAX_BATCH_BYTES });
    // '"' doubles in JSON: two 1.9 MB records would be a 7.6 MB response.
    const quotes = Buffer.alloc(1_900_000, '"'.charCodeAt(0));
    for (let i = 0; i < 2; i++) expect((await produceBinary(name, encodeBatch({ records: [{ key: null, value: quotes }] }))).status).toBe(200);

    const r = await fetchJson(name, 'offset=0&maxBytes=6291456&encoding=string');
    const next = await fetchJson(name, `offset=${r.json.nextOffset}&maxBytes=6291456&encoding=string`);

    expect(r.status).toBe(200);
    expect(r.body.length).toBeLessThan(6_000_000);
    expect(r.json.records).toHaveLength(1);
    expect(r.json.nextOffset).toBe(1);
    expect(next.json.records.map((x: { offset: number }) => x.offset)).toEqual([1]);
  });

  it('returns a first record larger than maxBytes, as Kafka does', async () => {
    const name = await topic();
    await produceJson(name, JSON.stringify({ encoding: 'string', records: [{ value: 'x'.repeat(10_000) }, { value: 'y' }] }));

    const r = await fetchJson(name, 'offset=0&maxBytes=1');

    expect(r.json.records.map((x: { offset: number }) => x.offset)).toEqual([0]);
    expect(r.json.nextOffset).toBe(1);
  });

  it('sends the largest record a topic takes as base64 when its text would not fit a response', async () => {
    const name = await topic({ 'max.message.bytes': MAX_BATCH_BYTES });
    // NUL is valid UTF-8 but escapes to 6 characters: 4 MB of it is 24 MB of JSON text.
    const value = Buffer.alloc(4_000_000, 0);
    expect((await produceBinary(name, encodeBatch({ records: [{ key: null, value, headers: [{ key: 'h', value: Buffer.from('v') }] }] }))).status).toBe(200);

    for (const encoding of ['string', 'json', 'base64']) {
      const r = await fetchJson(name, `offset=0&encoding=${encoding}`);
      expect(r.status, encoding).toBe(200);
      expect(r.json.records[0]).toMatchObject({ offset: 0, headers: { h: 'dg==' } });
      if (encoding !== 'base64') expect(r.json.records[0]).toMatchObject({ valueEncoding: 'base64', headerEncoding: 'base64' });
      expect(Buffer.from(r.json.records[0].value, 'base64').equals(value), encoding).toBe(true);
      expect(r.json.nextOffset).toBe(1);
    }
    const bin = await fetchBinary(name, 0);
    expect(bin.status).toBe(200);
    expect(decodeBatches(bin.body)[0]!.records[0]!.value!.equals(value)).toBe(true);
  });

  it('refuses at produce the 61 KB gzip batch of one 60 MiB record, and writes nothing', async () => {
    const name = await topic();
    const bomb = gzipOf([{ key: null, value: Buffer.alloc(60 * 1024 * 1024) }]);
    expect(bomb.length).toBeLessThan(70 * 1024);

    const r = await produceBinary(name, bomb);

    expect(r.status).toBe(413);
    expect(r.json.error.code).toBe('MESSAGE_TOO_LARGE');
    expect(await highWatermark(name)).toBe(0);
  });

  it('refuses at produce a compressed record that no fetch response could carry', async () => {
    const name = await topic();
    // Well within what a request may inflate, but 6.1 MB as base64.
    const batch = gzipOf([{ key: null, value: Buffer.alloc(4_600_000) }]);

    const r = await produceBinary(name, batch);

    expect(r.status).toBe(413);
    expect(r.json.error).toMatchObject({ code: 'RECORD_TOO_LARGE', record: 0 });
    expect(await highWatermark(name)).toBe(0);
  });
});

describe('produce requests are bounded while they are decoded', () => {
  it('refuses a 3 MB JSON body of a million records with 413 before parsing it', async () => {
    const name = await topic();
    const body = `{"records":[${new Array(1_000_000).fill('{}').join(',')}]}`;
    expect(body.length).toBeLessThan(3_100_000);

    const r = await produceJson(name, body);

    expect(r.status).toBe(413);
    expect(r.json.error).toMatchObject({ code: 'MESSAGE_TOO_LARGE', limit: MAX_JSON_RECORDS_PER_REQUEST });
    expect(await highWatermark(name)).toBe(0);
  });

  it('takes exactly as many JSON records as the limit, and not one more', async () => {
    const name = await topic();
    const body = (count: number) => `{"records":[${new Array(count).fill('{"value":1}').join(',')}]}`;

    const over = await produceJson(name, body(MAX_JSON_RECORDS_PER_REQUEST + 1));
    const at = await produceJson(name, body(MAX_JSON_RECORDS_PER_REQUEST));

    expect(over.status).toBe(413);
    expect(at.status).toBe(200);
    expect(await highWatermark(name)).toBe(MAX_JSON_RECORDS_PER_REQUEST);
  });

  it('refuses a JSON record with more headers than a record may have, writing nothing', async () => {
    const name = await topic();
    const headers = Object.fromEntries(Array.from({ length: MAX_HEADERS_PER_RECORD + 1 }, (_, i) => [`h${i}`, 'v']));

    const r = await produceJson(name, JSON.stringify({ records: [{ value: 1 }, { value: 2, headers }] }));

    expect(r.status).toBe(400);
    expect(r.json.error).toMatchObject({ code: 'INVALID_RECORD', fields: ['records[1].headers'] });
    expect(await highWatermark(name)).toBe(0);
  });

  it('refuses a binary record with more headers than a record may have, writing nothing', async () => {
    const name = await topic();
    const headers = Array.from({ length: MAX_HEADERS_PER_RECORD + 1 }, () => ({ key: 'h', value: null }));

    const r = await produceBinary(name, encodeBatch({ records: [{ key: null, value: Buffer.from('v'), headers }] }));

    expect(r.status).toBe(400);
    expect(r.json.error.code).toBe('INVALID_RECORD');
    expect(await highWatermark(name)).toBe(0);
  });
});
