// The exact limits of one transaction (lib/log/transaction/limits.ts), as README and
// API.md state them: DynamoDB's 100 items per TransactWriteItems.
import { describe, expect, it } from 'vitest';
import { checkTransactionShape, MAX_TRANSACTION_ITEMS, transactionItems } from '../../../lib/log/index.ts';

const oneShot = (partitions: number, offsets: number) => ({
  partitions,
  segments: partitions,
  sharedObject: partitions > 1,
  participantItems: offsets > 0 ? offsets + 1 : 0,
});
const staged = (partitions: number, batches: number, offsets: number) => ({
  partitions,
  segments: batches,
  sharedObject: false,
  participantItems: 1 + (offsets > 0 ? offsets + 1 : 0),
});
const fits = (s: Parameters<typeof checkTransactionShape>[0]) => transactionItems(s) <= MAX_TRANSACTION_ITEMS;

describe('transaction limits', () => {
  it('one-shot: 49 partitions without offsets, not 50', () => {
    expect(fits(oneShot(49, 0))).toBe(true);
    expect(fits(oneShot(50, 0))).toBe(false);
  });

  it('one-shot with offsets: 2 x partitions + offsets <= 98; one partition takes 97 offsets', () => {
    for (const [p, o] of [[2, 94], [10, 78], [48, 2]] as const) {
      expect(fits(oneShot(p, o))).toBe(true);
      expect(fits(oneShot(p, o + 1))).toBe(false);
    }
    expect(fits(oneShot(1, 97))).toBe(true);
    expect(fits(oneShot(1, 98))).toBe(false);
  });

  it('staged: partitions + batches <= 99, and <= 98 with offsets counted in', () => {
    expect(fits(staged(9, 90, 0))).toBe(true);
    expect(fits(staged(10, 90, 0))).toBe(false);
    expect(fits(staged(2, 6, 90))).toBe(true);
    expect(fits(staged(2, 6, 91))).toBe(false);
  });

  it('refuses with INVALID_TXN_STATE naming the limit and what was needed', () => {
    expect(() => checkTransactionShape(oneShot(50, 0))).toThrow(expect.objectContaining({ code: 'INVALID_TXN_STATE', status: 400, details: expect.objectContaining({ limit: 100, items: 101 }) }));
  });

  it('refuses a transaction with nothing in it', () => {
    expect(() => checkTransactionShape({ partitions: 0, segments: 0, sharedObject: false, participantItems: 0 })).toThrow(expect.objectContaining({ code: 'INVALID_TXN_STATE' }));
  });
});
