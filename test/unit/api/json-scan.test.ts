// Counting a JSON body's records before parsing it: the count is exact for any valid body
// (whatever the values hold: nested arrays, strings with brackets, quotes and escapes)
// and stops early once it passes the limit.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { countTopLevelArray } from '../../../lib/api/json-scan.ts';

const count = (body: string, limit = 1_000_000) => countTopLevelArray(Buffer.from(body), 'records', limit);

describe('countTopLevelArray', () => {
  it('counts the elements of the top-level "records" array of any valid body', () => {
    fc.assert(
      fc.property(fc.array(fc.jsonValue(), { maxLength: 30 }), fc.dictionary(fc.string(), fc.jsonValue(), { maxKeys: 3 }), (records, other) => {
        const { records: _ignored, ...rest } = other;
        const body = JSON.stringify({ ...rest, records, after: rest });
        expect(count(body)).toBe(records.length);
      }),
    );
  });

  it('ignores arrays under other keys and "records" keys deeper down', () => {
    expect(count('{"a":"records","b":[1,2],"c":{"records":[1,2,3]},"records":[{"records":[1,2]}]}')).toBe(1);
  });

  it('reads an escaped key as the parser would', () => {
    expect(count('{"rec\\u006frds":[1,2,3,4]}')).toBe(4);
  });

  it('stops at the first element past the limit', () => {
    const body = `{"records":[${new Array(100_000).fill('{}').join(',')}]}`;

    expect(count(body, 10)).toBe(11);
  });
});
