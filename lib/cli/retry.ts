// Retrying retriable API errors (throttling, timeouts, unreachable server) with backoff.
import { isSluiceError, retryAfterSeconds } from '../core/errors.ts';

export const sleep = (ms: number, signal?: AbortSignal): Promise<void> =>
  new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal!.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });

export interface RetryOptions {
  attempts?: number;
  baseDelayMs?: number;
  maxDelayMs?: number;
  signal?: AbortSignal;
  /** Called before each retry (e.g. to print a warning). */
  onRetry?: (err: unknown, attempt: number, delayMs: number) => void;
}

export function isRetriable(err: unknown): boolean {
  return isSluiceError(err) && err.retriable;
}

/** The delay before retry number `attempt` (1-based): server's Retry-After, else jittered exponential. */
export function retryDelay(err: unknown, attempt: number, base = 200, max = 5_000): number {
  const after = isSluiceError(err) ? retryAfterSeconds(err) : undefined;
  const exp = Math.min(max, base * 2 ** (attempt - 1));
  const jittered = exp / 2 + Math.random() * (exp / 2);
  return Math.max(after !== undefined && isSluiceError(err) && err.details.retryAfterSeconds !== undefined ? after * 1000 : 0, jittered);
}

export async function withRetries<T>(fn: () => Promise<T>, opts: RetryOptions = {}): Promise<T> {
  const attempts = opts.attempts ?? 5;
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (err) {
      if (!isRetriable(err) || attempt >= attempts || opts.signal?.aborted) throw err;
      const delay = retryDelay(err, attempt, opts.baseDelayMs, opts.maxDelayMs);
      opts.onRetry?.(err, attempt, delay);
      await sleep(delay, opts.signal);
    }
  }
}
