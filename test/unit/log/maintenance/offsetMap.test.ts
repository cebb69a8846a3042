// The offset map holds what its memory allows (24 bytes a slot, filled to 90 %) and keeps
// the latest offset put for each key, whatever the key's size.
import { describe, expect, it } from 'vitest';
import { BYTES_PER_SLOT, OffsetMap } from '../../../../lib/log/maintenance/offsetMap.ts';

describe('OffsetMap', () => {
  it('keeps the latest offset per key and answers -1 for a key never put', () => {
    const map = new OffsetMap(1024);
    map.put(Buffer.from('a'), 1);
    map.put(Buffer.alloc(100_000, 7), 2);
    map.put(Buffer.from('a'), 5);

    expect(map.get(Buffer.from('a'))).toBe(5);
    expect(map.get(Buffer.alloc(100_000, 7))).toBe(2);
    expect(map.get(Buffer.from('b'))).toBe(-1);
    expect(map.size).toBe(2);
  });

  it('holds 90 % of the slots its memory buys and refuses a key more', () => {
    const map = new OffsetMap(100 * BYTES_PER_SLOT);
    expect(map.capacity).toBe(90);
    for (let i = 0; i < 90; i++) map.put(Buffer.from(`k${i}`), i);

    expect(map.fits(1)).toBe(false);
    expect(() => map.put(Buffer.from('one more'), 90)).toThrow(RangeError);
    map.put(Buffer.from('k3'), 91); // an existing key still updates
    expect(map.get(Buffer.from('k3'))).toBe(91);
    for (let i = 0; i < 90; i++) if (i !== 3) expect(map.get(Buffer.from(`k${i}`))).toBe(i);
  });
});
