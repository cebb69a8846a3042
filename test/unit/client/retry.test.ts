import { describe, expect, it } from 'vitest';
import { InvalidRequestError, NetworkError, ThrottlingError } from '../../../lib/core/errors.ts';
import { backoffDelay, withRetries } from '../../../lib/client/retry.ts';

describe('backoff', () => {
  it('grows exponentially with jitter, capped, and honours Retry-After', () => {
    for (let attempt = 1; attempt <= 8; attempt++) {
      const d = backoffDelay(new Error('x'), attempt, { baseMs: 100, maxMs: 1_000 });
      const exp = Math.min(1_000, 100 * 2 ** (attempt - 1));
      expect(d).toBeGreaterThanOrEqual(exp / 2);
      expect(d).toBeLessThanOrEqual(exp);
    }
    const throttled = new ThrottlingError('slow down', { retryAfterSeconds: 2 });
    expect(backoffDelay(throttled, 1)).toBeGreaterThanOrEqual(2_000);
  });
});


describe('withRetries', () => {
  const fast = { baseMs: 1, maxMs: 1 };
  /** A call failing `failures` times with `err`, then answering 'ok'. */
  const failing = (failures: number, err: Error) => {
    let calls = 0;
    const fn = async () => {
      calls++;
      if (calls <= failures) throw err;
      return 'ok';
    };
    return { fn, calls: () => calls };
  };

  it('retries retriable failures until the call succeeds, telling onRetry each time', async () => {
    const call = failing(3, new NetworkError('refused'));
    const told: number[] = [];
    expect(await withRetries(call.fn, { ...fast, onRetry: (_e, attempt) => told.push(attempt) })).toBe('ok');
    expect(call.calls()).toBe(4);
    expect(told).toEqual([1, 2, 3]);
  });

  it('gives up with the last error once the retries are used up', async () => {
    const call = failing(10, new NetworkError('refused'));
    await expect(withRetries(call.fn, { ...fast, retries: 2 })).rejects.toBeInstanceOf(NetworkError);
    expect(call.calls()).toBe(3);
  });

  it('does not retry what retrying cannot fix', async () => {
    const call = failing(1, new InvalidRequestError('bad'));
    await expect(withRetries(call.fn, fast)).rejects.toBeInstanceOf(InvalidRequestError);
    expect(call.calls()).toBe(1);
  });

  it('stops retrying once told to stop', async () => {
    let stopped = false;
    const call = failing(10, new NetworkError('refused'));
    const run = withRetries(call.fn, { ...fast, retries: Infinity, stopped: () => stopped, onRetry: (_e, attempt) => (stopped = attempt >= 2) });
    await expect(run).rejects.toBeInstanceOf(NetworkError);
    expect(call.calls()).toBe(3);
  });
});
