// Pure parts of the SDK: record conversion, the batch size bound, the sticky partition
// pick, backoff, error typing, and the CLI's group rendering.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatAssignment, parseDatetime, renderGroup, renderGroupList, resetTargetFrom } from '../../../lib/cli/commands/groups.ts';
import { UsageError } from '../../../lib/cli/errors.ts';
import { responseError } from '../../../lib/client/http.ts';
import {
  ConcurrentRequestError,
  OffsetOutOfRangeError,
  OutOfOrderSequenceError,
  ProducerFencedError,
  Sluice,
  SluiceError,
  ThrottlingError,
  type GroupDescription,
} from '../../../lib/client/index.ts';
import { pickStickyPartition, recordSizeBound, toBuffer, toHeaders, toRecordInput } from '../../../lib/client/producer/index.ts';
import { backoffDelay } from '../../../lib/client/retry.ts';
import { BATCH_HEADER_SIZE, encodeBatch } from '../../../lib/records/index.ts';

describe('record conversion', () => {
  it('takes Buffers, Uint8Arrays, UTF-8 strings and null', () => {
    expect(toBuffer('héllo', 'value')).toEqual(Buffer.from('héllo', 'utf8'));
    const u8 = new Uint8Array([1, 2, 3, 4]).subarray(1, 3);
    expect(toBuffer(u8, 'value')).toEqual(Buffer.from([2, 3]));
    expect(toBuffer(null, 'value')).toBeNull();
    expect(toBuffer(undefined, 'key')).toBeNull();
    expect(() => toBuffer(42 as unknown as string, 'value')).toThrow(/value must be a Buffer/);
  });

  it('headers as an object or a list (repeats kept), values as bytes', () => {
    expect(toHeaders({ a: 'x', b: null, c: Buffer.from([0]) })).toEqual([
      { key: 'a', value: Buffer.from('x') },
      { key: 'b', value: null },
      { key: 'c', value: Buffer.from([0]) },
    ]);
    expect(toHeaders([{ key: 'd', value: '1' }, { key: 'd', value: '2' }])).toEqual([
      { key: 'd', value: Buffer.from('1') },
      { key: 'd', value: Buffer.from('2') },
    ]);
  });

  it('stamps the send time unless a timestamp (number or Date) is given; rejects bad ones', () => {
    expect(toRecordInput({ topic: 't', value: 'v' }, 1234).timestamp).toBe(1234);
    expect(toRecordInput({ topic: 't', value: 'v', timestamp: new Date(99) }, 1234).timestamp).toBe(99);
    expect(() => toRecordInput({ topic: 't', value: 'v', timestamp: -1 })).toThrow(/timestamp/);
  });

  it('bounds the encoded size of any batch from above', () => {
    const bytes = fc.option(fc.uint8Array({ maxLength: 300 }), { nil: null });
    const record = fc.record({
      key: bytes,
      value: bytes,
      headers: fc.array(fc.record({ key: fc.string({ maxLength: 20 }), value: bytes }), { maxLength: 4 }),
      timestamp: fc.integer({ min: 0, max: 2 ** 45 }),
    });
    fc.assert(
      fc.property(fc.array(record, { minLength: 1, maxLength: 20 }), (recs) => {
        const input = recs.map((r) => ({
          key: r.key && Buffer.from(r.key),
          value: r.value && Buffer.from(r.value),
          headers: r.headers.map((h) => ({ key: h.key, value: h.value && Buffer.from(h.value) })),
          timestamp: r.timestamp,
        }));
        const bound = BATCH_HEADER_SIZE + input.reduce((s, r) => s + recordSizeBound(r), 0);
        expect(encodeBatch({ records: input }).length).toBeLessThanOrEqual(bound);
      }),
      { numRuns: 200 },
    );
  });
});

describe('sticky partition pick', () => {
  it('changes partition when there is a choice and stays in range', () => {
    expect(pickStickyPartition(1, 0)).toBe(0);
    for (let prev = -1; prev < 5; prev++) {
      for (const r of [0, 0.2, 0.5, 0.99]) {
        const p = pickStickyPartition(5, prev, () => r);
        expect(p).toBeGreaterThanOrEqual(0);
        expect(p).toBeLessThan(5);
        if (prev >= 0) expect(p).not.toBe(prev);
      }
    }
  });
});

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

describe('typed errors from responses', () => {
  const res = (status: number, body: unknown, headers: Record<string, string> = {}) =>
    responseError({ status, headers, body: Buffer.from(JSON.stringify(body)) });

  it('rebuilds the class, code and retriable flag', () => {
    const ooo = res(409, { error: { code: 'OUT_OF_ORDER_SEQUENCE_NUMBER', message: 'gap', expectedSequence: 3 } });
    expect(ooo).toBeInstanceOf(OutOfOrderSequenceError);
    expect(ooo).toBeInstanceOf(SluiceError);
    expect(ooo).toMatchObject({ code: 'OUT_OF_ORDER_SEQUENCE_NUMBER', retriable: false, details: { expectedSequence: 3 } });
    expect(res(409, { error: { code: 'PRODUCER_FENCED', message: 'x' } })).toBeInstanceOf(ProducerFencedError);
    expect(res(409, { error: { code: 'CONCURRENT_TRANSACTIONS', message: 'x' } })).toMatchObject({ retriable: true });
    expect(res(409, { error: { code: 'CONCURRENT_TRANSACTIONS', message: 'x' } })).toBeInstanceOf(ConcurrentRequestError);
    const throttled = res(429, { error: { code: 'THROTTLING_QUOTA_EXCEEDED', message: 'x' } }, { 'retry-after': '3' });
    expect(throttled).toMatchObject({ retriable: true, details: { retryAfterSeconds: 3 } });
    const range = res(416, { error: { code: 'OFFSET_OUT_OF_RANGE', message: 'x', logStartOffset: 5, highWatermark: 9 } });
    expect(range).toBeInstanceOf(OffsetOutOfRangeError);
    expect(range.details).toEqual({ logStartOffset: 5, highWatermark: 9 });
  });
});

describe('Sluice', () => {
  it('signs deployed endpoints and not local ones', () => {
    expect(new Sluice({ endpoint: 'http://127.0.0.1:9192' }).http.signs).toBe(false);
    expect(new Sluice({ endpoint: 'https://abc123.execute-api.eu-west-1.amazonaws.com' }).http.signs).toBe(true);
    expect(new Sluice({ endpoint: 'https://abc123.execute-api.eu-west-1.amazonaws.com' }).http.region).toBe('eu-west-1');
  });

  it('checks options up front', () => {
    const sluice = new Sluice({ endpoint: 'http://127.0.0.1:9192' });
    expect(() => sluice.consumer({ groupId: '', topics: ['t'] })).toThrow(/groupId/);
    expect(() => sluice.consumer({ groupId: 'g', topics: [] })).toThrow(/topics/);
    expect(() => sluice.consumer({ groupId: 'g', topics: ['t'], autoOffsetReset: 'sometimes' as 'none' })).toThrow(/autoOffsetReset/);
    expect(() => sluice.producer({ compression: 'zstd' as 'gzip' })).toThrow(/compression/);
    expect(() => sluice.producer({ maxInFlight: 0 })).toThrow(/maxInFlight/);
  });
});

describe('sluice groups rendering', () => {
  const desc: GroupDescription = {
    group: 'billing',
    state: 'Stable',
    generation: 4,
    lag: 7,
    members: [
      {
        memberId: 'm-1',
        topics: ['orders'],
        generation: 4,
        assignment: [{ topic: 'orders', partitions: [0, 1] }],
        revoking: [],
        target: [{ topic: 'orders', partitions: [0, 1] }],
        sessionTimeoutMs: 45_000,
        expiresAt: 0,
        joinedAt: 0,
      },
    ],
    offsets: [
      { topic: 'orders', partition: 0, offset: 10, metadata: '', lag: 0, logStartOffset: 0, highWatermark: 10 },
      { topic: 'orders', partition: 1, offset: null, metadata: null, lag: 7, logStartOffset: 0, highWatermark: 7 },
    ],
  };

  it('describes a group as a readable table', () => {
    const text = renderGroup(desc);
    expect(text).toContain('Group: billing\tState: Stable\tGeneration: 4\tMembers: 1\tLag: 7');
    expect(text).toMatch(/^orders\s+0\s+10\s+0\s+10\s+0\s+m-1$/m);
    expect(text).toMatch(/^orders\s+1\s+-\s+0\s+7\s+7\s+m-1$/m);
    expect(text).toMatch(/^m-1\s+4\s+orders:0,1\s+-\s+45000$/m);
    expect(renderGroupList([{ group: 'b', state: 'Empty', members: 0, generation: 2 }, { group: 'a', state: 'Stable', members: 1, generation: 1 }]).split('\n').map((l) => l.split(/\s+/)[0])).toEqual(['GROUP', 'a', 'b']);
    expect(formatAssignment([])).toBe('-');
  });

  it('takes exactly one reset target', () => {
    expect(resetTargetFrom({ toEarliest: true })).toBe('earliest');
    expect(resetTargetFrom({ toLatest: true })).toBe('latest');
    expect(resetTargetFrom({ toOffset: 5 })).toEqual({ offset: 5 });
    expect(resetTargetFrom({ shiftBy: -3 })).toEqual({ shiftBy: -3 });
    expect(resetTargetFrom({ toDatetime: '2025-06-15T12:00:00Z' })).toEqual({ datetime: Date.parse('2025-06-15T12:00:00Z') });
    expect(() => resetTargetFrom({})).toThrow(UsageError);
    expect(() => resetTargetFrom({ toEarliest: true, toOffset: 1 })).toThrow(/cannot be combined/);
    expect(parseDatetime('1750000000000')).toBe(1_750_000_000_000);
    expect(() => parseDatetime('yesterday')).toThrow(/--to-datetime/);
  });
});
