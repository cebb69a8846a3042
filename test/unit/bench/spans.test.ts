import { describe, expect, it } from 'vitest';
import { busyTime, StorageSpans } from '../../../lib/bench/harness/spans.ts';

describe('busyTime', () => {
  it('counts overlapping calls once and gaps not at all', () => {
    expect(busyTime([[0, 10], [5, 15], [20, 30]])).toBe(25);
    expect(busyTime([[20, 30], [0, 10], [2, 4]])).toBe(20);
    expect(busyTime([])).toBe(0);
  });
});

describe('StorageSpans', () => {
  /** A clock that moves only when told to. */
  const clock = () => {
    let t = 0;
    return { now: () => t, advance: (ms: number) => void (t += ms) };
  };
  const call = { service: 'dynamodb' as const, operation: 'GetItem', input: {} };

  it('gives each piece of work the storage time of its own calls, concurrent work included', async () => {
    const c = clock();
    const spans = new StorageSpans(c.now);
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const slow = spans.measure(async () => {
      await spans.tap(call, async () => {
        await held;
        return {};
      });
    });
    const fast = await spans.measure(async () => {
      await spans.tap(call, async () => (c.advance(3), {}));
      await spans.tap(call, async () => (c.advance(4), {}));
    });
    c.advance(10);
    release();

    expect(fast).toEqual({ storageMs: 7, calls: 2 });
    expect(await slow).toEqual({ storageMs: 17, calls: 1 });
  });

  it('does not time calls made outside any measured work', async () => {
    const c = clock();
    const spans = new StorageSpans(c.now);
    await spans.tap(call, async () => (c.advance(5), {}));

    const span = await spans.measure(async () => undefined);

    expect(span).toEqual({ storageMs: 0, calls: 0 });
  });
});
