// The producer's pure parts (record conversion, the batch size bound, the sticky partition
// pick), and what it tells the application about retries.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { pickStickyPartition, toBuffer, toHeaders, toRecordInput } from '../../../lib/client/producer/index.ts';
import { BATCH_HEADER_SIZE, encodeBatch, recordSizeBound } from '../../../lib/records/index.ts';
import { FakeApi } from '../../support/fakeApi.ts';

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

describe('warnings', () => {
  it('tells of every request it retries; the send itself succeeds', async () => {
    const api = new FakeApi();
    api.addTopic('t', [[]]);
    let failures = 0;
    api.intercept = (req) => {
      if (req.method !== 'POST' || !req.url.pathname.endsWith('/records') || failures === 2) return undefined;
      failures++;
      return Response.json({ error: { code: 'THROTTLING_QUOTA_EXCEEDED', message: 'slow down' } }, { status: 429 });
    };
    const producer = api.sluice().producer({ retryBackoffMs: 1 });
    const warnings: Error[] = [];
    producer.on('warning', (err) => warnings.push(err));
    expect(await producer.send({ topic: 't', value: 'v' })).toEqual({ topic: 't', partition: 0, offset: 0 });
    await producer.close();
    expect(warnings.map((w) => (w as { code?: string }).code)).toEqual(['THROTTLING_QUOTA_EXCEEDED', 'THROTTLING_QUOTA_EXCEEDED']);
  });
});
