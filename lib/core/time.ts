// Waiting: a sleep that an AbortSignal can cut short, and the exponential backoff with
// jitter that every retry loop uses (server writers that lost a conditional write, and
// SDK calls that met a retriable error). One definition, so a retry policy reads the same
// wherever it is written. Also a value re-read at most every so often (readEvery).

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

export interface Backoff {
  /** The ceiling before any doubling (ms). */
  baseMs: number;
  /** The ceiling never grows past this (ms). */
  maxMs: number;
}

/** min(maxMs, baseMs · 2^doublings): the ceiling a jittered wait is drawn under. */
export function backoffCeiling(doublings: number, b: Backoff): number {
  return Math.min(b.maxMs, b.baseMs * 2 ** Math.min(Math.max(doublings, 0), 30));
}

/**
 * Uniform in [0, ceiling] ("full jitter"): for writers that lost the same conditional
 * write to each other, spreading their next attempts matters more than a floor.
 */
export function fullJitter(doublings: number, b: Backoff, random: () => number = Math.random): number {
  return random() * backoffCeiling(doublings, b);
}

/**
 * Uniform in [ceiling/2, ceiling] ("equal jitter"): for a client waiting on a server, a
 * floor keeps a busy server from being asked again at once.
 */
export function equalJitter(doublings: number, b: Backoff, random: () => number = Math.random): number {
  const ceiling = backoffCeiling(doublings, b);
  return ceiling / 2 + random() * (ceiling / 2);
}

/**
 * A value read at most every `ttlMs` and shared meanwhile (a list of what runs, read by
 * every batch): `get` answers the last read while it is fresh, a failed read is not
 * kept, `reset` forgets it.
 */
export function readEvery<T>(ttlMs: number, now: () => number, read: () => Promise<T>): { get(): Promise<T>; reset(): void } {
  let cached: { at: number; value: Promise<T> } | undefined;
  return {
    get() {
      if (!cached || now() - cached.at >= ttlMs) {
        const value = read();
        const entry = { at: now(), value };
        cached = entry;
        value.catch(() => {
          if (cached === entry) cached = undefined;
        });
      }
      return cached.value;
    },
    reset: () => (cached = undefined),
  };
}
