// The schedule adapter: an EventBridge rule's event in, one run of a job out.
//
//   {"version":"0", "id":"...", "detail-type":"Scheduled Event", "source":"aws.events",
//    "time":"2025-06-01T12:15:00Z", "resources":["arn:aws:events:...:rule/..."], "detail":{}}
//
// `time` is when the rule fired: the run's due time. The rule fires every
// SCHEDULE_MINUTES[fn] (the route table, which also drives the CDK rule), so the run
// before was due that long before; and the run must be done before Lambda's timeout.
// That is the ScheduledPass the job decides from, as it decides from the dev server's
// timers locally (lib/local/timers.ts). One log line per run; a failed run is thrown to
// Lambda, which logs it and counts an error.
import { SCHEDULE_MINUTES, type FunctionName } from '../api/routes.ts';
import type { ScheduledPass } from '../core/schedule.ts';
import { deadlineOf, type AdapterLogger, type EventHandler, type InvocationContext } from './events.ts';
import { createLogger } from './logger.ts';

export interface ScheduledEvent {
  'detail-type': 'Scheduled Event';
  source?: string;
  /** ISO 8601: when the rule fired. */
  time?: string;
}

/** A job run on a schedule; what it returns is logged and answered. */
export type ScheduledJob<R> = (pass: ScheduledPass) => Promise<R>;

export interface ScheduleHandlerOptions<R> {
  /** Default: a Powertools logger named after the function. */
  logger?: AdapterLogger;
  /** The part of a run's result worth a log line and an answer; default all of it. */
  summary?: (result: R) => object;
}

/** The run an event asks for: due at the event's time, the previous one a schedule interval before. */
export function scheduledPass(fn: FunctionName, event: Partial<ScheduledEvent>, context?: InvocationContext, now = Date.now()): ScheduledPass {
  const fired = event.time ? Date.parse(event.time) : Number.NaN;
  const at = Number.isFinite(fired) ? fired : now;
  const minutes = SCHEDULE_MINUTES[fn];
  const deadline = deadlineOf(context, now);
  return {
    at,
    ...(minutes ? { previousAt: at - minutes * 60_000 } : {}),
    ...(deadline !== undefined ? { deadline } : {}),
  };
}

export function createScheduleHandler<R>(fn: FunctionName, job: ScheduledJob<R>, opts: ScheduleHandlerOptions<R> = {}): EventHandler<ScheduledEvent, object> {
  const logger = opts.logger ?? createLogger(`sluice-${fn}`);
  return async (event, context) => {
    const started = Date.now();
    const result = await job(scheduledPass(fn, event, context, started));
    const summary = opts.summary ? opts.summary(result) : (result as object);
    logger.info('scheduled run', { durationMs: Date.now() - started, ...summary });
    return summary;
  };
}
