// Which scheduled maintenance passes list every object for crash orphans: one an hour,
// under the deployed schedule (every 15 minutes, from any start) and the dev server's
// timer (every minute, drifting by how long each pass takes) alike, plus the first pass
// of a dev server that just started.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SCHEDULE_MINUTES } from '../../../../lib/api/routes.ts';
import { orphanScanDue, ORPHAN_SCAN_PERIOD_MS } from '../../../../lib/log/maintenance/index.ts';
import { scheduledPass } from '../../../../lib/runtime/schedule.ts';

const MINUTE = 60_000;
const HOUR = ORPHAN_SCAN_PERIOD_MS;

describe('orphanScanDue', () => {
  it('deployed: of the passes of any hour (every 15 minutes from any start), exactly one scans, the one in its first quarter', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 40 }), (start) => {
        const times = Array.from({ length: 4 * 24 }, (_, i) => start + i * SCHEDULE_MINUTES.maintenance! * MINUTE);
        const scans = times.filter((t) => orphanScanDue(scheduledPass('maintenance', { time: new Date(t).toISOString() })));
        // As before this schedule policy moved here: the pass in minutes 0-14 of each hour.
        expect(scans).toEqual(times.filter((t) => new Date(t).getUTCMinutes() < 15));
        expect(scans.length).toBeGreaterThanOrEqual(23);
        for (let i = 1; i < scans.length; i++) expect(scans[i]! - scans[i - 1]!).toBe(HOUR);
      }),
    );
  });

  it('dev server: the first pass scans, then one pass an hour, however the passes drift', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 40 }), fc.array(fc.integer({ min: 0, max: 20_000 }), { minLength: 300, maxLength: 300 }), (start, drift) => {
        const times = drift.reduce<number[]>((at, d) => [...at, at.at(-1)! + MINUTE + d], [start]);
        const scans = times.filter((at, i) => orphanScanDue(i === 0 ? { at } : { at, previousAt: times[i - 1]! }));
        const hours = new Set(times.map((t) => Math.floor(t / HOUR)));
        expect(scans[0]).toBe(start);
        // One scan in every hour with passes, and no more.
        expect(new Set(scans.map((t) => Math.floor(t / HOUR)))).toEqual(hours);
        expect(scans).toHaveLength(hours.size);
      }),
    );
  });
});
