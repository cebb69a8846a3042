// What a head says of a claimed append (lib/storage/commit.ts appendLanded), which the
// sweep trusts to settle a shared object's record its writer never completed.
import { describe, expect, it } from 'vitest';
import { appendLanded } from '../../../lib/storage/commit.ts';
import { WRITER_IDLE_MS } from '../../../lib/storage/tail.ts';
import { writerAttributes } from '../../../lib/storage/writers.ts';

const w = writerAttributes('wr1');
const head = (seq?: number, base?: number) => ({
  nextOffset: { N: '100' },
  ...(seq !== undefined ? { [w.seq]: { N: String(seq) }, [w.base]: { N: String(base ?? 0) } } : {}),
});
const T = 1_700_000_000_000;

describe('appendLanded', () => {
  it('answers the base when the writer\'s last sequence on the head is the claimed one', () => {
    expect(appendLanded(head(T, 42), 'wr1', T, T, T + 600_000)).toBe(42);
  });

  it('answers absent when the writer is not on the head, or only with an older sequence', () => {
    expect(appendLanded(head(), 'wr1', T, T, T + 600_000)).toBe('absent');
    expect(appendLanded(head(T - 5, 7), 'wr1', T, T, T + 600_000)).toBe('absent');
    expect(appendLanded(undefined, 'wr1', T, T, T + 600_000)).toBe('absent');
  });

  it('cannot tell when the writer appended again since, or when a flush may have dropped it as idle', () => {
    expect(appendLanded(head(T + 1, 50), 'wr1', T, T, T + 600_000)).toBe('unknown');
    expect(appendLanded(head(), 'wr1', T, T, T + WRITER_IDLE_MS)).toBe('unknown');
  });
});
