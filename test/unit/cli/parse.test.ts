import { describe, expect, it } from 'vitest';
import { startPositionFrom } from '../../../lib/cli/commands/consume.ts';
import { UsageError } from '../../../lib/cli/errors.ts';
import { collect, parseConfigs, parseInteger, parseKeyValue, parseTime, splitKey } from '../../../lib/cli/parse.ts';

describe('--config k=v', () => {
  it('splits at the first =', () => {
    expect(parseKeyValue('retention.ms=1000')).toEqual(['retention.ms', '1000']);
    expect(parseKeyValue('a=b=c')).toEqual(['a', 'b=c']);
    expect(parseKeyValue('empty=')).toEqual(['empty', '']);
  });

  it('rejects a missing key or =', () => {
    expect(() => parseKeyValue('retention.ms')).toThrow(UsageError);
    expect(() => parseKeyValue('=1')).toThrow(/key=value/);
  });

  it('collects repeated options, the later value winning', () => {
    const items = ['a=1', 'b=2', 'a=3'].reduce<string[] | undefined>((acc, v) => collect(v, acc), undefined);
    expect(parseConfigs(items)).toEqual({ a: '3', b: '2' });
    expect(parseConfigs(undefined)).toEqual({});
  });

  it('names the option in errors', () => {
    expect(() => parseConfigs(['oops'], '--header')).toThrow(/--header/);
  });
});

describe('key separator', () => {
  const sep = Buffer.from(':');
  const split = (line: string, s = sep) => {
    const r = splitKey(Buffer.from(line), s);
    return r && { key: r.key.toString(), value: r.value.toString() };
  };

  it('splits at the first separator only', () => {
    expect(split('alice:{"a":1}')).toEqual({ key: 'alice', value: '{"a":1}' });
    expect(split('k:v:w')).toEqual({ key: 'k', value: 'v:w' });
  });

  it('allows empty keys and values', () => {
    expect(split(':v')).toEqual({ key: '', value: 'v' });
    expect(split('k:')).toEqual({ key: 'k', value: '' });
  });

  it('supports multi-byte separators', () => {
    expect(split('a::b', Buffer.from('::'))).toEqual({ key: 'a', value: 'b' });
    expect(split('a→b', Buffer.from('→'))).toEqual({ key: 'a', value: 'b' });
  });

  it('returns undefined when the line has no separator', () => {
    expect(split('novalue')).toBeUndefined();
  });

  it('rejects an empty separator', () => {
    expect(() => splitKey(Buffer.from('x'), Buffer.alloc(0))).toThrow(UsageError);
  });
});

describe('numbers and times', () => {
  it('parses integers with bounds', () => {
    expect(parseInteger('3', '--partitions', { min: 1 })).toBe(3);
    expect(parseInteger('-5', '--offset')).toBe(-5);
    expect(() => parseInteger('0', '--partitions', { min: 1 })).toThrow(/at least 1/);
    expect(() => parseInteger('3.5', '--partitions')).toThrow(/integer/);
    expect(() => parseInteger('abc', '--partitions')).toThrow(UsageError);
  });

  it('parses epoch ms and ISO times', () => {
    expect(parseTime('1750000000000')).toBe(1750000000000);
    expect(parseTime('2025-06-15T15:06:40Z')).toBe(1750000000000);
    expect(() => parseTime('yesterday')).toThrow(UsageError);
  });
});

describe('consume start position', () => {
  it('defaults to the end', () => {
    expect(startPositionFrom({})).toEqual({ kind: 'end' });
  });

  it('maps each option', () => {
    expect(startPositionFrom({ fromBeginning: true })).toEqual({ kind: 'beginning' });
    expect(startPositionFrom({ offset: '42' })).toEqual({ kind: 'offset', offset: 42 });
    expect(startPositionFrom({ offset: '-10' })).toEqual({ kind: 'offset', offset: -10 });
    expect(startPositionFrom({ offset: 'beginning' })).toEqual({ kind: 'beginning' });
    expect(startPositionFrom({ offset: 'end' })).toEqual({ kind: 'end' });
    expect(startPositionFrom({ fromTime: '1750000000000' })).toEqual({ kind: 'time', at: 1750000000000 });
  });

  it('refuses two start positions', () => {
    expect(() => startPositionFrom({ fromBeginning: true, offset: '3' })).toThrow(UsageError);
  });
});
