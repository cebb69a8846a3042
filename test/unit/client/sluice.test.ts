import { describe, expect, it } from 'vitest';
import { Sluice } from '../../../lib/client/index.ts';

describe('Sluice', () => {
  it('signs deployed endpoints and not local ones', () => {
    expect(new Sluice({ endpoint: 'http://127.0.0.1:9192' }).http.signs).toBe(false);
    expect(new Sluice({ endpoint: 'https://abc123.execute-api.eu-west-1.amazonaws.com' }).http.signs).toBe(true);
    expect(new Sluice({ endpoint: 'https://abc123.execute-api.eu-west-1.amazonaws.com' }).http.region).toBe('eu-west-1');
  });

  it('checks options up front', () => {
    const sluice = new Sluice({ endpoint: 'http://127.0.0.1:9192' });
    expect(() => sluice.consumer({ groupId: '', topics: ['t'] })).toThrow(/groupId/);
    expect(() => sluice.consumer({ groupId: 'g', topics: [] })).toThrow(/topics/);
    expect(() => sluice.consumer({ groupId: 'g', topics: ['t'], autoOffsetReset: 'sometimes' as 'none' })).toThrow(/autoOffsetReset/);
    expect(() => sluice.producer({ compression: 'zstd' as 'gzip' })).toThrow(/compression/);
    expect(() => sluice.producer({ maxInFlight: 0 })).toThrow(/maxInFlight/);
  });
});
