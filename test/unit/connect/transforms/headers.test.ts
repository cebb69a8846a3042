// InsertHeader, DropHeaders, Filter, the predicates and the chain against Kafka's
// InsertHeaderTest, DropHeadersTest, HasHeaderKeyTest, TopicNameMatchesTest and the
// examples of Kafka's Connect documentation ("Predicates").
import { describe, expect, it } from 'vitest';
import { ConfigException } from '../../../../lib/connect/data/exceptions.ts';
import type { ConnectHeader } from '../../../../lib/connect/data/record.ts';
import { Schemas } from '../../../../lib/connect/data/schema.ts';
import { findPredicate } from '../../../../lib/connect/predicates/index.ts';
import { applyChain, transformationStages } from '../../../../lib/connect/transforms/chain.ts';
import { predicate, sinkRecord, sourceRecord, xform } from '../records.ts';

const header = (key: string, value: unknown = 'v', schema = Schemas.STRING): ConnectHeader => ({ key, schema, value });

describe('InsertHeader', () => {
  it('adds the header with the literal\'s parsed type, after existing ones', () => {
    const out = xform('InsertHeader', { header: 'inserted', 'value.literal': 'inserted-value' }).apply(sourceRecord({ headers: [header('existing')] }))!;
    expect(out.headers).toEqual([header('existing'), { key: 'inserted', schema: Schemas.STRING, value: 'inserted-value' }]);
    const typed = xform('InsertHeader', { header: 'n', 'value.literal': '1' }).apply(sourceRecord())!;
    expect(typed.headers).toEqual([{ key: 'n', schema: Schemas.INT8, value: 1 }]);
  });

  it('requires header and value.literal', () => {
    expect(() => xform('InsertHeader', { 'value.literal': '1' })).toThrow(ConfigException);
    expect(() => xform('InsertHeader', { header: 'inserted' })).toThrow(ConfigException);
  });
});

describe('DropHeaders', () => {
  it('removes every header with a listed name, keeps the rest in order', () => {
    const out = xform('DropHeaders', { headers: 'dropped,also' }).apply(sourceRecord({ headers: [header('keep1'), header('dropped'), header('keep2'), header('dropped'), header('also')] }))!;
    expect(out.headers.map((h) => h.key)).toEqual(['keep1', 'keep2']);
    expect(() => xform('DropHeaders', { headers: '' })).toThrow(/Empty list/);
  });
});

describe('predicates', () => {
  it('HasHeaderKey: at least one header of the name (testTest)', () => {
    const p = predicate('HasHeaderKey', { name: 'foo' });
    const withHeaders = (...keys: string[]) => sourceRecord({ headers: keys.map((k) => header(k)) });
    expect([withHeaders('foo'), withHeaders('foo', 'bar'), withHeaders('bar', 'foo', 'bar', 'foo')].map((r) => p.test(r))).toEqual([true, true, true]);
    expect([withHeaders('bar'), withHeaders('bar', 'bar'), withHeaders()].map((r) => p.test(r))).toEqual([false, false, false]);
  });

  it('HasHeaderKey and TopicNameMatches validate their settings with Kafka\'s messages', () => {
    expect(() => predicate('HasHeaderKey')).toThrow(/Missing required configuration "name"/);
    const errors = findPredicate('HasHeaderKey')!.config().validate({ name: '' }).get('name')!.errors;
    expect(errors).toEqual(['Invalid value  for configuration name: String must be non-empty']);
    expect(() => predicate('TopicNameMatches', { pattern: '' })).toThrow(/String must be non-empty/);
    expect(() => predicate('TopicNameMatches', { pattern: '[' })).toThrow(/Invalid regex/);
    expect(findPredicate('TopicNameMatches')!.config().validate({ pattern: '*' }).get('pattern')!.errors[0]).toMatch(/Invalid regex/);
  });

  it('TopicNameMatches: the whole topic matches', () => {
    const p = predicate('TopicNameMatches', { pattern: 'my-prefix-.*' });
    expect(['my-prefix-', 'my-prefix-foo', 'x-my-prefix-'].map((topic) => p.test(sourceRecord({ topic })))).toEqual([true, true, false]);
  });

  it('RecordIsTombstone: the value is null', () => {
    const p = predicate('org.apache.kafka.connect.transforms.predicates.RecordIsTombstone');
    expect([p.test(sinkRecord({ value: null })), p.test(sinkRecord({ value: 'x' }))]).toEqual([true, false]);
  });
});

describe('the chain', () => {
  it('runs transforms in `transforms` order', () => {
    const stages = transformationStages({
      transforms: 'MakeMap, InsertSource',
      'transforms.MakeMap.type': 'org.apache.kafka.connect.transforms.HoistField$Value',
      'transforms.MakeMap.field': 'line',
      'transforms.InsertSource.type': 'org.apache.kafka.connect.transforms.InsertField$Value',
      'transforms.InsertSource.static.field': 'data_source',
      'transforms.InsertSource.static.value': 'test-file-source',
    });
    expect(applyChain(stages, sourceRecord({ value: 'hello world' }))!.value).toEqual({ line: 'hello world', data_source: 'test-file-source' });
  });

  it('Filter under a predicate drops matching records (the documented IsFoo example)', () => {
    const stages = transformationStages({
      transforms: 'Filter',
      'transforms.Filter.type': 'org.apache.kafka.connect.transforms.Filter',
      'transforms.Filter.predicate': 'IsFoo',
      predicates: 'IsFoo',
      'predicates.IsFoo.type': 'org.apache.kafka.connect.transforms.predicates.TopicNameMatches',
      'predicates.IsFoo.pattern': 'foo',
    });
    expect(applyChain(stages, sinkRecord({ topic: 'foo' }))).toBeNull();
    expect(applyChain(stages, sinkRecord({ topic: 'bar' }))!.topic).toBe('bar');
  });

  it('negate runs a transform only where its predicate does not hold (the documented IsFoo/IsBar example)', () => {
    const stages = transformationStages({
      transforms: 'Filter,Extract',
      'transforms.Filter.type': 'org.apache.kafka.connect.transforms.Filter',
      'transforms.Filter.predicate': 'IsFoo',
      'transforms.Extract.type': 'org.apache.kafka.connect.transforms.ExtractField$Key',
      'transforms.Extract.field': 'other_field',
      'transforms.Extract.predicate': 'IsBar',
      'transforms.Extract.negate': 'true',
      predicates: 'IsFoo,IsBar',
      'predicates.IsFoo.type': 'org.apache.kafka.connect.transforms.predicates.TopicNameMatches',
      'predicates.IsFoo.pattern': 'foo',
      'predicates.IsBar.type': 'org.apache.kafka.connect.transforms.predicates.TopicNameMatches',
      'predicates.IsBar.pattern': 'bar',
    });
    const key = { other_field: 7 };
    expect(applyChain(stages, sinkRecord({ topic: 'foo', key }))).toBeNull();
    expect(applyChain(stages, sinkRecord({ topic: 'bar', key }))!.key).toEqual(key);
    expect(applyChain(stages, sinkRecord({ topic: 'baz', key }))!.key).toBe(7);
  });

  it('refuses unknown types, negate without predicate, and predicates not listed', () => {
    expect(() => transformationStages({ transforms: 'a', 'transforms.a.type': 'com.example.Nope' })).toThrow(/could not be found/);
    expect(() => transformationStages({ transforms: 'a' })).toThrow(/Missing required configuration "transforms.a.type"/);
    expect(() => transformationStages({ transforms: 'a', 'transforms.a.type': 'Filter', 'transforms.a.negate': 'true' })).toThrow(/no config 'transforms.a.predicate'/);
    expect(() => transformationStages({ transforms: 'a', 'transforms.a.type': 'Filter', 'transforms.a.predicate': 'P' })).toThrow(/not listed in 'predicates'/);
  });
});
