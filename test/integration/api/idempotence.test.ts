// Exactly-once produce over HTTP: producer ids for binary batches, Idempotency-Key for JSON.
import { beforeAll, describe, expect, it } from 'vitest';
import { encodeBatch } from '../../../lib/records/index.ts';
import { useTestStorage } from '../../support/stack.ts';
import { apiOver, newLog } from './helpers.ts';

const storage = useTestStorage();
let api: ReturnType<typeof apiOver>;
let n = 0;

beforeAll(() => {
  api = apiOver(newLog(storage.clients));
});

async function topic(partitions = 1): Promise<string> {
  const name = `exactly-once-${n++}`;
  const r = await api.call({ method: 'POST', url: '/v1/topics', json: { name, partitions } });
  expect(r.status).toBe(201);
  return name;
}

const highWatermarks = async (name: string) =>
  (await api.call({ method: 'GET', url: `/v1/topics/${name}` })).json.partitions.map((p: { highWatermark: number }) => p.highWatermark);

describe('POST /v1/producers', () => {
  it('hands out a new producer id with epoch 0', async () => {
    const a = await api.call({ method: 'POST', url: '/v1/producers' });
    const b = await api.call({ method: 'POST', url: '/v1/producers', json: {} });

    expect(a.status).toBe(200);
    expect(a.json).toEqual({ producerId: expect.any(Number), producerEpoch: 0 });
    expect(b.json.producerId).not.toBe(a.json.producerId);
  });

  it('refuses unknown fields', async () => {
    const r = await api.call({ method: 'POST', url: '/v1/producers', json: { transactionalId: 'x' } });

    expect(r.status).toBe(400);
    expect(r.json.error.code).toBe('INVALID_REQUEST');
  });
});

describe('binary batches from an idempotent producer', () => {
  const send = (name: string, body: Buffer) =>
    api.call({
      method: 'POST',
      url: `/v1/topics/${name}/records?partition=0`,
      headers: { 'content-type': 'application/vnd.kafka.recordbatch' },
      body,
    });

  it('a resent batch answers its original offsets and appends nothing', async () => {
    const name = await topic();
    const { producerId } = (await api.call({ method: 'POST', url: '/v1/producers' })).json;
    const batch = encodeBatch({ records: [{ key: null, value: Buffer.from('once') }], producerId: BigInt(producerId), producerEpoch: 0, baseSequence: 0 });

    const first = await send(name, batch);
    const again = await send(name, batch);

    expect(again.json).toEqual(first.json);
    expect(await highWatermarks(name)).toEqual([1]);
  });

  it("a batch under another producer's id is refused, so that producer's real batch is written", async () => {
    const name = await topic();
    const { producerId } = (await api.call({ method: 'POST', url: '/v1/producers' })).json;
    const batch = (id: bigint, value: string) =>
      encodeBatch({ records: [{ key: null, value: Buffer.from(value) }], producerId: id, producerEpoch: 0, baseSequence: 0 });

    const spoofed = await send(name, batch(BigInt(producerId) + 1n, 'spoofed'));
    const real = await send(name, batch(BigInt(producerId), 'real'));

    expect(spoofed.status).toBe(409);
    expect(spoofed.json.error.code).toBe('UNKNOWN_PRODUCER_ID');
    expect(real.json).toEqual({ partition: 0, baseOffset: 0, lastOffset: 0 });
    expect(await highWatermarks(name)).toEqual([1]);
  });

  it('a sequence gap is 409 OUT_OF_ORDER_SEQUENCE_NUMBER', async () => {
    const name = await topic();
    const { producerId } = (await api.call({ method: 'POST', url: '/v1/producers' })).json;
    const gap = encodeBatch({ records: [{ key: null, value: Buffer.from('x') }], producerId: BigInt(producerId), producerEpoch: 0, baseSequence: 7 });

    const r = await send(name, gap);

    expect(r.status).toBe(409);
    expect(r.json.error.code).toBe('OUT_OF_ORDER_SEQUENCE_NUMBER');
    expect(await highWatermarks(name)).toEqual([0]);
  });
});

describe('JSON produce with Idempotency-Key', () => {
  const produce = (name: string, key: string | undefined, values: string[]) =>
    api.call({
      method: 'POST',
      url: `/v1/topics/${name}/records`,
      headers: key === undefined ? {} : { 'idempotency-key': key },
      json: { encoding: 'string', records: values.map((value, i) => ({ value, partition: i % 2 })) },
    });

  it('a retry with the same key returns the first response and writes nothing', async () => {
    const name = await topic(2);

    const first = await produce(name, 'req-1', ['a', 'b', 'c']);
    const retry = await produce(name, 'req-1', ['a', 'b', 'c']);

    expect(first.status).toBe(200);
    expect(retry.json).toEqual(first.json);
    expect(await highWatermarks(name)).toEqual([2, 1]);
  });

  it('different keys are different requests', async () => {
    const name = await topic(2);

    await produce(name, 'req-a', ['a']);
    await produce(name, 'req-b', ['a']);

    expect(await highWatermarks(name)).toEqual([2, 0]);
  });

  it('a rejected request does not use up its key', async () => {
    const name = await topic(2);

    const bad = await api.call({
      method: 'POST', url: `/v1/topics/${name}/records`, headers: { 'idempotency-key': 'req-x' },
      json: { encoding: 'string', records: [{ value: 'x', partition: 9 }] },
    });
    const good = await produce(name, 'req-x', ['x']);

    expect(bad.status).toBe(404);
    expect(good.status).toBe(200);
    expect(await highWatermarks(name)).toEqual([1, 0]);
  });

  it('refuses a malformed key with 400 and writes nothing', async () => {
    const name = await topic(2);

    const r = await produce(name, 'has space', ['x']);

    expect(r.status).toBe(400);
    expect(r.json.error.code).toBe('INVALID_REQUEST');
    expect(await highWatermarks(name)).toEqual([0, 0]);
  });
});
