// Malformed requests by the hundred: broken JSON, wrong types, unknown fields, huge and
// negative numbers, invalid names, path tricks, wrong content types, oversized bodies,
// bad base64, bad query parameters, random bytes as batches. Each must be answered with a
// 4xx JSON error carrying a code and a message, none may write anything, and a good
// request must still succeed afterwards.
import fc from 'fast-check';
import { beforeAll, expect, it } from 'vitest';
import { encodeBatch } from '../../../lib/records/index.ts';
import { useTestStorage } from '../../support/stack.ts';
import { apiOver, newLog, type Call } from './helpers.ts';

const storage = useTestStorage();
let api: ReturnType<typeof apiOver>;

const TOPIC = 'fuzz';
const SEED = 20_250_601;

beforeAll(async () => {
  api = apiOver(newLog(storage.clients));
  const c = await api.call({ method: 'POST', url: '/v1/topics', json: { name: TOPIC, partitions: 2, config: { 'max.message.bytes': 2000 } } });
  expect(c.status).toBe(201);
  const p = await api.call({ method: 'POST', url: `/v1/topics/${TOPIC}/records`, json: { records: [{ partition: 0, value: 'seed' }, { partition: 1, value: 'seed' }] } });
  expect(p.status).toBe(200);
});

const VALID_NAME = /^[a-zA-Z0-9._-]{1,249}$/;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const isInvalidName = (n: string) => !VALID_NAME.test(n) || n === '.' || n === '..';
const sample = <T>(arb: fc.Arbitrary<T>, n: number, salt: number): T[] => fc.sample(arb, { numRuns: n, seed: SEED + salt });

const produceJson = (body: unknown, topic = TOPIC): Call => ({ method: 'POST', url: `/v1/topics/${encodeURIComponent(topic)}/records`, json: body });
const produceText = (text: string, type = 'application/json'): Call => ({
  method: 'POST',
  url: `/v1/topics/${TOPIC}/records`,
  headers: { 'content-type': type },
  body: text,
});
const fetchQuery = (query: string, partition = '0'): Call => ({ method: 'GET', url: `/v1/topics/${TOPIC}/partitions/${partition}/records?${query}` });

const notSafeNonNegativeInt = fc.oneof(
  fc.double({ noDefaultInfinity: true, noNaN: true }).filter((d) => !(Number.isSafeInteger(d) && d >= 0)),
  fc.integer({ max: -1 }),
  fc.constantFrom(1e300, 2 ** 53, -0.5, 1.5),
  fc.string(),
  fc.boolean(),
  fc.array(fc.integer(), { maxLength: 2 }),
  fc.dictionary(fc.string(), fc.integer(), { maxKeys: 2 }),
);
const nonString = fc.oneof(fc.integer(), fc.double(), fc.boolean(), fc.array(fc.string(), { maxLength: 2 }), fc.dictionary(fc.string(), fc.string(), { maxKeys: 2 }));
const badQueryNumber = fc.oneof(
  fc.string({ maxLength: 12 }).filter((s) => !/^\d+$/.test(s)),
  fc.constantFrom('-1', '1e3', '1.0', '0x1f', ' 1', '1 ', '+1', '99999999999999999999', 'Infinity', 'NaN', ''),
);

function requests(): { label: string; call: Call }[] {
  const out: { label: string; call: Call }[] = [];
  const add = (label: string, calls: Call[]) => calls.forEach((call) => out.push({ label, call }));

  // Broken JSON: every proper prefix of a JSON object's text is invalid JSON.
  add(
    'broken JSON',
    sample(
      fc.tuple(fc.jsonValue(), fc.nat()).map(([v, cut]) => {
        const text = JSON.stringify({ records: [{ value: v }] });
        return produceText(text.slice(0, 1 + (cut % (text.length - 1))));
      }),
      25,
      1,
    ),
  );
  add('broken JSON (create)', sample(fc.string({ maxLength: 30 }).filter((s) => { try { JSON.parse(s); return false; } catch { return true; } }).map((s) => ({ method: 'POST', url: '/v1/topics', headers: { 'content-type': 'application/json' }, body: s })), 10, 2));
  // Valid JSON of the wrong shape.
  add('non-object bodies', sample(fc.jsonValue().filter((v) => typeof v !== 'object' || v === null || Array.isArray(v)).map((v) => produceJson(v)), 15, 3));
  add('records not an array', sample(fc.jsonValue().filter((v) => !Array.isArray(v)).map((records) => produceJson({ records })), 10, 4));
  add('bad partition', sample(notSafeNonNegativeInt.map((partition) => produceJson({ records: [{ value: 1 }, { value: 2, partition }] })), 20, 5));
  add('bad timestamp', sample(notSafeNonNegativeInt.map((timestamp) => produceJson({ records: [{ value: 1, timestamp }] })), 15, 6));
  add(
    'bad headers',
    sample(
      fc.oneof(fc.string(), fc.integer(), fc.array(fc.string(), { minLength: 1, maxLength: 2 }), fc.dictionary(fc.string(), nonString, { minKeys: 1, maxKeys: 3 })).map((headers) =>
        produceJson({ records: [{ value: 1, headers }] }),
      ),
      15,
      7,
    ),
  );
  add('bad encoding', sample(fc.oneof(fc.string().filter((s) => !['json', 'string', 'base64'].includes(s)), nonString).map((encoding) => produceJson({ encoding, records: [{ value: 'a' }] })), 10, 8));
  add('string encoding, non-string values', sample(fc.tuple(nonString, fc.boolean()).map(([v, asKey]) => produceJson({ encoding: 'string', records: [asKey ? { key: v, value: 'x' } : { value: v }] })), 10, 9));
  // Unknown fields at the top level and in records.
  const unknownKey = (allowed: string[]) => fc.string({ minLength: 1, maxLength: 12 }).filter((k) => !allowed.includes(k) && k !== '__proto__');
  add('unknown record field', sample(fc.tuple(unknownKey(['key', 'value', 'headers', 'timestamp', 'partition']), fc.jsonValue()).map(([k, v]) => produceJson({ records: [{ value: 1, [k]: v }] })), 15, 10));
  add('unknown body field', sample(fc.tuple(unknownKey(['encoding', 'records']), fc.jsonValue()).map(([k, v]) => produceJson({ records: [{ value: 1 }], [k]: v })), 10, 11));
  add('unknown create field', sample(fc.tuple(unknownKey(['name', 'partitions', 'config']), fc.jsonValue()).map(([k, v]) => ({ method: 'POST', url: '/v1/topics', json: { name: 'fresh', [k]: v } })), 10, 12));
  add('bad partitions (create)', sample(fc.oneof(notSafeNonNegativeInt, fc.constantFrom(0, 10_001, 2 ** 31)).map((partitions) => ({ method: 'POST', url: '/v1/topics', json: { name: 'fresh', partitions } })), 10, 13));
  add('bad config (create)', sample(fc.dictionary(fc.oneof(fc.string({ maxLength: 16 }), fc.constantFrom('__proto__', 'constructor', 'toString', 'valueOf')), fc.jsonValue(), { minKeys: 1, maxKeys: 2 }).map((config) => ({ method: 'POST', url: '/v1/topics', json: { name: 'fresh', config } })), 10, 14));
  add('shrink or bad alter', sample(fc.oneof(fc.constantFrom(0, 1), notSafeNonNegativeInt).map((partitions) => ({ method: 'PATCH', url: `/v1/topics/${TOPIC}`, json: { partitions } })), 8, 15));
  // Names and paths.
  const badName = fc.oneof(fc.string({ maxLength: 20 }), fc.string({ unit: 'grapheme', maxLength: 10 }), fc.constantFrom('', '.', '..', 'a/b', 'x'.repeat(250), '../fuzz', 'fuzz/..')).filter(isInvalidName);
  add('invalid names (create)', sample(badName.map((name) => ({ method: 'POST', url: '/v1/topics', json: { name } })), 20, 16));
  add(
    'path tricks',
    sample(
      fc.tuple(fc.oneof(badName.filter((n) => n !== '').map(encodeURIComponent), fc.constantFrom('%2e%2e', '%2E', 'a%2Fb', '%2e%2e%2ffuzz', '%00', '%ZZ', '%', '..%2f..', '%252e%252e')), fc.constantFrom('GET', 'DELETE', 'PATCH', 'POST', 'FETCH')).map(([seg, method]): Call => {
        switch (method) {
          case 'POST':
            return { method, url: `/v1/topics/${seg}/records`, json: { records: [{ value: 1 }] } };
          case 'PATCH':
            return { method, url: `/v1/topics/${seg}`, json: { partitions: 5 } };
          case 'FETCH':
            return { method: 'GET', url: `/v1/topics/${seg}/partitions/0/records?offset=0` };
          default:
            return { method, url: `/v1/topics/${seg}` };
        }
      }),
      30,
      17,
    ),
  );
  // Media types and sizes.
  add(
    'wrong content types',
    sample(
      fc.oneof(fc.constantFrom('text/plain', 'application/xml', 'multipart/form-data; boundary=x', 'application/octet-stream', 'application/json-seq', 'image/png'), fc.stringMatching(/^[a-z]{1,8}\/[a-z.+-]{1,12}$/)).filter((t) => t !== 'application/json' && t !== 'application/vnd.kafka.recordbatch').map((t) => produceText('{"records":[{"value":1}]}', t)),
      15,
      18,
    ),
  );
  add('oversized bodies', [
    produceText(JSON.stringify({ records: [{ value: 'o'.repeat(6_300_000) }] })),
    { method: 'POST', url: `/v1/topics/${TOPIC}/records?partition=0`, headers: { 'content-type': 'application/vnd.kafka.recordbatch' }, body: Buffer.alloc(6_400_000, 1) },
    { method: 'POST', url: '/v1/topics', headers: { 'content-type': 'application/json' }, body: `{"name":"big","x":"${'b'.repeat(6_300_000)}"}` },
  ]);
  add('records over max.message.bytes', sample(fc.integer({ min: 2100, max: 20_000 }).map((n) => produceJson({ encoding: 'string', records: [{ value: 'ok', partition: 0 }, { value: 'x'.repeat(n) }] })), 5, 19));
  add(
    'bad base64',
    sample(
      fc.tuple(fc.string({ minLength: 1, maxLength: 24 }).filter((s) => !BASE64.test(s)), fc.constantFrom('key', 'value', 'header')).map(([s, where]) =>
        produceJson({ encoding: 'base64', records: [where === 'header' ? { value: 'QQ==', headers: { h: s } } : { [where]: s }] }),
      ),
      20,
      20,
    ),
  );
  // Query parameters.
  add('bad fetch numbers', sample(fc.tuple(fc.constantFrom('offset', 'maxRecords', 'maxBytes', 'waitMs'), badQueryNumber).map(([k, v]) => fetchQuery(k === 'offset' ? `offset=${encodeURIComponent(v)}` : `offset=0&${k}=${encodeURIComponent(v)}`)), 25, 21));
  add('out-of-range fetch numbers', [fetchQuery('offset=0&maxRecords=0'), fetchQuery('offset=0&maxRecords=10001'), fetchQuery('offset=0&maxBytes=6291457'), fetchQuery('offset=0&waitMs=20001'), fetchQuery('offset=9007199254740992'), fetchQuery('offset=2'), fetchQuery('offset=0', '2'), fetchQuery('offset=0', '99999999999')]);
  add('unknown query parameters', sample(fc.tuple(fc.stringMatching(/^[a-zA-Z]{1,10}$/).filter((k) => !['offset', 'maxRecords', 'maxBytes', 'waitMs', 'encoding'].includes(k)), fc.string({ maxLength: 5 })).map(([k, v]) => fetchQuery(`offset=0&${k}=${encodeURIComponent(v)}`)), 10, 22));
  add('bad partition path', sample(fc.oneof(fc.string({ minLength: 1, maxLength: 8 }), fc.constantFrom('-1', '1.0', '1e1', '0x0', '2', '99999999999999999')).filter((s) => !/^[01]$/.test(s) && !/^0+[01]?$/.test(s) && !s.includes('/')).map((p) => fetchQuery('offset=0', encodeURIComponent(p))), 15, 23));
  add('bad offsets at', sample(fc.string({ maxLength: 10 }).filter((s) => !['earliest', 'latest'].includes(s) && !/^\d+$/.test(s)).map((at) => ({ method: 'GET', url: `/v1/topics/${TOPIC}/partitions/0/offsets?at=${encodeURIComponent(at)}` })), 10, 24));
  // Binary produce: random bytes and single-byte corruptions of a good batch.
  const good = encodeBatch({ records: [{ key: Buffer.from('k'), value: Buffer.from('v'), headers: [{ key: 'h', value: Buffer.from('x') }] }] });
  const binary = (body: Uint8Array, query = '?partition=0'): Call => ({ method: 'POST', url: `/v1/topics/${TOPIC}/records${query}`, headers: { 'content-type': 'application/vnd.kafka.recordbatch' }, body: Buffer.from(body) });
  add('random bytes as batches', sample(fc.uint8Array({ maxLength: 300 }).map((b) => binary(b)), 20, 25));
  add(
    'corrupted batches',
    sample(
      // Bytes 0-7 (baseOffset) and 12-15 (partitionLeaderEpoch) are outside the CRC on purpose.
      fc.tuple(fc.integer({ min: 8, max: good.length - 1 }).filter((i) => i < 12 || i > 15), fc.integer({ min: 1, max: 255 })).map(([i, x]) => {
        const b = Buffer.from(good);
        b[i] = b[i]! ^ x;
        return binary(b);
      }),
      20,
      26,
    ),
  );
  add('bad binary partition', [binary(good, ''), binary(good, '?partition=-1'), binary(good, '?partition=2'), binary(good, '?partition=1&partition=0'), binary(good, '?partition=0&x=1'), binary(Buffer.alloc(0))]);
  // Consumer groups: bad bodies for every group route, bad group ids in paths.
  const G = '/v1/groups/fuzz-group';
  const notTopicList = fc.oneof(fc.constant([]), fc.jsonValue().filter((v) => !Array.isArray(v)), fc.array(nonString, { minLength: 1, maxLength: 2 }));
  add('bad join', sample(fc.oneof(
    notTopicList.map((topics) => ({ topics })),
    notSafeNonNegativeInt.filter((v) => typeof v !== 'number' || !Number.isInteger(v)).map((sessionTimeoutMs) => ({ topics: [TOPIC], sessionTimeoutMs })),
    fc.constantFrom(0, -1, 999, 300_001).map((sessionTimeoutMs) => ({ topics: [TOPIC], sessionTimeoutMs })),
    fc.tuple(unknownKey(['topics', 'sessionTimeoutMs']), fc.jsonValue()).map(([k, v]) => ({ topics: [TOPIC], [k]: v })),
    fc.jsonValue().filter((v) => typeof v !== 'object' || v === null || Array.isArray(v)),
  ).map((json): Call => ({ method: 'POST', url: `${G}/members`, json })), 25, 30));
  add('bad heartbeat', sample(fc.oneof(
    notSafeNonNegativeInt.map((generation) => ({ generation })),
    fc.jsonValue().filter((v) => !Array.isArray(v)).map((owned) => ({ generation: 1, owned })),
    fc.tuple(unknownKey(['generation', 'owned']), fc.jsonValue()).map(([k, v]) => ({ generation: 1, [k]: v })),
  ).map((json): Call => ({ method: 'POST', url: `${G}/members/m-1/heartbeat`, json })), 20, 31));
  add('bad commit', sample(fc.oneof(
    notSafeNonNegativeInt.map((partition) => ({ offsets: [{ topic: TOPIC, partition, offset: 0 }] })),
    notSafeNonNegativeInt.map((offset) => ({ offsets: [{ topic: TOPIC, partition: 0, offset }] })),
    nonString.map((metadata) => ({ offsets: [{ topic: TOPIC, partition: 0, offset: 0, metadata }] })),
    fc.jsonValue().filter((v) => !Array.isArray(v)).map((offsets) => ({ offsets })),
    notSafeNonNegativeInt.map((generation) => ({ memberId: 'm-1', generation, offsets: [] })),
    fc.tuple(unknownKey(['memberId', 'generation', 'offsets']), fc.jsonValue()).map(([k, v]) => ({ offsets: [], [k]: v })),
    fc.constant({ offsets: [{ topic: TOPIC, partition: 0, offset: 0 }, { topic: TOPIC, partition: 0, offset: 1 }] }),
    fc.constant({ offsets: [{ topic: TOPIC, partition: 0, offset: 99 }] }),
    fc.constant({ offsets: [{ topic: TOPIC, partition: 5, offset: 0 }] }),
  ).map((json): Call => ({ method: 'POST', url: `${G}/offsets`, json })), 25, 32));
  add('bad reset', sample(fc.oneof(
    fc.oneof(fc.string().filter((s) => s !== 'earliest' && s !== 'latest'), fc.integer(), fc.constant(null)).map((to) => ({ topic: TOPIC, to })),
    notSafeNonNegativeInt.map((offset) => ({ topic: TOPIC, to: { offset } })),
    fc.oneof(fc.double().filter((d) => !Number.isSafeInteger(d)), fc.string(), fc.boolean()).map((shiftBy) => ({ topic: TOPIC, to: { shiftBy } })),
    fc.oneof(fc.string({ maxLength: 12 }), fc.constantFrom('2025-02-30T25:00:00Z', '20250101', 'yesterday', -1)).map((datetime) => ({ topic: TOPIC, to: { datetime } })),
    fc.constant({ topic: TOPIC, to: { offset: 1, shiftBy: 1 } }),
    fc.constant({ topic: TOPIC, to: 'earliest', partitions: [] }),
    fc.constant({ topic: TOPIC, to: 'earliest', partitions: [2] }),
    fc.constant({ topic: 'no-such-topic', to: 'earliest' }),
  ).map((json): Call => ({ method: 'POST', url: `${G}/offsets/reset`, json })), 25, 33));
  const badGroupId = fc.oneof(fc.string({ minLength: 1, maxLength: 20 }), fc.constantFrom('a b', 'x'.repeat(250), 'ü', 'a/b', '%')).filter((g) => !/^[a-zA-Z0-9._-]{1,249}$/.test(g));
  add('bad group ids', sample(fc.tuple(badGroupId, fc.constantFrom('join', 'describe', 'delete', 'commit', 'offsets')).map(([g, what]): Call => {
    const base = `/v1/groups/${encodeURIComponent(g)}`;
    switch (what) {
      case 'join':
        return { method: 'POST', url: `${base}/members`, json: { topics: [TOPIC] } };
      case 'commit':
        return { method: 'POST', url: `${base}/offsets`, json: { offsets: [{ topic: TOPIC, partition: 0, offset: 0 }] } };
      case 'offsets':
        return { method: 'GET', url: `${base}/offsets` };
      default:
        return { method: what === 'delete' ? 'DELETE' : 'GET', url: base };
    }
  }), 20, 34));
  add('wrong methods', [
    { method: 'PUT', url: '/v1/topics' },
    { method: 'DELETE', url: '/v1/topics' },
    { method: 'POST', url: `/v1/topics/${TOPIC}` },
    { method: 'GET', url: `/v1/topics/${TOPIC}/records` },
    { method: 'HEAD', url: '/v1/health' },
    { method: 'GET', url: '/v1/topics/' },
    { method: 'GET', url: '/v2/topics' },
  ]);
  return out;
}

it('answers every malformed request with a 4xx error and writes nothing', async () => {
  const all = requests();
  expect(all.length).toBeGreaterThanOrEqual(200);
  const before = await api.log.describeTopic(TOPIC);
  const topicsBefore = (await api.call({ method: 'GET', url: '/v1/topics' })).json;
  const groupsBefore = (await api.call({ method: 'GET', url: '/v1/groups' })).json;

  const failures: string[] = [];
  const queue = [...all];
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      for (let item = queue.shift(); item; item = queue.shift()) {
        const { label, call } = item;
        const r = await api.call(call);
        const err = r.json?.error;
        const ok =
          r.status >= 400 &&
          r.status < 500 &&
          r.headers['content-type'] === 'application/json' &&
          typeof err?.code === 'string' &&
          typeof err?.message === 'string' &&
          err.message.length > 0;
        if (!ok) {
          const body = call.json !== undefined ? JSON.stringify(call.json) : String(call.body ?? '');
          failures.push(`${label}: ${call.method} ${call.url} ${body.slice(0, 120)} → ${r.status} ${r.body.toString().slice(0, 200)}`);
        }
      }
    }),
  );
  expect(failures).toEqual([]);

  expect(await api.log.describeTopic(TOPIC)).toEqual(before);
  expect((await api.call({ method: 'GET', url: '/v1/topics' })).json).toEqual(topicsBefore);
  expect(groupsBefore).toEqual({ groups: [] });
  expect((await api.call({ method: 'GET', url: '/v1/groups' })).json).toEqual(groupsBefore);

  const good = await api.call({ method: 'POST', url: `/v1/topics/${TOPIC}/records`, json: { records: [{ partition: 1, value: 'after' }] } });
  expect(good.status).toBe(200);
  expect(good.json.offsets).toEqual([{ partition: 1, offset: before.partitions[1]!.highWatermark }]);
});
