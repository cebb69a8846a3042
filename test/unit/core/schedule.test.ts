// firstInPeriod, the rule scheduled jobs decide "once per period" with: over any series of
// runs, however irregular, exactly one run per period that has runs says yes, and it is
// that period's first; a series' first run always says yes.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { firstInPeriod, type ScheduledPass } from '../../../lib/core/schedule.ts';

const HOUR = 3_600_000;

/** Due times of a series: a start and positive gaps from seconds to hours. */
const series = fc
  .tuple(fc.integer({ min: 0, max: 2 ** 40 }), fc.array(fc.integer({ min: 1, max: 3 * HOUR }), { minLength: 1, maxLength: 200 }))
  .map(([start, gaps]) => gaps.reduce<number[]>((at, gap) => [...at, at.at(-1)! + gap], [start]));

const passesOf = (at: number[]): ScheduledPass[] => at.map((t, i) => (i === 0 ? { at: t } : { at: t, previousAt: at[i - 1]! }));

describe('firstInPeriod', () => {
  it("says yes exactly once per period that has runs, for the period's first run", () => {
    fc.assert(
      fc.property(series, (at) => {
        const yes = passesOf(at).filter((p) => firstInPeriod(p, HOUR)).map((p) => p.at);
        const firstOfEachPeriod = at.filter((t, i) => i === 0 || Math.floor(t / HOUR) !== Math.floor(at[i - 1]! / HOUR));
        expect(yes).toEqual(firstOfEachPeriod);
      }),
    );
  });

  it("says yes for a series' first run, whenever it falls", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 40 }), (at) => {
        expect(firstInPeriod({ at }, HOUR)).toBe(true);
      }),
    );
  });
});
