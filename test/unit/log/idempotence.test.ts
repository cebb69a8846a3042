import { describe, expect, it } from 'vitest';
import {
  checkSequence,
  CONFIRM_INTERVAL_MS,
  MAX_PRODUCERS,
  needsConfirmation,
  PRODUCER_EXPIRY_MS,
  type ProducerStates,
} from '../../../lib/log/idempotence.ts';

const now = 1_700_000_000_000;
const append = (states: ProducerStates, firstSeq: number, count: number, base: number, epoch = 0, producerId = '7') => {
  const v = checkSequence(states, { producerId, epoch, firstSeq, lastSeq: (firstSeq + count - 1) % 2 ** 31 }, base, count, now);
  if (v.kind !== 'append') throw new Error(`expected append, got ${JSON.stringify(v)}`);
  return v.states;
};

describe('checkSequence', () => {
  it('recognises any of the last five batches as a duplicate, with its offsets', () => {
    let s: ProducerStates = {};
    for (let i = 0; i < 6; i++) s = append(s, i * 2, 2, 100 + i * 2);

    expect(checkSequence(s, { producerId: '7', epoch: 0, firstSeq: 2, lastSeq: 3 }, 112, 2, now)).toEqual({
      kind: 'duplicate', baseOffset: 102, lastOffset: 103,
    });
    expect(() => checkSequence(s, { producerId: '7', epoch: 0, firstSeq: 0, lastSeq: 1 }, 112, 2, now)).toThrow(
      expect.objectContaining({ code: 'OUT_OF_ORDER_SEQUENCE_NUMBER' }),
    );
  });

  it('continues across the int32 sequence wrap', () => {
    const s = append(append({}, 0, 3, 0), 3, 2 ** 31 - 3, 3); // last sequence 2^31 - 1

    expect(() => append(s, 0, 1, 2 ** 31)).not.toThrow();
  });

  it('a newer epoch starts over at sequence 0', () => {
    const s = append({}, 0, 3, 0);

    expect(() => append(s, 0, 1, 3, 1)).not.toThrow();
    expect(() => append(s, 3, 1, 3, 1)).toThrow(expect.objectContaining({ code: 'OUT_OF_ORDER_SEQUENCE_NUMBER' }));
  });

  it('forgets producers silent for longer than the expiry, and keeps at most MAX_PRODUCERS', () => {
    const stale: ProducerStates = { old: { e: 0, b: [{ f: 0, l: 0, o: 0 }], t: now - PRODUCER_EXPIRY_MS - 1 } };
    const many: ProducerStates = Object.fromEntries(
      Array.from({ length: MAX_PRODUCERS + 5 }, (_, i) => [`p${i}`, { e: 0, b: [], t: now - i }]),
    );

    expect(Object.keys(append(stale, 0, 1, 1))).toEqual(['7']);
    expect(Object.keys(append(many, 0, 1, 1))).toHaveLength(MAX_PRODUCERS);
  });
});

describe('needsConfirmation', () => {
  const batch = (epoch: number) => ({ producerId: '7', epoch, firstSeq: 0, lastSeq: 0 });
  const confirmed = (at: number): ProducerStates => {
    const v = checkSequence({}, batch(0), 0, 1, at, at);
    if (v.kind !== 'append') throw new Error('expected append');
    return v.states;
  };

  it('asks for a producer or an epoch the head has no state for', () => {
    expect(needsConfirmation({}, batch(0), now)).toBe(true);
    expect(needsConfirmation(confirmed(now), batch(1), now)).toBe(true);
  });

  it('trusts the head for a confirmed producer until the confirmation is a day old', () => {
    const states = confirmed(now);

    expect(needsConfirmation(states, batch(0), now + CONFIRM_INTERVAL_MS)).toBe(false);
    expect(needsConfirmation(states, batch(0), now + CONFIRM_INTERVAL_MS + 1)).toBe(true);
  });

  it('keeps the confirmation time across later appends of the same epoch', () => {
    const later = checkSequence(confirmed(now), { producerId: '7', epoch: 0, firstSeq: 1, lastSeq: 1 }, 1, 1, now + 1000);

    expect(later.kind === 'append' && later.states['7']!.v).toBe(now);
  });
});
