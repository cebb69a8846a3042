// What the processors' API accepts: keys from URLs become exactly the bytes the store's
// serde writes, per format; bad keys, window bounds and limits are INVALID_REQUEST; and
// a topology's description names its topics, tasks and stores with their formats.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InvalidRequestError } from '../../../lib/core/errors.ts';
import { describeTopology } from '../../../lib/streams/describe.ts';
import { Materialized, Serdes, StreamsBuilder, StreamsEngine, TimeWindows } from '../../../lib/streams/index.ts';
import { keyFromText, rangeLimit, toJson, validateProcessorName, windowRange } from '../../../lib/streams/schema.ts';
import { serdeFormat, serdeOfFormat } from '../../../lib/streams/serdes.ts';

describe('keys from URLs', () => {
  it('gives the bytes the store’s serde writes, for every built-in format', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1, maxLength: 30 }), fc.maxSafeInteger(), fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true }).filter((d) => !Object.is(d, -0)), (s, long, int, dbl) => {
        expect(keyFromText('string', s)).toEqual(Serdes.string().serialize(s));
        expect(keyFromText('long', String(long))).toEqual(Serdes.long().serialize(long));
        expect(keyFromText('integer', String(int))).toEqual(Serdes.integer().serialize(int));
        expect(keyFromText('double', String(dbl))).toEqual(Serdes.double().serialize(dbl));
        expect(keyFromText('json', JSON.stringify({ id: s }))).toEqual(Serdes.json().serialize({ id: s }));
        const bytes = new TextEncoder().encode(s);
        expect(keyFromText('bytes', Buffer.from(bytes).toString('base64'))).toEqual(bytes);
        expect(keyFromText('custom', Buffer.from(bytes).toString('base64url'))).toEqual(bytes);
      }),
      { numRuns: 300 },
    );
  });

  it('takes a JSON key that is not JSON text as a string', () => {
    expect(keyFromText('json', 'alice')).toEqual(Serdes.json().serialize('alice'));
    expect(keyFromText('json', '"alice"')).toEqual(Serdes.json().serialize('alice'));
    expect(keyFromText('json', '42')).toEqual(Serdes.json().serialize(42));
  });

  it.each([
    ['long', '12x'],
    ['long', '99999999999999999'],
    ['integer', '4294967296'],
    ['double', 'NaN'],
    ['bytes', 'not base64!'],
    ['string', ''],
    ['string', 'x'.repeat(4097)],
  ] as const)('refuses a %s key %j', (format, text) => {
    expect(() => keyFromText(format, text)).toThrow(InvalidRequestError);
  });

  it('renders bytes as base64 and other values as they are', () => {
    expect(toJson(new Uint8Array([1, 2, 255]))).toBe('AQL/');
    expect(toJson({ a: 1 })).toEqual({ a: 1 });
  });
});

describe('query parameters', () => {
  it('reads window bounds as inclusive epoch ms, all time by default', () => {
    expect(windowRange(undefined, undefined)).toEqual({ from: 0, to: Number.MAX_SAFE_INTEGER });
    expect(windowRange('10', '20')).toEqual({ from: 10, to: 20 });
    expect(() => windowRange('20', '10')).toThrow(InvalidRequestError);
    expect(() => windowRange('1.5', undefined)).toThrow(InvalidRequestError);
  });

  it('bounds a range query’s limit', () => {
    expect(rangeLimit(undefined)).toBe(1000);
    expect(rangeLimit('5')).toBe(5);
    for (const bad of ['0', '1001', 'ten']) expect(() => rangeLimit(bad)).toThrow(InvalidRequestError);
  });

  it('takes processor names that are application ids', () => {
    expect(validateProcessorName('word-count_1.v2')).toBe('word-count_1.v2');
    for (const bad of ['', 'a/b', 'x'.repeat(201), 7]) expect(() => validateProcessorName(bad)).toThrow(InvalidRequestError);
  });
});

describe('serde formats', () => {
  it('name the built-in serdes and call anything else custom, read as bytes', () => {
    for (const f of ['string', 'json', 'bytes', 'long', 'integer', 'double'] as const) expect(serdeFormat(serdeOfFormat(f))).toBe(f);
    expect(serdeFormat(Serdes.from<string>((s) => new TextEncoder().encode(s), (b) => new TextDecoder().decode(b)))).toBe('custom');
    expect(serdeOfFormat('custom')).toBe(Serdes.bytes());
  });
});

describe('topology description', () => {
  it('names inputs, outputs, internal topics, tasks and stores with their formats', () => {
    const b = new StreamsBuilder();
    b.stream<string, string>('views', { value: Serdes.string() })
      .selectKey((_k, v) => v)
      .groupByKey()
      .windowedBy(TimeWindows.ofSizeAndGrace(60_000, 5_000))
      .count(Materialized.as('views-per-minute'))
      .toStream()
      .to('counts');
    const engine = new StreamsEngine(b.build(), { 'application.id': 'views' }, () => 4);
    const d = describeTopology(engine);
    expect(d).toMatchObject({ inputs: ['views'], outputs: ['counts'], internalTopics: [{ partitions: 4 }] });
    expect(d.subtopologies.map((s) => s.partitions)).toEqual([4, 4]);
    expect(d.stores.find((s) => s.name === 'views-per-minute')).toEqual({
      name: 'views-per-minute',
      kind: 'window',
      subtopology: 1,
      // selectKey forgets the key serde: the default (JSON) again, as in Kafka Streams.
      keyFormat: 'json',
      valueFormat: 'long',
      timestamped: true,
      windowSize: 60_000,
      retentionMs: 65_000,
      queryable: true,
    });
  });
});
