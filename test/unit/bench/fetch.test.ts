// The fetch section counts the calls a fetch makes, not the dev server's background work.
import { describe, expect, it } from 'vitest';
import { fetchCalls } from '../../../lib/bench/sections/fetch.ts';
import type { MeterSnapshot } from '../../../lib/bench/harness/meter.ts';

describe('fetch calls', () => {
  it('counts S3 and the log tables, and leaves out a connector poll that happened meanwhile', () => {
    const calls = {
      'dynamodb.GetItem.topics': 1,
      'dynamodb.GetItem.partitions': 1,
      'dynamodb.Query.segments': 1,
      's3.GetObject': 1,
      'dynamodb.Query.connectors': 1,
    };

    expect(fetchCalls({ calls } as unknown as MeterSnapshot)).toBe(4);
  });
});
