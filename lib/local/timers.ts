// Timers of the local platform: what EventBridge schedules do when deployed. A run never
// overlaps the previous one, and stop() waits for the run in progress, so the emulators
// are never shut down under a maintenance pass.
import type { Logger } from '@aws-lambda-powertools/logger';

export interface Timer {
  stop(): Promise<void>;
}

export function every(intervalMs: number, run: () => Promise<void>, onError: (err: unknown) => void): Timer {
  let stopped = false;
  let running: Promise<void> | undefined;
  let timer: NodeJS.Timeout | undefined;
  const schedule = () => {
    if (stopped) return;
    timer = setTimeout(() => {
      running = run().catch(onError).finally(() => {
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
