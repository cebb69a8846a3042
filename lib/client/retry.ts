// Backoff for retriable errors: the server's Retry-After when it gave one, else jittered
// exponential backoff (lib/core/time.ts).
import { isSluiceError, SluiceError } from '../core/errors.ts';
import { equalJitter, sleep } from '../core/time.ts';

export interface BackoffOptions {
  /** First delay in ms (default 100). */
  baseMs?: number;
  /** Ceiling in ms (default 5000). */
  maxMs?: number;
}

/** True for errors worth retrying: network errors, 429, 503, CONCURRENT_TRANSACTIONS. */
export function isRetriable(err: unknown): boolean {
  return isSluiceError(err) && err.retriable;
}

/**
 * Delay before retry number `attempt` (1-based): uniform in [exp/2, exp] with
 * exp = min(max, base * 2^(attempt-1)), but never less than the server's Retry-After.
 */
export function backoffDelay(err: unknown, attempt: number, opts: BackoffOptions = {}): number {
  const jittered = equalJitter(attempt - 1, { baseMs: opts.baseMs ?? 100, maxMs: opts.maxMs ?? 5_000 });
  const after = err instanceof SluiceError ? err.details.retryAfterSeconds : undefined;
  return typeof after === 'number' && Number.isFinite(after) && after >= 0 ? Math.max(after * 1000, jittered) : jittered;
}

export interface RetryPolicy extends BackoffOptions {
  /** Retries after the first attempt (default 10; Infinity for as long as it takes). */
  retries?: number;
  /** Told before each retry, e.g. to emit a warning. */
  onRetry?: (err: unknown, attempt: number) => void;
  /** Gives up at the next failure once this is true (e.g. the client is closing). */
  stopped?: () => boolean;
  /** Cuts a backoff short: the next attempt starts at once. */
  signal?: AbortSignal;
}

/** Calls `fn` until it succeeds, a failure is not retriable, or the retries are used up. */
export async function withRetries<T>(fn: () => Promise<T>, policy: RetryPolicy = {}): Promise<T> {
  const retries = policy.retries ?? 10;
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (err) {
      if (!isRetriable(err) || attempt > retries || policy.stopped?.()) throw err;
      policy.onRetry?.(err, attempt);
      await sleep(backoffDelay(err, attempt, policy), policy.signal).catch(() => {});
    }
  }
}
