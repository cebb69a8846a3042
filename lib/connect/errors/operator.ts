// Kafka's RetryWithToleranceOperator: how a connector's pipeline treats an error.
//
//   retry      a RetriableException is tried again after 300 ms, 600 ms, 1.2 s, ... (at
//              most errors.retry.delay.max.ms, then a random wait below it) until
//              errors.retry.timeout ms have passed (0: never; -1: forever)
//   tolerate   a converter or transform failure (any error), or one a connector reports
//              itself, is skipped with errors.tolerance=all: logged with errors.log.enable
//              and dead-lettered when the sink has a dead-letter topic
//   fail       anything else, or any error with errors.tolerance=none, fails the task:
//              "Tolerance exceeded in error handler", with the error as its cause
//
// Time and waiting are injected so tests run on a controllable clock.
import type { ErrorPolicy } from '../config/settings.ts';
import { ConnectException, kafkaClassOf } from '../data/exceptions.ts';

/** Kafka's Stage: where in the pipeline an error happened. */
export type Stage = 'KEY_CONVERTER' | 'VALUE_CONVERTER' | 'HEADER_CONVERTER' | 'TRANSFORMATION' | 'TASK_PUT' | 'TASK_POLL' | 'KAFKA_PRODUCE' | 'KAFKA_CONSUME';

/** Stages whose errors errors.tolerance=all may skip (Kafka's TOLERABLE_EXCEPTIONS). */
const TOLERABLE = new Set<Stage>(['KEY_CONVERTER', 'VALUE_CONVERTER', 'HEADER_CONVERTER', 'TRANSFORMATION']);

export const RETRIES_DELAY_MIN_MS = 300;

export interface Clock {
  now(): number;
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
  random(): number;
}

/** One failure, as the task status, the log and the dead-letter headers report it. */
export interface ErrorReport {
  stage: Stage;
  /** The class that was running: a converter's, a transform's or the connector's. */
  executingClass: string;
  error: unknown;
  attempts: number;
}

export type Attempt<T> = { ok: true; value: T } | { ok: false; report: ErrorReport };

/** The wait before retry `attempt` (1-based), as Kafka's backoff. */
export function retryDelay(attempt: number, maxDelayMs: number, random: () => number): number {
  const delay = RETRIES_DELAY_MIN_MS * 2 ** Math.min(attempt - 1, 30);
  return delay > maxDelayMs ? Math.floor(random() * maxDelayMs) : delay;
}

export class ToleranceExceededError extends ConnectException {
  constructor(readonly report: ErrorReport) {
    super('Tolerance exceeded in error handler', { cause: report.error });
  }
}

export class RetryWithToleranceOperator {
  constructor(
    private readonly policy: ErrorPolicy,
    private readonly clock: Clock,
    private readonly signal?: AbortSignal,
  ) {}

  /**
   * Runs `op` at `stage`, retrying a RetriableException within errors.retry.timeout. A
   * failure it may tolerate comes back as `{ ok: false }`; one it may not is thrown as
   * ToleranceExceededError.
   */
  async execute<T>(stage: Stage, executingClass: string, op: () => T | Promise<T>): Promise<Attempt<T>> {
    const attempt = await this.retrying(op);
    if (attempt.ok) return attempt;
    const report: ErrorReport = { stage, executingClass, error: attempt.error, attempts: attempt.attempts };
    if (!TOLERABLE.has(stage) || this.policy.tolerance === 'none') throw new ToleranceExceededError(report);
    return { ok: false, report };
  }

  /** Whether a failure a connector reported itself (Kafka's ErrantRecordReporter) is tolerated. */
  toleratesReported(): boolean {
    return this.policy.tolerance === 'all';
  }

  /** `op` with retries of RetriableExceptions; its last error when it gives up. */
  async retrying<T>(op: () => T | Promise<T>): Promise<{ ok: true; value: T } | { ok: false; error: unknown; attempts: number }> {
    const start = this.clock.now();
    const timeout = this.policy.retryTimeoutMs;
    const deadline = timeout < 0 ? Number.POSITIVE_INFINITY : start + timeout;
    for (let attempt = 1; ; attempt++) {
      try {
        return { ok: true, value: await op() };
      } catch (err) {
        const retriable = (err as { retriable?: unknown })?.retriable === true;
        const now = this.clock.now();
        if (!retriable || now >= deadline || this.signal?.aborted) return { ok: false, error: err, attempts: attempt };
        const wait = Math.min(retryDelay(attempt, this.policy.retryDelayMaxMs, this.clock.random), Math.max(0, deadline - now));
        await this.clock.sleep(wait, this.signal).catch(() => undefined);
      }
    }
  }
}

/** A failure as text: the class Kafka would name, the message, and the stack. */
export function traceOf(err: unknown): string {
  if (err instanceof Error) {
    const cause = err.cause === undefined ? '' : `\nCaused by: ${traceOf(err.cause)}`;
    return `${kafkaClassOf(err)}: ${err.message}\n${(err.stack ?? '').split('\n').slice(1).join('\n')}${cause}`;
  }
  return `${kafkaClassOf(err)}: ${String(err)}`;
}
