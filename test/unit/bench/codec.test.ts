import { describe, expect, it } from 'vitest';
import { runCodecBench } from '../../../lib/bench/codec/measure.ts';

describe('runCodecBench', () => {
  it('measures both codecs and reports progress up to completion', async () => {
    const progress: number[] = [];

    const result = await runCodecBench({ records: 10, recordBytes: 64, seconds: 0.3, onProgress: (f) => progress.push(f) });

    for (const v of Object.values(result)) {
      expect(Number.isFinite(v)).toBe(true);
      expect(v).toBeGreaterThan(0);
    }
    expect(progress.at(-1)).toBe(1);
    expect(progress).toEqual([...progress].sort((a, b) => a - b));
  });
});
