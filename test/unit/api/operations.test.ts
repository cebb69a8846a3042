// The pure parts of the operations and of the produce path under them: body conversion
// per encoding, partition choice, record sizes, record rendering for fetch, strict
// numbers, and how an error is answered.
import { describe, expect, it } from 'vitest';
import { DependencyError, InvalidRequestError, ThrottlingError } from '../../../lib/core/errors.ts';
import { errorResponse } from '../../../lib/api/operation.ts';
import { renderBytes, renderRecord } from '../../../lib/api/operations/fetch.ts';
import { decodeBase64Strict, prepareJsonRecords } from '../../../lib/api/operations/produce.ts';
import { checkRecordSizes } from '../../../lib/log/append.ts';
import { assignPartitions } from '../../../lib/log/produce.ts';
import { parseInteger, queryParams } from '../../../lib/api/validation.ts';
import { defaultPartition, encodeBatch } from '../../../lib/records/index.ts';
import type { TopicRecord } from '../../../lib/storage/metadata.ts';

describe('prepareJsonRecords', () => {
  it('json: values as JSON text, string keys as bytes, other keys as JSON text', () => {
    const [a, b, c] = prepareJsonRecords({
      records: [
        { key: 'alice', value: { amount: 200 }, headers: { s: 'web', n: null }, timestamp: 5, partition: 2 },
        { key: 7, value: 'x' },
        { key: null },
      ],
    });
    expect(a!.record.key!.toString()).toBe('alice');
    expect(a!.record.value!.toString()).toBe('{"amount":200}');
    expect(a!.record.headers).toEqual([{ key: 's', value: Buffer.from('web') }, { key: 'n', value: null }]);
    expect(a!.record.timestamp).toBe(5);
    expect(a!.partition).toBe(2);
    expect(b!.record.key!.toString()).toBe('7');
    expect(b!.record.value!.toString()).toBe('"x"');
    expect(b!.partition).toBeUndefined();
    expect(c!.record).toEqual({ key: null, value: null });
  });

  it('string and base64 encodings', () => {
    const [s] = prepareJsonRecords({ encoding: 'string', records: [{ key: 'k', value: '€' }] });
    expect(s!.record.value!.toString()).toBe('€');
    const [b] = prepareJsonRecords({ encoding: 'base64', records: [{ key: 'AA==', value: '/w==', headers: { h: 'AQI=' } }] });
    expect([...b!.record.key!]).toEqual([0]);
    expect([...b!.record.value!]).toEqual([255]);
    expect([...b!.record.headers![0]!.value!]).toEqual([1, 2]);
  });

  it('rejects wrong types and bad base64 naming the field', () => {
    const bad = (body: unknown, field: RegExp) =>
      expect(() => prepareJsonRecords(body)).toThrow(expect.objectContaining({ code: 'INVALID_REQUEST', message: expect.stringMatching(field) }));
    bad({ encoding: 'string', records: [{ value: 1 }] }, /records\[0\]\.value/);
    bad({ encoding: 'string', records: [{ value: 'a' }, { key: true }] }, /records\[1\]\.key/);
    bad({ encoding: 'base64', records: [{ value: 'A' }] }, /records\[0\]\.value.*base64/);
    bad({ encoding: 'base64', records: [{ value: 'QQ==', headers: { x: 'Q Q==' } }] }, /records\[0\]\.headers\.x/);
    bad({ records: [] }, /at least one record/);
    bad({ records: [{ value: 1, extra: 1 }] }, /unknown field 'records\[0\]\.extra'/);
    bad({ records: [{ value: 1 }], acks: 'all' }, /unknown field 'acks'/);
    bad({ records: [{ partition: 1.5 }] }, /records\[0\]\.partition/);
    bad({ records: [{ timestamp: 2 ** 60 }] }, /records\[0\]\.timestamp/);
    bad({}, /'records' is required/);
  });

  it('rejects values nested too deeply to store', () => {
    let deep: unknown = 1;
    for (let i = 0; i < 20_000; i++) deep = [deep];
    let error: unknown;
    try {
      prepareJsonRecords({ records: [{ value: deep }] });
    } catch (err) {
      error = err;
    }
    // Either serializable (then fine) or a clean INVALID_REQUEST, never a RangeError.
    if (error) expect(error).toBeInstanceOf(InvalidRequestError);
  });

  it('keeps a header named __proto__ as a header', () => {
    const [r] = prepareJsonRecords(JSON.parse('{"records":[{"value":1,"headers":{"__proto__":"x"}}]}'));
    expect(r!.record.headers).toEqual([{ key: '__proto__', value: Buffer.from('x') }]);
  });
});

describe('decodeBase64Strict', () => {
  it('accepts padded standard base64 only', () => {
    expect(decodeBase64Strict('', 'f').length).toBe(0);
    expect(decodeBase64Strict('QUJD', 'f').toString()).toBe('ABC');
    expect(decodeBase64Strict('QUI=', 'f').toString()).toBe('AB');
    for (const s of ['QUI', 'QU==', 'Q===', 'QUJD\n', '-_-_', 'QU I=', '=QUI']) {
      expect(() => decodeBase64Strict(s, 'f'), s).toThrow(expect.objectContaining({ code: 'INVALID_REQUEST' }));
    }
  });
});

describe('assignPartitions', () => {
  it('explicit, then keyed by murmur2, then one sticky partition per request', () => {
    const recs = [
      { record: { key: Buffer.from('a'), value: null }, partition: 3 },
      { record: { key: Buffer.from('a'), value: null } },
      { record: { key: null, value: null } },
      { record: { key: Buffer.from('zz'), value: null } },
      { record: { key: null, value: null } },
    ];
    const parts = assignPartitions(recs, 7, 5);
    expect(parts).toEqual([3, defaultPartition(Buffer.from('a'), 7), 5, defaultPartition(Buffer.from('zz'), 7), 5]);
  });
});

describe('checkRecordSizes', () => {
  const topic = (config: Record<string, string>): TopicRecord => ({ name: 't', topicId: 'id', partitions: 1, config, createdAt: 0 });
  it('is exact at the boundary, with and without gzip', () => {
    const rec = { key: null, value: Buffer.alloc(500, 1) };
    const size = encodeBatch({ records: [rec] }).length;
    expect(() => checkRecordSizes(topic({ 'max.message.bytes': String(size) }), [rec])).not.toThrow();
    expect(() => checkRecordSizes(topic({ 'max.message.bytes': String(size - 1) }), [rec])).toThrow(
      expect.objectContaining({ code: 'RECORD_TOO_LARGE', details: { maxMessageBytes: size - 1, record: 0 } }),
    );
    // Compressible data fits a gzip topic although it is larger than the limit raw.
    const zeros = { key: null, value: Buffer.alloc(5000) };
    expect(() => checkRecordSizes(topic({ 'max.message.bytes': '1000', 'compression.type': 'gzip' }), [zeros])).not.toThrow();
    expect(() => checkRecordSizes(topic({ 'max.message.bytes': '1000' }), [zeros])).toThrow(expect.objectContaining({ code: 'RECORD_TOO_LARGE' }));
  });
});

describe('renderBytes / renderRecord', () => {
  const b = (s: string) => Buffer.from(s);
  it('json: parsed JSON, else UTF-8 text, else base64', () => {
    expect(renderBytes(b('{"a":[1,2]}'), 'json')).toEqual({ value: { a: [1, 2] } });
    expect(renderBytes(b('42'), 'json')).toEqual({ value: 42 });
    expect(renderBytes(b('"s"'), 'json')).toEqual({ value: 's' });
    expect(renderBytes(b('hello'), 'json')).toEqual({ value: 'hello' });
    expect(renderBytes(b(''), 'json')).toEqual({ value: '' });
    expect(renderBytes(b('1e400'), 'json')).toEqual({ value: '1e400' });
    expect(renderBytes(Buffer.from([0xff, 0xfe]), 'json')).toEqual({ value: '//4=', base64: true });
    expect(renderBytes(null, 'json')).toEqual({ value: null });
  });
  it('string and base64 force one form', () => {
    expect(renderBytes(b('{"a":1}'), 'string')).toEqual({ value: '{"a":1}' });
    expect(renderBytes(Buffer.from([0xff]), 'string')).toEqual({ value: '\ufffd' });
    expect(renderBytes(b('hi'), 'base64')).toEqual({ value: 'aGk=' });
  });
  it('renders headers as strings, base64 when one is not UTF-8', () => {
    const rec = { offset: 1, timestamp: 2, timestampType: 'CREATE_TIME' as const, key: null, value: b('1'), headers: [{ key: 'a', value: b('1') }, { key: 'n', value: null }] };
    expect(renderRecord(rec, 'json')).toEqual({ offset: 1, timestamp: 2, key: null, value: 1, headers: { a: '1', n: null } });
    const bin = { ...rec, headers: [{ key: 'a', value: b('ok') }, { key: 'z', value: Buffer.from([0xff]) }] };
    expect(renderRecord(bin, 'json')).toMatchObject({ headers: { a: 'b2s=', z: '/w==' }, headerEncoding: 'base64' });
    expect(renderRecord(bin, 'base64')).not.toHaveProperty('headerEncoding');
  });
});

describe('strict numbers and query parameters', () => {
  it('parseInteger accepts digits only within range', () => {
    expect(parseInteger('x', '0')).toBe(0);
    expect(parseInteger('x', '007')).toBe(7);
    expect(parseInteger('x', '9007199254740991')).toBe(Number.MAX_SAFE_INTEGER);
    for (const s of ['', '-1', '+1', '1e3', '1.0', '0x10', ' 1', '1 ', '9007199254740992', 'NaN', 'Infinity', '١']) {
      expect(() => parseInteger('x', s), s).toThrow(expect.objectContaining({ code: 'INVALID_REQUEST' }));
    }
    expect(() => parseInteger('x', '11', { max: 10 })).toThrow();
    expect(() => parseInteger('x', '0', { min: 1 })).toThrow();
  });
  it('queryParams rejects unknown and repeated parameters', () => {
    const req = (query: Record<string, string[]>) => ({ query }) as Parameters<typeof queryParams>[0];
    expect(queryParams(req({ a: ['1'] }), ['a', 'b'])).toEqual({ a: '1' });
    expect(() => queryParams(req({ c: ['1'] }), ['a'])).toThrow(expect.objectContaining({ message: expect.stringMatching(/'c'/) }));
    expect(() => queryParams(req({ a: ['1', '2'] }), ['a'])).toThrow(expect.objectContaining({ message: expect.stringMatching(/2 times/) }));
  });
});

describe('error responses', () => {
  it('retriable errors carry Retry-After and retriable: true', () => {
    const r = errorResponse(new DependencyError('DynamoDB GetItem failed', { dependency: 'dynamodb', retryAfterSeconds: 2 }));
    expect(r).toEqual({
      status: 503,
      headers: { 'Retry-After': '2' },
      body: { error: { code: 'KAFKA_STORAGE_ERROR', message: 'DynamoDB GetItem failed', dependency: 'dynamodb', retryAfterSeconds: 2, retriable: true } },
    });
    expect(errorResponse(new ThrottlingError('slow down')).headers).toEqual({ 'Retry-After': '1' });
    expect(errorResponse(new InvalidRequestError('no')).headers).toEqual({});
  });
});
