// Transactions over HTTP (API.md "Transactions"): the one-shot commit, the staged form of
// transactional producers, and what is refused (400/409, nothing written).
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
  const name = `txn-api-${n++}`;
  expect((await api.call({ method: 'POST', url: '/v1/topics', json: { name, partitions } })).status).toBe(201);
  return name;
}
const values = async (name: string, partition = 0) =>
  (await api.call({ method: 'GET', url: `/v1/topics/${name}/partitions/${partition}/records?offset=0` })).json.records.map((r: { value: unknown }) => r.value);

describe('POST /v1/transactions', () => {
  it('commits records of several topics and group offsets at once, answering offsets in request order', async () => {
    const [a, b] = [await topic(), await topic(2)];
    await api.call({ method: 'POST', url: `/v1/topics/${a}/records`, json: { records: [{ value: 'in' }] } });
    const join = await api.call({ method: 'POST', url: `/v1/groups/g${n}/members`, json: { topics: [a] } });

    const r = await api.call({
      method: 'POST',
      url: '/v1/transactions',
      json: {
        records: [{ topic: b, value: { n: 1 }, partition: 1 }, { topic: a, key: 'k', value: 'x' }],
        offsets: { group: `g${n}`, memberId: join.json.memberId, generation: join.json.generation, offsets: [{ topic: a, partition: 0, offset: 1 }] },
      },
    });

    expect(r.status).toBe(200);
    expect(r.json).toEqual({ offsets: [{ topic: b, partition: 1, offset: 0 }, { topic: a, partition: 0, offset: 1 }] });
    expect(await values(b, 1)).toEqual([{ n: 1 }]);
    const offsets = await api.call({ method: 'GET', url: `/v1/groups/g${n}/offsets` });
    expect(offsets.json.offsets).toEqual([expect.objectContaining({ topic: a, partition: 0, offset: 1 })]);
  });

  it('refuses a stale generation with 409 and writes nothing', async () => {
    const [a, b] = [await topic(), await topic()];
    const join = await api.call({ method: 'POST', url: `/v1/groups/h${n}/members`, json: { topics: [a] } });

    const r = await api.call({
      method: 'POST',
      url: '/v1/transactions',
      json: { records: [{ topic: b, value: 1 }], offsets: { group: `h${n}`, memberId: join.json.memberId, generation: join.json.generation + 1, offsets: [{ topic: a, partition: 0, offset: 0 }] } },
    });

    expect(r.status).toBe(409);
    expect(r.json.error.code).toBe('ILLEGAL_GENERATION');
    expect(await values(b)).toEqual([]);
  });

  it('refuses too many partitions with 400 INVALID_TXN_STATE naming the limit', async () => {
    const a = await topic(60);
    const records = Array.from({ length: 50 }, (_, p) => ({ topic: a, value: p, partition: p }));

    const r = await api.call({ method: 'POST', url: '/v1/transactions', json: { records } });

    expect(r.status).toBe(400);
    expect(r.json.error).toMatchObject({ code: 'INVALID_TXN_STATE', limit: 100, items: 101 });
    expect(r.json.error.message).toMatch(/at most 100/);
  });

  it('refuses bad input with 400 naming the field, and unknown topics with 404', async () => {
    const bad = await api.call({ method: 'POST', url: '/v1/transactions', json: { records: [{ topic: 'x', vlaue: 1 }] } });
    const unknown = await api.call({ method: 'POST', url: '/v1/transactions', json: { records: [{ topic: 'never-created', value: 1 }] } });
    const badTopic = await api.call({ method: 'POST', url: '/v1/transactions', json: { records: [{ topic: 'a/b', value: 1 }] } });

    expect(bad.status).toBe(400);
    expect(bad.json.error.message).toMatch(/records\[0\]\.vlaue/);
    expect(unknown.status).toBe(404);
    expect(badTopic.json.error.code).toBe('INVALID_TOPIC_EXCEPTION');
  });
});

describe('transactional producers', () => {
  it('register, stage JSON and binary batches, and commit them together', async () => {
    const [a, b] = [await topic(), await topic()];
    const id = `tp-${n}`;
    const reg = await api.call({ method: 'POST', url: '/v1/producers', json: { transactionalId: id } });
    expect(reg.json).toEqual({ producerId: expect.any(Number), producerEpoch: 0 });
    const { producerId, producerEpoch } = reg.json;

    const s1 = await api.call({ method: 'POST', url: `/v1/transactions/${id}/batches?topic=${a}&partition=0`, json: { producerEpoch, records: [{ value: 'j' }] } });
    const batch = encodeBatch({ records: [{ key: null, value: Buffer.from('"b"') }], producerId: BigInt(producerId), producerEpoch, baseSequence: 0 });
    const s2 = await api.call({ method: 'POST', url: `/v1/transactions/${id}/batches?topic=${b}&partition=0`, headers: { 'content-type': 'application/vnd.kafka.recordbatch' }, body: batch });
    expect([s1.status, s2.status]).toEqual([200, 200]);
    expect(await values(a)).toEqual([]);

    const c = await api.call({ method: 'POST', url: `/v1/transactions/${id}/commit`, json: { producerEpoch } });

    expect(c.status).toBe(200);
    expect(c.json.offsets).toEqual([
      { topic: a, partition: 0, baseOffset: 0, lastOffset: 0 },
      { topic: b, partition: 0, baseOffset: 0, lastOffset: 0 },
    ]);
    expect(await values(a)).toEqual(['j']);
    expect(await values(b)).toEqual(['b']);
  });

  it('refuses a staged JSON record naming another partition, staging nothing', async () => {
    const a = await topic(2);
    const id = `tw-${n}`;
    const { producerEpoch } = (await api.call({ method: 'POST', url: '/v1/producers', json: { transactionalId: id } })).json;

    const r = await api.call({ method: 'POST', url: `/v1/transactions/${id}/batches?topic=${a}&partition=0`, json: { producerEpoch, records: [{ value: 'x', partition: 1 }] } });
    const c = await api.call({ method: 'POST', url: `/v1/transactions/${id}/commit`, json: { producerEpoch } });

    expect(r.status).toBe(400);
    expect(r.json.error.fields).toEqual(['records[0].partition']);
    expect(c.json.error.code).toBe('INVALID_TXN_STATE');
  });

  it('fences a zombie with 409 PRODUCER_FENCED once a newer instance registers', async () => {
    const a = await topic();
    const id = `tz-${n}`;
    const old = (await api.call({ method: 'POST', url: '/v1/producers', json: { transactionalId: id } })).json;
    await api.call({ method: 'POST', url: `/v1/transactions/${id}/batches?topic=${a}&partition=0`, json: { producerEpoch: old.producerEpoch, records: [{ value: 'z' }] } });
    await api.call({ method: 'POST', url: '/v1/producers', json: { transactionalId: id } });

    const r = await api.call({ method: 'POST', url: `/v1/transactions/${id}/commit`, json: { producerEpoch: old.producerEpoch } });

    expect(r.status).toBe(409);
    expect(r.json.error.code).toBe('PRODUCER_FENCED');
    expect(await values(a)).toEqual([]);
  });

  it('aborts: nothing staged becomes visible', async () => {
    const a = await topic();
    const id = `ta-${n}`;
    const { producerEpoch } = (await api.call({ method: 'POST', url: '/v1/producers', json: { transactionalId: id } })).json;
    await api.call({ method: 'POST', url: `/v1/transactions/${id}/batches?topic=${a}&partition=0`, json: { producerEpoch, records: [{ value: 'gone' }] } });

    const r = await api.call({ method: 'DELETE', url: `/v1/transactions/${id}?producerEpoch=${producerEpoch}` });
    const c = await api.call({ method: 'POST', url: `/v1/transactions/${id}/commit`, json: { producerEpoch } });

    expect(r.json).toEqual({ aborted: true });
    expect(c.status).toBe(400);
    expect(c.json.error.code).toBe('INVALID_TXN_STATE');
    expect(await values(a)).toEqual([]);
  });
});
