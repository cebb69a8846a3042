// POST /v1/fetch: one long poll over many partitions, answered when any of them has data
// or when waitMs ran out, in JSON or as per-partition binary frames.
import { describe, expect, it } from 'vitest';
import { decodeFrames } from '../../../lib/core/fetchFrames.ts';
import { MULTI_FETCH_TYPE } from '../../../lib/core/wire.ts';
import { decodeBatches } from '../../../lib/records/index.ts';
import { useTestStorage } from '../../support/stack.ts';
import { apiOver, newLog } from './helpers.ts';

const storage = useTestStorage();
const api = () => apiOver(newLog(storage.clients));
let n = 0;

async function topic(call: ReturnType<typeof api>['call'], partitions: number): Promise<string> {
  const name = `multi-${++n}`;
  expect((await call({ method: 'POST', url: '/v1/topics', json: { name, partitions } })).status).toBe(201);
  return name;
}

const produce = (call: ReturnType<typeof api>['call'], name: string, partition: number, values: string[]) =>
  call({ method: 'POST', url: `/v1/topics/${name}/records`, json: { encoding: 'string', records: values.map((value) => ({ value, partition })) } });

describe('POST /v1/fetch', () => {
  it('answers every partition in request order, records where there are some', async () => {
    const { call } = api();
    const name = await topic(call, 3);
    await produce(call, name, 1, ['a', 'b']);
    await produce(call, name, 2, ['c']);

    const res = await call({
      method: 'POST',
      url: '/v1/fetch',
      json: { partitions: [0, 1, 2].map((partition) => ({ topic: name, partition, offset: 0 })), encoding: 'string' },
    });

    expect(res.status).toBe(200);
    expect(res.json.partitions.map((p: { partition: number; records: { value: string }[]; nextOffset: number; highWatermark: number }) => [p.partition, p.records.map((r) => r.value), p.nextOffset, p.highWatermark])).toEqual([
      [0, [], 0, 0],
      [1, ['a', 'b'], 2, 2],
      [2, ['c'], 1, 1],
    ]);
  });

  it('returns as soon as one partition gets data while it waits', async () => {
    const { call } = api();
    const name = await topic(call, 4);
    const waiting = call({
      method: 'POST',
      url: '/v1/fetch',
      json: { partitions: [0, 1, 2, 3].map((partition) => ({ topic: name, partition, offset: 0 })), waitMs: 20_000, encoding: 'string' },
    });
    await produce(call, name, 2, ['late']);

    const res = await waiting;

    const withData = res.json.partitions.filter((p: { records: unknown[] }) => p.records.length > 0);
    expect(withData).toEqual([expect.objectContaining({ partition: 2, records: [expect.objectContaining({ offset: 0, value: 'late' })], nextOffset: 1 })]);
  });

  it('waits waitMs and answers nothing when no partition gets data', async () => {
    const { call } = api();
    const name = await topic(call, 2);
    const started = Date.now();

    const res = await call({ method: 'POST', url: '/v1/fetch', json: { partitions: [0, 1].map((partition) => ({ topic: name, partition, offset: 0 })), waitMs: 300 } });

    expect(Date.now() - started).toBeGreaterThanOrEqual(300);
    expect(res.json.partitions.map((p: { records: unknown[]; nextOffset: number }) => [p.records.length, p.nextOffset])).toEqual([[0, 0], [0, 0]]);
  });

  it('gives a partition out of range its own error and serves the others without waiting', async () => {
    const { call } = api();
    const name = await topic(call, 2);
    await produce(call, name, 0, ['x']);

    const res = await call({
      method: 'POST',
      url: '/v1/fetch',
      json: { partitions: [{ topic: name, partition: 0, offset: 0 }, { topic: name, partition: 1, offset: 5 }, { topic: 'no-such-topic', partition: 0, offset: 0 }], waitMs: 20_000 },
    });

    expect(res.status).toBe(200);
    expect(res.json.partitions[0].records).toHaveLength(1);
    expect(res.json.partitions[1].error).toMatchObject({ code: 'OFFSET_OUT_OF_RANGE', logStartOffset: 0, highWatermark: 0 });
    expect(res.json.partitions[2].error).toMatchObject({ code: 'UNKNOWN_TOPIC_OR_PARTITION' });
  });

  it('answers per-partition binary frames of record batches', async () => {
    const { call } = api();
    const name = await topic(call, 2);
    await produce(call, name, 1, ['p', 'q']);

    const res = await call({
      method: 'POST',
      url: '/v1/fetch',
      headers: { accept: MULTI_FETCH_TYPE },
      json: { partitions: [0, 1].map((partition) => ({ topic: name, partition, offset: 1 - partition })) },
    });

    expect(res.headers['content-type']).toBe(MULTI_FETCH_TYPE);
    const frames = decodeFrames(res.body);
    expect(frames.map((f) => [f.partition, f.nextOffset, f.highWatermark, f.error?.code])).toEqual([
      [0, 1, 0, 'OFFSET_OUT_OF_RANGE'],
      [1, 2, 2, undefined],
    ]);
    const values = [...decodeBatches(Buffer.from(frames[1]!.batches))].flatMap((b) => b.records.map((r) => Buffer.from(r.value!).toString()));
    expect(values).toEqual(['p', 'q']);
  });

  it('refuses a partition listed twice and writes nothing', async () => {
    const { call } = api();
    const name = await topic(call, 1);

    const res = await call({ method: 'POST', url: '/v1/fetch', json: { partitions: [{ topic: name, partition: 0, offset: 0 }, { topic: name, partition: 0, offset: 3 }] } });

    expect(res.status).toBe(400);
    expect(res.json.error).toMatchObject({ code: 'INVALID_REQUEST', fields: ['partitions[1]'] });
  });
});
