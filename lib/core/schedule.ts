// One run of a scheduled job, as every scheduler hands it over: the EventBridge schedule
// deployed (lib/runtime/schedule.ts), the dev server's timers locally (lib/local/timers.ts).
// Jobs decide from it alone, so a policy such as "list every object once an hour" is
// written once and behaves the same under both. Imports nothing.

export interface ScheduledPass {
  /** When this run was due (epoch ms). */
  at: number;
  /** When the run before it in the same series was due; unknown for a series' first run. */
  previousAt?: number;
  /** When this run must have returned (epoch ms), if it is bounded (a Lambda invocation). */
  deadline?: number;
}

/**
 * Whether this is the series' first run in its period of `periodMs` (an hour, a day,
 * counted from the epoch): the run before it was due in an earlier period, or is unknown.
 * However the runs drift, exactly one run per period in which any ran says yes.
 */
export function firstInPeriod(pass: ScheduledPass, periodMs: number): boolean {
  if (pass.previousAt === undefined) return true;
  return Math.floor(pass.at / periodMs) !== Math.floor(pass.previousAt / periodMs);
}
