// Serdes: every built-in one round-trips its values and keeps null as null; the numeric
// and windowed ones write Kafka's byte layouts, so Java clients read what Sluice writes.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Serdes, type Serde } from '../../../lib/streams/index.ts';
import { InvalidRequestError } from '../../../lib/core/errors.ts';

function roundTrips<T>(serde: Serde<T>, values: fc.Arbitrary<T>) {
  fc.assert(
    fc.property(values, (v) => {
      expect(serde.deserialize(serde.serialize(v))).toEqual(v);
    }),
    { numRuns: 200 },
  );
}

describe('serdes', () => {
  it('round-trip their values', () => {
    roundTrips(Serdes.string(), fc.string());
    // JSON has no -0 (at any depth): the values JSON text can carry are those it gives back.
    roundTrips(Serdes.json(), fc.jsonValue().map((v) => JSON.parse(JSON.stringify(v)) as unknown).filter((v) => v !== null));
    roundTrips(Serdes.bytes(), fc.uint8Array());
    roundTrips(Serdes.long(), fc.maxSafeInteger());
    roundTrips(Serdes.integer(), fc.integer());
    roundTrips(Serdes.double(), fc.double({ noNaN: true }));
  });

  it('map null to null both ways', () => {
    for (const s of [Serdes.string(), Serdes.json(), Serdes.bytes(), Serdes.long(), Serdes.integer(), Serdes.double()] as Serde<unknown>[]) {
      expect(s.serialize(null)).toBeNull();
      expect(s.deserialize(null)).toBeNull();
    }
  });

  it('write longs as Kafka does: 8 bytes big-endian two\'s complement', () => {
    expect([...Serdes.long().serialize(258)!]).toEqual([0, 0, 0, 0, 0, 0, 1, 2]);
    expect([...Serdes.long().serialize(-1)!]).toEqual([255, 255, 255, 255, 255, 255, 255, 255]);
    expect(() => Serdes.long().deserialize(new Uint8Array(3))).toThrow(InvalidRequestError);
  });

  it('write time-windowed keys as key | start, and session-windowed keys as key | end | start', () => {
    const k = { key: 'ab', window: { start: 1, end: 11 } };
    expect([...Serdes.timeWindowed(Serdes.string(), 10).serialize(k)!]).toEqual([97, 98, 0, 0, 0, 0, 0, 0, 0, 1]);
    expect(Serdes.timeWindowed(Serdes.string(), 10).deserialize(Serdes.timeWindowed(Serdes.string(), 10).serialize(k))).toEqual(k);
    const s = { key: 'ab', window: { start: 1, end: 5 } };
    expect([...Serdes.sessionWindowed(Serdes.string()).serialize(s)!]).toEqual([97, 98, 0, 0, 0, 0, 0, 0, 0, 5, 0, 0, 0, 0, 0, 0, 0, 1]);
    expect(Serdes.sessionWindowed(Serdes.string()).deserialize(Serdes.sessionWindowed(Serdes.string()).serialize(s))).toEqual(s);
  });

  it('wrap user functions, handling null before they are called', () => {
    const upper = Serdes.from<string>((v) => new TextEncoder().encode(v.toUpperCase()), (b) => new TextDecoder().decode(b));
    expect(upper.deserialize(upper.serialize('abc'))).toBe('ABC');
    expect(upper.serialize(null)).toBeNull();
  });
});
