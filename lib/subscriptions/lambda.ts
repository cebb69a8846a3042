// The dispatcher as a Lambda handler. Three kinds of event:
//
//   {Records:[...]}              the partitions table's stream (event source mapping):
//                                dispatch the moved partitions; answers
//                                {batchItemFailures:[{itemIdentifier: SequenceNumber}]}
//                                for records whose dispatch hit a storage failure
//                                (ReportBatchItemFailures), so Lambda retries only those.
//   {"detail-type":"Scheduled Event"}   the EventBridge schedule: sweep (bind pending
//                                subscriptions, flush due batching windows, retry due
//                                batches, catch up lagging partitions) and keep sweeping
//                                while work is due, within the invocation's time.
//   {"sweep":true}               the same, on demand (tests, operators).
//
// The same handler runs in the local dev server, fed by lib/local/streams.ts.
import type { Context } from 'aws-lambda';
import { createStorageClients, storageConfigFromEnv } from '../storage/clients.ts';
import { Dispatcher, type DispatcherLogger, type DispatcherOptions, type PartitionStreamRecord, type StreamReport, type SweepReport } from './dispatcher.ts';

import { DEAD_LETTER_QUEUE_ENV_VAR } from './model.ts';

export { DEAD_LETTER_QUEUE_ENV_VAR };
/** Env var overriding the longest in-process wait for a batching window or retry (ms). */
export const INLINE_WAIT_ENV_VAR = 'SLUICE_DISPATCH_INLINE_WAIT_MS';

export interface DispatcherEvent {
  Records?: PartitionStreamRecord[];
  'detail-type'?: string;
  sweep?: boolean;
}

export interface DispatcherResult {
  batchItemFailures?: { itemIdentifier: string }[];
  dispatched?: number;
  delivered?: number;
  deadLettered?: number;
  lagging?: number;
}

export type DispatcherHandler = (event: DispatcherEvent, context?: Pick<Context, 'getRemainingTimeInMillis'>) => Promise<DispatcherResult>;

/** Never run a sweep for longer than this, whatever the function's timeout. */
const MAX_SWEEP_MS = 50_000;
/** Kept free at the end of an invocation. */
const SAFETY_MS = 5_000;

export function dispatcherOptionsFromEnv(env: NodeJS.ProcessEnv = process.env): DispatcherOptions {
  const inline = env[INLINE_WAIT_ENV_VAR] ? Number(env[INLINE_WAIT_ENV_VAR]) : Number.NaN;
  return {
    ...(env[DEAD_LETTER_QUEUE_ENV_VAR] ? { defaultDeadLetterQueueUrl: env[DEAD_LETTER_QUEUE_ENV_VAR] } : {}),
    ...(Number.isFinite(inline) && inline >= 0 ? { inlineWaitMs: inline } : {}),
  };
}

export function createDispatcherHandler(
  source: Dispatcher | (() => Dispatcher) = () => new Dispatcher(createStorageClients(storageConfigFromEnv()), dispatcherOptionsFromEnv()),
  logger?: DispatcherLogger,
): DispatcherHandler {
  let dispatcher: Dispatcher | undefined = typeof source === 'function' ? undefined : source;
  const get = () => (dispatcher ??= (source as () => Dispatcher)());
  return async (event, context) => {
    const d = get();
    const remaining = context?.getRemainingTimeInMillis?.();
    const now = Date.now();
    const deadline = remaining === undefined ? undefined : now + remaining - SAFETY_MS;
    if (Array.isArray(event?.Records)) {
      const report: StreamReport = await d.handleStreamRecords(event.Records, deadline === undefined ? {} : { deadline });
      const result = summarize(report.outcomes);
      logger?.info('stream batch dispatched', { records: event.Records.length, ...result, failed: report.failed.length });
      return { batchItemFailures: report.failed.map((itemIdentifier) => ({ itemIdentifier })), ...result };
    }
    if (event?.['detail-type'] === 'Scheduled Event' || event?.sweep === true) {
      const until = Math.min(now + MAX_SWEEP_MS, deadline ?? Infinity);
      const reports: SweepReport[] = await d.sweepUntil(until);
      const result = { ...summarize(reports.flatMap((r) => r.outcomes)), lagging: reports.at(-1)?.lagging ?? 0 };
      logger?.info('sweep', { sweeps: reports.length, ...result });
      return result;
    }
    logger?.warn('ignored an event that is neither a stream batch nor a schedule', { keys: Object.keys(event ?? {}) });
    return {};
  };
}

function summarize(outcomes: { delivered: number; deadLettered: number }[]) {
  return {
    dispatched: outcomes.length,
    delivered: outcomes.reduce((s, o) => s + o.delivered, 0),
    deadLettered: outcomes.reduce((s, o) => s + o.deadLettered, 0),
  };
}

