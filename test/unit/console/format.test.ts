// How record bytes are shown: JSON pretty-printed, text as is, binary as hex or base64.
import { describe, expect, it } from 'vitest';
import { formatBytes, hexDump, offsetSpanLabel, renderValue } from '../../../lib/console/app/format.ts';
import { matchPath } from '../../../lib/console/app/paths.ts';

describe('renderValue', () => {
  it('pretty-prints JSON, keeps text, and shows binary (base64 from the API) as hex or base64', () => {
    expect(renderValue({ a: [1] }, false, 'hex')).toEqual({ text: '{\n  "a": [\n    1\n  ]\n}', kind: 'json' });
    expect(renderValue('plain', false, 'hex')).toEqual({ text: 'plain', kind: 'text' });
    expect(renderValue('AAEC/w==', true, 'hex')).toEqual({ text: '00000000  00 01 02 ff', kind: 'binary' });
    expect(renderValue('AAEC/w==', true, 'base64')).toEqual({ text: 'AAEC/w==', kind: 'binary' });
    expect(renderValue(null, false, 'hex').kind).toBe('null');
  });

  it('dumps 16 bytes per line with the offset', () => {
    const dump = hexDump(Uint8Array.from({ length: 17 }, (_, i) => i));
    expect(dump.split('\n')).toEqual(['00000000  00 01 02 03 04 05 06 07 08 09 0a 0b 0c 0d 0e 0f', '00000010  10']);
  });
});

describe('formatBytes', () => {
  it('uses binary units', () => {
    expect([formatBytes(512), formatBytes(1536), formatBytes(5 * 1024 ** 3)]).toEqual(['512 B', '1.5 KiB', '5.0 GiB']);
  });
});

describe('page paths', () => {
  it('match literally and bind :name segments, decoded', () => {
    expect(matchPath('/topics/:topic/messages', '/topics/a%2Fb/messages')).toEqual({ topic: 'a/b' });
    expect(matchPath('/topics/:topic', '/topics/orders/messages')).toBeUndefined();
    expect(matchPath('/', '/')).toEqual({});
  });
});

describe('offsetSpanLabel', () => {
  it('calls the offset span records on a topic that only deletes', () => {
    expect(offsetSpanLabel({ 'cleanup.policy': 'delete' })).toBe('Records');
    expect(offsetSpanLabel({})).toBe('Records');
  });

  it('calls it offsets spanned on a compacted topic, where records are fewer than offsets', () => {
    expect(offsetSpanLabel({ 'cleanup.policy': 'compact' })).toBe('Offsets spanned');
    expect(offsetSpanLabel({ 'cleanup.policy': 'delete, compact' })).toBe('Offsets spanned');
  });
});
