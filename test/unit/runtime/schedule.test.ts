// The schedule adapter: an EventBridge event becomes the run it stands for (due at the
// event's time, the previous run one schedule interval before, a deadline from Lambda's
// context), the job runs once, and its summary is logged and answered.
import { describe, expect, it, vi } from 'vitest';
import { SCHEDULE_MINUTES } from '../../../lib/api/routes.ts';
import type { ScheduledPass } from '../../../lib/core/schedule.ts';
import { SAFETY_MS } from '../../../lib/runtime/events.ts';
import { createScheduleHandler, scheduledPass } from '../../../lib/runtime/schedule.ts';

const event = (time?: string) => ({ version: '0', 'detail-type': 'Scheduled Event' as const, source: 'aws.events', ...(time ? { time } : {}) });

describe('scheduledPass', () => {
  it("is due at the event's time, the previous run one interval of the function's schedule before", () => {
    const at = Date.parse('2025-06-01T12:15:00Z');
    expect(scheduledPass('maintenance', event('2025-06-01T12:15:00Z'))).toEqual({ at, previousAt: at - SCHEDULE_MINUTES.maintenance! * 60_000 });
    expect(scheduledPass('dispatcher', event('2025-06-01T12:15:00Z'))).toEqual({ at, previousAt: at - 60_000 });
  });

  it('falls back to the clock without a time, and takes the deadline from the context', () => {
    const pass = scheduledPass('dispatcher', event(), { getRemainingTimeInMillis: () => 30_000 }, 5_000_000);
    expect(pass).toEqual({ at: 5_000_000, previousAt: 5_000_000 - 60_000, deadline: 5_000_000 + 30_000 - SAFETY_MS });
  });

  it('knows no previous run for a function without a schedule', () => {
    expect(scheduledPass('produce', event('2025-06-01T12:15:00Z'))).toEqual({ at: Date.parse('2025-06-01T12:15:00Z') });
  });
});

describe('createScheduleHandler', () => {
  it('runs the job once with the pass, and logs and answers its summary', async () => {
    const passes: ScheduledPass[] = [];
    const logger = { info: vi.fn(), warn: vi.fn(), error: vi.fn() };
    const handler = createScheduleHandler(
      'maintenance',
      async (pass) => {
        passes.push(pass);
        return { totals: { objectsDeleted: 2 }, errors: [], partitions: ['big'] };
      },
      { logger, summary: ({ totals, errors }) => ({ totals, errors }) },
    );
    const answer = await handler(event('2025-06-01T12:15:00Z'));
    expect(passes).toEqual([{ at: Date.parse('2025-06-01T12:15:00Z'), previousAt: Date.parse('2025-06-01T12:00:00Z') }]);
    expect(answer).toEqual({ totals: { objectsDeleted: 2 }, errors: [] });
    expect(logger.info).toHaveBeenCalledWith('scheduled run', { durationMs: expect.any(Number), totals: { objectsDeleted: 2 }, errors: [] });
  });

  it('lets a failed run fail the invocation', async () => {
    const handler = createScheduleHandler('maintenance', async () => Promise.reject(new Error('storage down')), { logger: { info: vi.fn(), warn: vi.fn(), error: vi.fn() } });
    await expect(handler(event())).rejects.toThrow('storage down');
  });
});
