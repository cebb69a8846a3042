import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { defaultPartition, murmur2, toPositive } from '../../../lib/records/murmur2.ts';
import { kafkajsMurmur2, kafkajsPartition } from './kafkajs.ts';

// Expected values from Apache Kafka's UtilsTest.testMurmur2 (Java's signed int results).
const KAFKA_VECTORS: Array<[string, number]> = [
  ['21', -973932308],
  ['foobar', -790332482],
  ['a-little-bit-long-string', -985981536],
  ['a-little-bit-longer-string', -1486304829],
  ['lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8', -58897971],
  ['abc', 479470107],
  ['', 275646681],
];

describe('murmur2', () => {
  it.each(KAFKA_VECTORS)('hashes %j to %d like Kafka', (key, expected) => {
    expect(murmur2(Buffer.from(key))).toBe(expected);
  });

  it.each(KAFKA_VECTORS)('agrees with kafkajs on %j', (key) => {
    expect(murmur2(Buffer.from(key))).toBe(kafkajsMurmur2(Buffer.from(key)));
  });

  it('agrees with kafkajs on random keys of every length remainder', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 80 }), (key) => {
        expect(murmur2(key)).toBe(kafkajsMurmur2(Buffer.from(key)));
      }),
      { numRuns: 500 },
    );
  });
});

describe('toPositive', () => {
  it('clears only the sign bit, as Kafka does (not Math.abs)', () => {
    expect(toPositive(-1)).toBe(0x7fffffff);
    expect(toPositive(-(2 ** 31))).toBe(0);
    expect(toPositive(5)).toBe(5);
  });
});

describe('defaultPartition', () => {
  it('picks the partition kafkajs\'s DefaultPartitioner picks', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), fc.integer({ min: 1, max: 10_000 }), (key, partitions) => {
        expect(defaultPartition(key, partitions)).toBe(kafkajsPartition(Buffer.from(key), partitions));
      }),
      { numRuns: 300 },
    );
  });

  it('maps a known key to the partition Java clients choose', () => {
    // toPositive(-790332482) % 6 = 1357151166 % 6
    expect(defaultPartition(Buffer.from('foobar'), 6)).toBe(1357151166 % 6);
  });

  it('rejects a partition count below one', () => {
    expect(() => defaultPartition(Buffer.from('k'), 0)).toThrow(RangeError);
  });
});
