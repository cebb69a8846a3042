import { describe, expect, it } from 'vitest';
import { percentile, round, summarize } from '../../../lib/bench/harness/stats.ts';
import { Progress, renderBar } from '../../../lib/bench/harness/progress.ts';

describe('percentile', () => {
  it('is the nearest-rank quantile of the samples, in any order', () => {
    const xs = [5, 1, 4, 2, 3];
    expect(percentile(xs, 0.5)).toBe(3);
    expect(percentile(xs, 0)).toBe(1);
    expect(percentile(xs, 1)).toBe(5);
    expect(percentile(xs, 0.2)).toBe(1);
    expect(percentile(xs, 0.21)).toBe(2);
  });

  it('takes the 99th of 100 samples and the largest of fewer than 100', () => {
    const hundred = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(percentile(hundred, 0.99)).toBe(99);
    expect(percentile([1, 2, 3, 50], 0.99)).toBe(50);
  });

  it('is NaN without samples and rejects quantiles outside [0, 1]', () => {
    expect(percentile([], 0.5)).toBeNaN();
    expect(() => percentile([1], 1.5)).toThrow(RangeError);
    expect(() => percentile([1], Number.NaN)).toThrow(RangeError);
  });

  it('does not reorder the caller\'s array', () => {
    const xs = [3, 1, 2];
    percentile(xs, 0.5);
    expect(xs).toEqual([3, 1, 2]);
  });
});

describe('summarize', () => {
  it('reports count, p50, p99, mean, min and max', () => {
    expect(summarize([10, 20, 30, 40])).toEqual({ n: 4, p50: 20, p99: 40, mean: 25, min: 10, max: 40 });
  });

  it('is all NaN for no samples', () => {
    const s = summarize([]);
    expect(s.n).toBe(0);
    expect(s.p50).toBeNaN();
    expect(s.mean).toBeNaN();
  });
});

describe('round', () => {
  it('keeps significant digits and leaves zero and non-finite values alone', () => {
    expect(round(0.0139891234)).toBe(0.01399);
    expect(round(123456.7, 3)).toBe(123000);
    expect(round(0)).toBe(0);
    expect(round(Number.POSITIVE_INFINITY)).toBe(Number.POSITIVE_INFINITY);
  });
});

describe('progress', () => {
  it('draws a bar of fixed width, clamped to [0, 1]', () => {
    expect(renderBar(0, 10)).toBe('[..........]');
    expect(renderBar(0.5, 10)).toBe('[#####.....]');
    expect(renderBar(1.7, 4)).toBe('[####]');
    expect(renderBar(Number.NaN, 4)).toBe('[....]');
  });

  it('prints one line per phase start and end when not on a terminal', () => {
    const out: string[] = [];
    let now = 0;
    const p = new Progress({ write: (s: string) => out.push(s) }, 2, { tty: false, now: () => now });
    p.start('produce', 10);
    p.update(5);
    now = 1500;
    p.start('fetch');
    now = 2000;
    p.finish();
    expect(out).toEqual(['[1/2] produce…\n', '[1/2] produce done in 1.5 s\n', '[2/2] fetch…\n', '[2/2] fetch done in 0.5 s\n']);
  });

  it('redraws one line in place on a terminal and clears it at the end', () => {
    const out: string[] = [];
    let now = 0;
    const p = new Progress({ write: (s: string) => out.push(s), columns: 80 }, 1, { tty: true, now: () => now });
    p.start('fetch', 4);
    now = 200;
    p.update(2);
    expect(out.at(-1)).toBe('\r\x1b[K[1/1] fetch [############............] 50% (2/4)');
    now = 250;
    p.update(3); // within 100 ms of the last draw: skipped
    expect(out.at(-1)).toContain('(2/4)');
    p.finish();
    expect(out.at(-1)).toBe('\r\x1b[K');
    expect(out.every((s) => !s.includes('\n'))).toBe(true);
  });
});
