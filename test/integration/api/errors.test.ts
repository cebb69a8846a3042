// Every row of API.md's error table, through the handlers, against the emulators. Each
// rejected request must write nothing: partition heads are compared before and after.
import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHandler } from '../../../lib/local/apiGateway.ts';
import { encodeBatch } from '../../../lib/records/index.ts';
import { createStorageClients, destroyStorageClients, type StorageClients } from '../../../lib/storage/clients.ts';
import { useTestStorage } from '../../support/stack.ts';
import { apiOver, newLog, parseReply, toEvent, type Reply } from './helpers.ts';

const storage = useTestStorage();
let api: ReturnType<typeof apiOver>;

beforeAll(async () => {
  api = apiOver(newLog(storage.clients));
  for (const [name, partitions, config] of [
    ['errs', 3, undefined],
    ['small', 2, { 'max.message.bytes': 1000 }],
  ] as const) {
    const r = await api.call({ method: 'POST', url: '/v1/topics', json: { name, partitions, ...(config ? { config } : {}) } });
    expect(r.status).toBe(201);
  }
  const seed = await api.call({ method: 'POST', url: '/v1/topics/errs/records', json: { records: [{ partition: 0, value: 1 }, { partition: 0, value: 2 }] } });
  expect(seed.status).toBe(200);
});

const heads = async (topic: string) => (await api.log.describeTopic(topic)).partitions;

function expectError(r: Reply, status: number, code: string, messageMatch?: RegExp): void {
  expect(r.status, JSON.stringify(r.json)).toBe(status);
  expect(r.headers['content-type']).toBe('application/json');
  expect(r.json.error.code).toBe(code);
  expect(typeof r.json.error.message).toBe('string');
  expect(r.json.error.message.length).toBeGreaterThan(0);
  if (messageMatch) expect(r.json.error.message).toMatch(messageMatch);
}

/** Runs the request and checks no partition head of the topics moved. */
async function rejected(req: Parameters<typeof api.call>[0], status: number, code: string, messageMatch?: RegExp) {
  const before = [await heads('errs'), await heads('small')];
  const r = await api.call(req);
  expectError(r, status, code, messageMatch);
  expect([await heads('errs'), await heads('small')]).toEqual(before);
  return r;
}

const produceTo = (topic: string, json: unknown) => ({ method: 'POST', url: `/v1/topics/${topic}/records`, json });
const binary = (topic: string, query: string, body: Buffer) => ({
  method: 'POST',
  url: `/v1/topics/${topic}/records${query}`,
  headers: { 'content-type': 'application/vnd.kafka.recordbatch' },
  body,
});

describe('400 INVALID_REQUEST', () => {
  it('malformed JSON', async () => {
    await rejected({ method: 'POST', url: '/v1/topics/errs/records', headers: { 'content-type': 'application/json' }, body: '{"records": [' }, 400, 'INVALID_REQUEST', /not valid JSON/);
    await rejected({ method: 'POST', url: '/v1/topics', headers: { 'content-type': 'application/json' }, body: '' }, 400, 'INVALID_REQUEST');
  });
  it('wrong types, naming the field', async () => {
    const r = await rejected(produceTo('errs', { records: [{ value: 1, partition: '0' }] }), 400, 'INVALID_REQUEST', /records\[0\]\.partition/);
    expect(r.json.error.fields).toEqual(['records[0].partition']);
    await rejected(produceTo('errs', { records: 'x' }), 400, 'INVALID_REQUEST', /records/);
    await rejected(produceTo('errs', { encoding: 'string', records: [{ value: 5 }] }), 400, 'INVALID_REQUEST', /records\[0\]\.value/);
    await rejected(produceTo('errs', { records: [{ value: 1, timestamp: -5 }] }), 400, 'INVALID_REQUEST', /timestamp/);
    await rejected(produceTo('errs', { records: [{ value: 1, headers: { a: 1 } }] }), 400, 'INVALID_REQUEST', /headers\.a/);
    await rejected({ method: 'POST', url: '/v1/topics', json: { name: 7 } }, 400, 'INVALID_REQUEST', /name/);
    await rejected({ method: 'POST', url: '/v1/topics', json: { name: 'x', partitions: '3' } }, 400, 'INVALID_REQUEST', /partitions/);
  });
  it('unknown fields, naming them', async () => {
    await rejected(produceTo('errs', { records: [{ value: 1, vlaue: 2 }] }), 400, 'INVALID_REQUEST', /records\[0\]\.vlaue/);
    await rejected({ method: 'POST', url: '/v1/topics', json: { name: 'x', replication: 3 } }, 400, 'INVALID_REQUEST', /replication/);
    await rejected({ method: 'PATCH', url: '/v1/topics/errs', json: { retention: 1 } }, 400, 'INVALID_REQUEST', /retention/);
  });
  it('an empty records array, bad base64, bad query values', async () => {
    await rejected(produceTo('errs', { records: [] }), 400, 'INVALID_REQUEST', /at least one record/);
    await rejected(produceTo('errs', { encoding: 'base64', records: [{ value: 'not base64!' }] }), 400, 'INVALID_REQUEST', /records\[0\]\.value.*base64/);
    await rejected(produceTo('errs', { encoding: 'base64', records: [{ value: 'QUJD' }, { value: 'QUJ' }] }), 400, 'INVALID_REQUEST', /records\[1\]\.value/);
    for (const q of ['', 'offset=', 'offset=-1', 'offset=1e3', 'offset=1.5', 'offset=0x10', 'offset=99999999999999999999', 'offset=0&maxRecords=0', 'offset=0&maxRecords=10001', 'offset=0&waitMs=20001', 'offset=0&maxBytes=0', 'offset=0&encoding=xml', 'offset=0&offset=1', 'offset=0&bogus=1']) {
      await rejected({ method: 'GET', url: `/v1/topics/errs/partitions/0/records?${q}` }, 400, 'INVALID_REQUEST');
    }
    await rejected({ method: 'GET', url: '/v1/topics/errs/partitions/x/records?offset=0' }, 400, 'INVALID_REQUEST', /partition/);
    await rejected({ method: 'GET', url: '/v1/topics/errs/partitions/-1/records?offset=0' }, 400, 'INVALID_REQUEST', /partition/);
    await rejected({ method: 'GET', url: '/v1/topics/errs/partitions/0/offsets' }, 400, 'INVALID_REQUEST', /'at'/);
    await rejected({ method: 'GET', url: '/v1/topics/errs/partitions/0/offsets?at=yesterday' }, 400, 'INVALID_REQUEST');
    await rejected(binary('errs', '', encodeBatch({ records: [{ key: null, value: Buffer.from('x') }] })), 400, 'INVALID_REQUEST', /partition/);
    await rejected(binary('errs', '?partition=abc', encodeBatch({ records: [{ key: null, value: Buffer.from('x') }] })), 400, 'INVALID_REQUEST', /partition/);
  });
});

describe('400 INVALID_TOPIC_EXCEPTION', () => {
  it('rejects bad names in bodies and paths, including path tricks', async () => {
    for (const name of ['', '.', '..', 'a'.repeat(250), 'bad name', 'a/b', 'ünï']) {
      await rejected({ method: 'POST', url: '/v1/topics', json: { name } }, 400, 'INVALID_TOPIC_EXCEPTION');
    }
    for (const path of ['..', '%2e%2e', '%2E', 'a%2Fb', 'a%20b', '%252e', 'x%00', encodeURIComponent('ü')]) {
      await rejected({ method: 'GET', url: `/v1/topics/${path}` }, 400, 'INVALID_TOPIC_EXCEPTION');
      await rejected({ method: 'DELETE', url: `/v1/topics/${path}` }, 400, 'INVALID_TOPIC_EXCEPTION');
      await rejected({ method: 'PATCH', url: `/v1/topics/${path}`, json: { partitions: 9 } }, 400, 'INVALID_TOPIC_EXCEPTION');
      await rejected(produceTo(path, { records: [{ value: 1 }] }), 400, 'INVALID_TOPIC_EXCEPTION');
      await rejected({ method: 'GET', url: `/v1/topics/${path}/partitions/0/records?offset=0` }, 400, 'INVALID_TOPIC_EXCEPTION');
    }
  });
  it('never routes an undecodable path segment', async () => {
    await rejected({ method: 'GET', url: '/v1/topics/%E0%A4%A' }, 404, 'NOT_FOUND');
  });
});

describe('400 INVALID_PARTITIONS / INVALID_CONFIG', () => {
  it('bad partition counts', async () => {
    for (const partitions of [0, -1, 10_001, 1.5]) {
      await rejected({ method: 'POST', url: '/v1/topics', json: { name: 'np', partitions } }, 400, 'INVALID_PARTITIONS');
    }
    await rejected({ method: 'PATCH', url: '/v1/topics/errs', json: { partitions: 2 } }, 400, 'INVALID_PARTITIONS', /only grow/);
  });
  it('bad configs', async () => {
    await rejected({ method: 'POST', url: '/v1/topics', json: { name: 'nc', config: { 'retention.mss': '1' } } }, 400, 'INVALID_CONFIG', /retention\.mss/);
    await rejected({ method: 'POST', url: '/v1/topics', json: { name: 'nc', config: { 'retention.ms': 'soon' } } }, 400, 'INVALID_CONFIG');
    await rejected({ method: 'PATCH', url: '/v1/topics/errs', json: { config: { 'cleanup.policy': 'compacted' } } }, 400, 'INVALID_CONFIG');
    await rejected({ method: 'PATCH', url: '/v1/topics/errs', json: { config: { 'max.message.bytes': true } } }, 400, 'INVALID_CONFIG');
    // Out of Kafka's int range, and out of what a fetch response can carry.
    await rejected({ method: 'POST', url: '/v1/topics', json: { name: 'nc', config: { 'max.message.bytes': 99_999_999_999 } } }, 400, 'INVALID_CONFIG', /max\.message\.bytes/);
    await rejected({ method: 'PATCH', url: '/v1/topics/errs', json: { config: { 'max.message.bytes': 6_000_000 } } }, 400, 'INVALID_CONFIG');
    // Keys named like Object.prototype members are unknown configs, not crashes.
    for (const key of ['constructor', 'toString', '__proto__', 'hasOwnProperty']) {
      const body = `{"name":"nc","config":{"${key}":"1"}}`;
      await rejected({ method: 'POST', url: '/v1/topics', headers: { 'content-type': 'application/json' }, body }, 400, 'INVALID_CONFIG', new RegExp(key));
      await rejected({ method: 'PATCH', url: '/v1/topics/errs', headers: { 'content-type': 'application/json' }, body: `{"config":{"${key}":null}}` }, 400, 'INVALID_CONFIG');
    }
    expect((await api.call({ method: 'GET', url: '/v1/topics/nc' })).status).toBe(404);
  });
});

describe('400 CORRUPT_MESSAGE', () => {
  const good = encodeBatch({ records: [{ key: Buffer.from('k'), value: Buffer.from('value') }] });
  it('bad CRC, magic and length', async () => {
    const crc = Buffer.from(good);
    crc[crc.length - 1]! ^= 0xff;
    await rejected(binary('errs', '?partition=0', crc), 400, 'CORRUPT_MESSAGE', /CRC/);
    const magic = Buffer.from(good);
    magic[16] = 1;
    await rejected(binary('errs', '?partition=0', magic), 400, 'CORRUPT_MESSAGE', /magic/);
    await rejected(binary('errs', '?partition=0', good.subarray(0, good.length - 3)), 400, 'CORRUPT_MESSAGE', /truncated/);
    await rejected(binary('errs', '?partition=0', Buffer.concat([good, Buffer.from([1, 2, 3])])), 400, 'CORRUPT_MESSAGE');
  });
});

describe('404 UNKNOWN_TOPIC_OR_PARTITION', () => {
  it('unknown topics and partitions, for the whole request', async () => {
    await rejected(produceTo('nope', { records: [{ value: 1 }] }), 404, 'UNKNOWN_TOPIC_OR_PARTITION');
    // One bad partition rejects every record, also those for partitions that exist.
    await rejected(produceTo('errs', { records: [{ partition: 0, value: 1 }, { partition: 1, value: 1 }, { partition: 3, value: 1 }] }), 404, 'UNKNOWN_TOPIC_OR_PARTITION', /records\[2\]/);
    await rejected(binary('errs', '?partition=3', good()), 404, 'UNKNOWN_TOPIC_OR_PARTITION');
    await rejected({ method: 'GET', url: '/v1/topics/errs/partitions/3/records?offset=0' }, 404, 'UNKNOWN_TOPIC_OR_PARTITION');
    await rejected({ method: 'GET', url: '/v1/topics/errs/partitions/7/offsets?at=latest' }, 404, 'UNKNOWN_TOPIC_OR_PARTITION');
    await rejected({ method: 'GET', url: '/v1/topics/nope/partitions/0/offsets?at=latest' }, 404, 'UNKNOWN_TOPIC_OR_PARTITION');
    await rejected({ method: 'PATCH', url: '/v1/topics/nope', json: { partitions: 3 } }, 404, 'UNKNOWN_TOPIC_OR_PARTITION');
    await rejected({ method: 'DELETE', url: '/v1/topics/nope' }, 404, 'UNKNOWN_TOPIC_OR_PARTITION');
  });
  const good = () => encodeBatch({ records: [{ key: null, value: Buffer.from('x') }] });
});

describe('409 TOPIC_ALREADY_EXISTS', () => {
  it('rejects a second create', async () => {
    await rejected({ method: 'POST', url: '/v1/topics', json: { name: 'errs', partitions: 3 } }, 409, 'TOPIC_ALREADY_EXISTS');
  });
});

describe('413 RECORD_TOO_LARGE / MESSAGE_TOO_LARGE', () => {
  it('a record over max.message.bytes rejects the whole request', async () => {
    const r = await rejected(
      produceTo('small', { encoding: 'string', records: [{ partition: 0, value: 'ok' }, { partition: 1, value: 'x'.repeat(2000) }] }),
      413,
      'RECORD_TOO_LARGE',
      /Record 1/,
    );
    expect(r.json.error.maxMessageBytes).toBe(1000);
    // Near the limit the check is exact: a record whose batch is just under 1000 bytes fits.
    const fits = await api.call(produceTo('small', { encoding: 'string', records: [{ partition: 0, value: 'y'.repeat(900) }] }));
    expect(fits.status).toBe(200);
  });
  it('a binary batch over max.message.bytes', async () => {
    await rejected(binary('small', '?partition=0', encodeBatch({ records: [{ key: null, value: Buffer.alloc(1500, 7) }] })), 413, 'RECORD_TOO_LARGE');
  });
  it('a request body over 6 MB, as text or base64', async () => {
    const big = JSON.stringify({ records: [{ value: 'z'.repeat(6_300_000) }] });
    await rejected({ method: 'POST', url: '/v1/topics/errs/records', headers: { 'content-type': 'application/json' }, body: big }, 413, 'MESSAGE_TOO_LARGE');
    await rejected(binary('errs', '?partition=0', Buffer.alloc(6_291_457)), 413, 'MESSAGE_TOO_LARGE');
  });
});

describe('415 UNSUPPORTED_MEDIA_TYPE and routing errors', () => {
  it('other content types', async () => {
    for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'application/octet-stream', 'application/jsonx']) {
      await rejected({ method: 'POST', url: '/v1/topics/errs/records', headers: { 'content-type': type }, body: '{"records":[{"value":1}]}' }, 415, 'UNSUPPORTED_MEDIA_TYPE');
    }
    await rejected({ method: 'POST', url: '/v1/topics', headers: { 'content-type': 'text/plain' }, body: '{"name":"ct"}' }, 415, 'UNSUPPORTED_MEDIA_TYPE');
  });
  it('accepts a JSON body without content type', async () => {
    const r = await api.call({ method: 'POST', url: '/v1/topics/errs/records', body: '{"records":[{"partition":2,"value":1}]}' });
    expect(r.status).toBe(200);
  });
  it('404 for unknown routes, 405 with Allow for wrong methods', async () => {
    const nf = await api.call({ method: 'GET', url: '/v1/nothing' });
    expectError(nf, 404, 'NOT_FOUND');
    const na = await api.call({ method: 'PUT', url: '/v1/topics' });
    expectError(na, 405, 'METHOD_NOT_ALLOWED');
    expect(na.headers.allow).toBe('POST, GET');
  });
  it('a route of another function is a 404 there', async () => {
    const r = parseReply(await api.handlers.admin(toEvent({ method: 'GET', url: '/v1/topics/errs/partitions/0/records?offset=0' })));
    expectError(r, 404, 'NOT_FOUND');
  });
});

describe('416 OFFSET_OUT_OF_RANGE', () => {
  it('carries logStartOffset and highWatermark', async () => {
    const r = await rejected({ method: 'GET', url: '/v1/topics/errs/partitions/0/records?offset=100' }, 416, 'OFFSET_OUT_OF_RANGE');
    expect(r.json.error).toMatchObject({ logStartOffset: 0, highWatermark: 2 });
    const b = await api.call({ method: 'GET', url: '/v1/topics/errs/partitions/0/records?offset=100', headers: { accept: 'application/vnd.kafka.recordbatch' } });
    expectError(b, 416, 'OFFSET_OUT_OF_RANGE');
    expect(b.json.error).toMatchObject({ logStartOffset: 0, highWatermark: 2 });
  });
});

describe('retriable dependency failures', () => {
  let dead: StorageClients;
  let faulty: StorageClients;
  beforeAll(async () => {
    const port = await new Promise<number>((resolve) => {
      const srv = createServer();
      srv.listen(0, '127.0.0.1', () => {
        const { port } = srv.address() as { port: number };
        srv.close(() => resolve(port));
      });
    });
    const url = `http://127.0.0.1:${port}`;
    dead = createStorageClients({ ...storage.config, endpoints: { dynamodb: url, s3: url } });
    faulty = createStorageClients(storage.config);
    // S3 refuses segment uploads of partition 1 and objects shared by several partitions
    // (a fault the emulators cannot produce).
    faulty.s3.middlewareStack.add(
      (next) => async (args) => {
        const key = (args.input as { Key?: string }).Key ?? '';
        if (/^segments\/([^/]+\/1\/|~shared\/)/.test(key)) throw Object.assign(new Error('injected: service unavailable'), { name: 'ServiceUnavailable', $metadata: { httpStatusCode: 503 } });
        return next(args);
      },
      { step: 'initialize', name: 'injectFault' },
    );
  });
  afterAll(() => {
    destroyStorageClients(dead);
    destroyStorageClients(faulty);
  });

  it('503 with Retry-After when storage is unreachable', async () => {
    const down = apiOver(newLog(dead));
    for (const req of [
      { method: 'POST', url: '/v1/topics', json: { name: 'x' } },
      { method: 'GET', url: '/v1/topics' },
      produceTo('errs', { records: [{ value: 1 }] }),
      { method: 'GET', url: '/v1/topics/errs/partitions/0/records?offset=0' },
    ]) {
      const r = await down.call(req);
      expectError(r, 503, 'KAFKA_STORAGE_ERROR');
      expect(r.headers['retry-after']).toBe('1');
      expect(r.json.error).toMatchObject({ dependency: 'dynamodb', retriable: true });
    }
  });

  it('503 for a request whose one object cannot be uploaded, writing none of its partitions', async () => {
    const half = apiOver(newLog(faulty));
    const before = await heads('errs');

    const spread = await half.call(produceTo('errs', { records: [{ partition: 0, value: 'a' }, { partition: 1, value: 'b' }, { partition: 0, value: 'c' }] }));
    const one = await half.call(produceTo('errs', { records: [{ partition: 1, value: 'b' }] }));
    const fine = await half.call(produceTo('errs', { records: [{ partition: 0, value: 'a' }] }));

    for (const r of [spread, one]) {
      expectError(r, 503, 'KAFKA_STORAGE_ERROR', /S3 PutObject/);
      expect(r.headers['retry-after']).toBe('1');
      expect(r.json.error.dependency).toBe('s3');
    }
    expect(fine.json.offsets).toEqual([{ partition: 0, offset: before[0]!.highWatermark }]);
    expect((await heads('errs'))[1]).toEqual(before[1]);
  });

  it('500 UNKNOWN_SERVER_ERROR for anything else, without leaking details', async () => {
    const broken = createHandler('admin', {
      log: () => {
        throw new Error('secret connection string');
      },
    });
    const r = parseReply(await broken(toEvent({ method: 'GET', url: '/v1/topics' })));
    expectError(r, 500, 'UNKNOWN_SERVER_ERROR');
    expect(JSON.stringify(r.json)).not.toMatch(/secret|at |\.ts/);
  });
});
