import { describe, expect, it } from 'vitest';
import { UsageError } from '../../../lib/cli/errors.ts';
import { compileFormat, DEFAULT_FORMAT, jsonEnvelope, renderHeaders, type OutputRecord } from '../../../lib/cli/format.ts';

const rec = (over: Partial<OutputRecord> = {}): OutputRecord => ({
  topic: 'orders',
  partition: 2,
  offset: 42,
  timestamp: 1750000000000,
  key: Buffer.from('alice'),
  value: Buffer.from('{"amount":200}'),
  headers: [
    ['source', Buffer.from('web')],
    ['trace', Buffer.from('abc')],
  ],
  ...over,
});

const render = (fmt: string, r: OutputRecord = rec()) => compileFormat(fmt)(r).toString('utf8');

describe('compileFormat', () => {
  it('renders every kcat token', () => {
    expect(render('%t %p %o %k %v %T %h')).toBe('orders 2 42 alice {"amount":200} 1750000000000 source=web,trace=abc');
  });

  it('renders key and value sizes, -1 for null', () => {
    expect(render('%K %S')).toBe('5 14');
    expect(render('%K %S', rec({ key: null, value: null }))).toBe('-1 -1');
  });

  it('defaults to the value and a newline', () => {
    expect(render(DEFAULT_FORMAT)).toBe('{"amount":200}\n');
  });

  it('turns \\n \\t \\r \\0 \\\\ into their characters and keeps unknown escapes', () => {
    expect(render('%k\\t%v\\r\\n')).toBe('alice\t{"amount":200}\r\n');
    expect(render('a\\0b\\\\c\\qd')).toBe('a\0b\\c\\qd');
  });

  it('prints a literal % for %%', () => {
    expect(render('100%% %o')).toBe('100% 42');
  });

  it('prints null keys and values as nothing, like kcat', () => {
    expect(render('[%k][%v]', rec({ key: null, value: null }))).toBe('[][]');
    expect(render('[%k][%v]', rec({ key: Buffer.alloc(0), value: Buffer.alloc(0) }))).toBe('[][]');
  });

  it('renders no headers as nothing', () => {
    expect(render('[%h]', rec({ headers: [] }))).toBe('[]');
  });

  it('passes raw bytes through untouched', () => {
    const value = Buffer.from([0x00, 0xff, 0xfe, 0x0a, 0x80]);
    const out = compileFormat('%v|')(rec({ value }));
    expect(out).toEqual(Buffer.concat([value, Buffer.from('|')]));
  });

  it('keeps non-ASCII literals as UTF-8', () => {
    expect(render('→%k')).toBe('→alice');
  });

  it('rejects unknown tokens and a trailing %', () => {
    expect(() => compileFormat('%x')).toThrow(UsageError);
    expect(() => compileFormat('%v%')).toThrow(/lone '%'/);
  });
});

describe('renderHeaders', () => {
  it('joins k=v with commas, keeping value bytes', () => {
    expect(renderHeaders([['a', Buffer.from('1')], ['b', Buffer.from('x=y')]]).toString()).toBe('a=1,b=x=y');
  });
});

describe('jsonEnvelope', () => {
  it('gives UTF-8 keys, values and headers as strings', () => {
    expect(jsonEnvelope(rec())).toEqual({
      topic: 'orders',
      partition: 2,
      offset: 42,
      timestamp: 1750000000000,
      key: 'alice',
      value: '{"amount":200}',
      headers: { source: 'web', trace: 'abc' },
    });
  });

  it('keeps nulls and marks binary fields base64', () => {
    const env = jsonEnvelope(rec({ key: null, value: Buffer.from([0xff, 0x00]), headers: [['bin', Buffer.from([0xc3])]] }));
    expect(env.key).toBeNull();
    expect(env.value).toBe('/wA=');
    expect(env.valueEncoding).toBe('base64');
    expect(env.keyEncoding).toBeUndefined();
    expect(env.headers).toEqual({ bin: 'ww==' });
    expect(env.headersEncoding).toBe('base64');
  });
});
