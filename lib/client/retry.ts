// Backoff for retriable errors: the server's Retry-After when it gave one, else jittered
// exponential backoff.
import { isSluiceError, SluiceError } from '../core/errors.ts';

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
  const base = opts.baseMs ?? 100;
  const max = opts.maxMs ?? 5_000;
  const exp = Math.min(max, base * 2 ** Math.min(Math.max(attempt - 1, 0), 30));
  const jittered = exp / 2 + Math.random() * (exp / 2);
  const after = err instanceof SluiceError ? err.details.retryAfterSeconds : undefined;
  return typeof after === 'number' && Number.isFinite(after) && after >= 0 ? Math.max(after * 1000, jittered) : jittered;
}

/** Resolves after `ms`, or rejects with the signal's reason when it aborts first. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal!.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** A promise and its resolvers. */
export interface Deferred<T> {
  promise: Promise<T>;
  resolve(value: T): void;
  reject(err: unknown): void;
}

export function deferred<T>(): Deferred<T> {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}
