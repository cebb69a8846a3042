import fc from 'fast-check';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { backoffCeiling, equalJitter, fullJitter, readEvery, sleep } from '../../../lib/core/time.ts';

describe('sleep', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('resolves once the time has passed, not before', async () => {
    vi.useFakeTimers();
    let done = false;
    const slept = sleep(1_000).then(() => (done = true));
    await vi.advanceTimersByTimeAsync(999);
    expect(done).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    await slept;
    expect(done).toBe(true);
  });

  it("rejects with the signal's reason when aborted, before or during the wait", async () => {
    const before = new AbortController();
    before.abort(new Error('already'));
    await expect(sleep(60_000, before.signal)).rejects.toThrow('already');

    const during = new AbortController();
    const slept = sleep(60_000, during.signal);
    during.abort(new Error('stop'));
    await expect(slept).rejects.toThrow('stop');
  });
});

describe('backoff', () => {
  const b = { baseMs: 100, maxMs: 5_000 };

  it('doubles the ceiling per step up to the maximum', () => {
    expect([0, 1, 2, 3, 6, 40].map((n) => backoffCeiling(n, b))).toEqual([100, 200, 400, 800, 5_000, 5_000]);
    expect(backoffCeiling(-3, b)).toBe(100);
  });

  it('full jitter stays in [0, ceiling]; equal jitter in [ceiling/2, ceiling]', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 64 }), fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }), (n, r) => {
        const ceiling = backoffCeiling(n, b);
        const full = fullJitter(n, b, () => r);
        const equal = equalJitter(n, b, () => r);
        expect(full).toBeGreaterThanOrEqual(0);
        expect(full).toBeLessThanOrEqual(ceiling);
        expect(equal).toBeGreaterThanOrEqual(ceiling / 2);
        expect(equal).toBeLessThanOrEqual(ceiling);
      }),
    );
  });
});

describe('readEvery', () => {
  const counting = () => {
    let reads = 0;
    return { read: async () => ++reads };
  };

  it('answers the last read while it is younger than the ttl, and reads again after', async () => {
    const clock = { now: 0 };
    const source = counting();
    const value = readEvery(1_000, () => clock.now, source.read);

    const first = await value.get();
    clock.now = 999;
    const fresh = await value.get();
    clock.now = 1_000;
    const stale = await value.get();

    expect([first, fresh, stale]).toEqual([1, 1, 2]);
  });

  it('keeps no failed read, and forgets on reset', async () => {
    let fail = true;
    let reads = 0;
    const value = readEvery(1_000, () => 0, async () => {
      reads++;
      if (fail) throw new Error('unavailable');
      return reads;
    });

    await expect(value.get()).rejects.toThrow('unavailable');
    fail = false;
    const afterFailure = await value.get();
    value.reset();
    const afterReset = await value.get();

    expect([afterFailure, afterReset]).toEqual([2, 3]);
  });
});
