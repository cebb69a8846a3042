// What the dispatcher does for each thing that drives it, summarized the same way for the
// deployed function (functions/dispatcher.ts, through lib/runtime's stream, schedule and
// invoke adapters) and the dev server (lib/local/dispatch.ts):
//
//   a batch of the partitions table's stream   dispatch the moved partitions; the stream
//                                              records whose dispatch hit a storage failure
//                                              are reported as failed, for Lambda to retry
//   a scheduled or on-demand sweep              bind pending subscriptions, flush due
//                                              batching windows, retry due batches, catch
//                                              up lagging partitions; and keep sweeping
//                                              while work is due, within the run's time
import type { Dispatcher, DispatcherOptions, PartitionOutcome, PartitionStreamRecord } from './dispatcher.ts';
import { DEAD_LETTER_QUEUE_ENV_VAR } from './model.ts';

/** Env var overriding the longest in-process wait for a batching window or retry (ms). */
export const INLINE_WAIT_ENV_VAR = 'SLUICE_DISPATCH_INLINE_WAIT_MS';

/** Never sweep for longer than this in one run, however long the run may take. */
export const MAX_SWEEP_MS = 50_000;

export interface RunSummary {
  /** (Subscription, partition) runs. */
  dispatched: number;
  delivered: number;
  deadLettered: number;
}

export function dispatcherOptionsFromEnv(env: NodeJS.ProcessEnv = process.env): DispatcherOptions {
  const inline = env[INLINE_WAIT_ENV_VAR] ? Number(env[INLINE_WAIT_ENV_VAR]) : Number.NaN;
  return {
    ...(env[DEAD_LETTER_QUEUE_ENV_VAR] ? { defaultDeadLetterQueueUrl: env[DEAD_LETTER_QUEUE_ENV_VAR] } : {}),
    ...(Number.isFinite(inline) && inline >= 0 ? { inlineWaitMs: inline } : {}),
  };
}

/** The dispatcher's runs over the dispatcher `dispatcherOf` returns (built on first use). */
export function dispatcherRuns(dispatcherOf: () => Dispatcher) {
  return {
    /** One batch of the partitions stream: the sequence numbers that failed, and what was done. */
    async streamBatch(records: readonly PartitionStreamRecord[], run: { deadline?: number } = {}): Promise<RunSummary & { failed: string[] }> {
      const report = await dispatcherOf().handleStreamRecords(records, run);
      return { failed: report.failed, ...summarize(report.outcomes) };
    },
    /** Sweeps until no work is due, MAX_SWEEP_MS have passed, or the run's deadline nears. */
    async sweep(run: { deadline?: number } = {}): Promise<RunSummary & { sweeps: number; lagging: number }> {
      const until = Math.min(Date.now() + MAX_SWEEP_MS, run.deadline ?? Infinity);
      const reports = await dispatcherOf().sweepUntil(until);
      return { sweeps: reports.length, ...summarize(reports.flatMap((r) => r.outcomes)), lagging: reports.at(-1)?.lagging ?? 0 };
    },
  };
}

function summarize(outcomes: readonly Pick<PartitionOutcome, 'delivered' | 'deadLettered'>[]): RunSummary {
  return {
    dispatched: outcomes.length,
    delivered: outcomes.reduce((s, o) => s + o.delivered, 0),
    deadLettered: outcomes.reduce((s, o) => s + o.deadLettered, 0),
  };
}
