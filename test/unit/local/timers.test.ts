// The dev server's timers: a run every interval after the previous one ended, never two at
// once; each handed its pass (when it was due, and when the one before was), as the
// deployed schedule hands them; stop() waits for the run in progress.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { ScheduledPass } from '../../../lib/core/schedule.ts';
import { every } from '../../../lib/local/timers.ts';

beforeEach(() => {
  vi.useFakeTimers({ now: 1_000_000 });
});
afterEach(() => {
  vi.useRealTimers();
});

describe('every', () => {
  it("hands each run its due time and the previous run's; the first has none", async () => {
    const passes: ScheduledPass[] = [];
    const timer = every(60_000, async (pass) => void passes.push(pass), () => {});
    await vi.advanceTimersByTimeAsync(180_000);
    await timer.stop();
    expect(passes).toEqual([{ at: 1_060_000 }, { at: 1_120_000, previousAt: 1_060_000 }, { at: 1_180_000, previousAt: 1_120_000 }]);
  });

  it('starts the next interval when a run ends, so runs never overlap', async () => {
    const passes: ScheduledPass[] = [];
    let running = 0;
    let most = 0;
    const timer = every(
      1_000,
      async (pass) => {
        passes.push(pass);
        most = Math.max(most, ++running);
        await new Promise((r) => setTimeout(r, 2_500));
        running--;
      },
      () => {},
    );
    await vi.advanceTimersByTimeAsync(10_000);
    const stopped = timer.stop(); // waits for the run started at 1_008_000
    await vi.advanceTimersByTimeAsync(2_500);
    await stopped;
    expect(most).toBe(1);
    expect(passes.map((p) => p.at)).toEqual([1_001_000, 1_004_500, 1_008_000]);
  });

  it('reports a failed run and keeps going', async () => {
    const errors: unknown[] = [];
    let n = 0;
    const timer = every(
      1_000,
      async () => {
        if (n++ === 0) throw new Error('first failed');
      },
      (err) => errors.push(err),
    );
    await vi.advanceTimersByTimeAsync(2_000);
    await timer.stop();
    expect(errors).toEqual([new Error('first failed')]);
    expect(n).toBe(2);
  });

  it('stop() waits for the run in progress and no run starts after it', async () => {
    let finished = false;
    let runs = 0;
    const timer = every(
      1_000,
      async () => {
        runs++;
        await new Promise((r) => setTimeout(r, 5_000));
        finished = true;
      },
      () => {},
    );
    await vi.advanceTimersByTimeAsync(1_000);
    const stopped = timer.stop();
    await vi.advanceTimersByTimeAsync(5_000);
    await stopped;
    expect(finished).toBe(true);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(runs).toBe(1);
  });

  it('never runs with an interval of 0', async () => {
    const run = vi.fn(async () => {});
    const timer = every(0, run, () => {});
    await vi.advanceTimersByTimeAsync(60_000);
    await timer.stop();
    expect(run).not.toHaveBeenCalled();
  });
});
