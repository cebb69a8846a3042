// Timers of the local platform: what EventBridge schedules do when deployed. A run never
// overlaps the previous one, and stop() waits for the run in progress, so the emulators
// are never shut down under a maintenance pass. Each run is handed a ScheduledPass, as
// the deployed schedule hands one (lib/runtime/schedule.ts), so a job's policy (which
// maintenance passes scan for orphans, lib/log/maintenance/schedule.ts) is the same here.
import type { Logger } from '@aws-lambda-powertools/logger';
import type { ScheduledPass } from '../core/schedule.ts';

export interface Timer {
  stop(): Promise<void>;
}

/**
 * Runs `run` every `intervalMs` after the previous run ended (0: never). A pass is due
 * when its timer fires; the previous one's due time is passed along (none for the first).
 */
export function every(
  intervalMs: number,
  run: (pass: ScheduledPass) => Promise<void>,
  onError: (err: unknown) => void,
  now: () => number = Date.now,
): Timer {
  let stopped = false;
  let running: Promise<void> | undefined;
  let timer: NodeJS.Timeout | undefined;
  let previousAt: number | undefined;
  const schedule = () => {
    if (stopped) return;
    timer = setTimeout(() => {
      const pass: ScheduledPass = { at: now(), ...(previousAt !== undefined ? { previousAt } : {}) };
      previousAt = pass.at;
      running = run(pass).catch(onError).finally(() => {
        running = undefined;
        schedule();
      });
    }, intervalMs);
    timer.unref();
  };
  if (intervalMs > 0) schedule();
  return {
    stop: async () => {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
  };
}

/** Logs a maintenance report's totals when the pass did something, errors as warnings. */
export function logMaintenance(logger: Logger, report: { totals: object; errors: unknown[] }): void {
  const did = Object.entries(report.totals).some(([k, v]) => k !== 'partitionsExamined' && typeof v === 'number' && v > 0);
  if (report.errors.length) logger.warn('maintenance pass had errors', { errors: report.errors });
  else if (did) logger.info('maintenance pass', { totals: report.totals });
}
