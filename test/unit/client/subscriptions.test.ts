import { describe, expect, it } from 'vitest';
import { Sluice, type SubscriptionDescription } from '../../../lib/client/index.ts';

const sub: SubscriptionDescription = {
  topic: 'or ders',
  name: 'billing',
  subscriptionId: 's-1',
  status: 'active',
  topicId: 't-1',
  createdAt: 1,
  target: { type: 'http', url: 'https://h' },
  batchSize: 100,
  maxBatchingWindowMs: 0,
  startingPosition: 'latest',
  maxRetries: 3,
  lag: 0,
  delivered: 0,
  deadLettered: 0,
  partitions: [],
};

/** Records every request; answers each route with `answers[method path]`. */
function fakeApi(answers: Record<string, unknown>) {
  const seen: { method: string; url: string; body?: unknown }[] = [];
  const fetchImpl = (async (input: URL | string | Request, init?: RequestInit) => {
    const url = new URL(String(input));
    const method = init?.method ?? 'GET';
    seen.push({ method, url: url.href, ...(init?.body ? { body: JSON.parse(Buffer.from(init.body as Uint8Array).toString()) } : {}) });
    const answer = answers[`${method} ${url.pathname}`];
    return answer === undefined ? new Response(null, { status: 204 }) : Response.json(answer);
  }) as typeof fetch;
  return { seen, subscriptions: new Sluice({ endpoint: 'http://127.0.0.1:9192', fetch: fetchImpl }).subscriptions() };
}

describe('Subscriptions', () => {
  it("creates under the topic's subscriptions and lists them", async () => {
    const { seen, subscriptions } = fakeApi({
      'POST /v1/topics/or%20ders/subscriptions': sub,
      'GET /v1/topics/orders/subscriptions': { subscriptions: [sub] },
    });
    expect(await subscriptions.create('or ders', { name: 'billing', target: { type: 'http', url: 'https://h' } })).toEqual(sub);
    expect(await subscriptions.list('orders')).toEqual([sub]);
    expect(seen[0]).toMatchObject({ method: 'POST', url: 'http://127.0.0.1:9192/v1/topics/or%20ders/subscriptions', body: { name: 'billing' } });
    expect(seen[1]).toMatchObject({ method: 'GET', url: 'http://127.0.0.1:9192/v1/topics/orders/subscriptions' });
  });

  it('gets, deletes and lists the dead letters of one subscription', async () => {
    const deadLetter = { subscription: 'b i', partition: 1, firstOffset: 4, lastOffset: 6 };
    const { seen, subscriptions } = fakeApi({
      'GET /v1/topics/orders/subscriptions/b%20i': sub,
      'GET /v1/topics/orders/subscriptions/b%20i/dead-letters': { deadLetters: [deadLetter] },
    });
    expect(await subscriptions.get('orders', 'b i')).toEqual(sub);
    await subscriptions.delete('orders', 'b i');
    expect(await subscriptions.deadLetters('orders', 'b i', { limit: 5 })).toEqual([deadLetter]);
    expect(seen.map((s) => `${s.method} ${s.url}`)).toEqual([
      'GET http://127.0.0.1:9192/v1/topics/orders/subscriptions/b%20i',
      'DELETE http://127.0.0.1:9192/v1/topics/orders/subscriptions/b%20i',
      'GET http://127.0.0.1:9192/v1/topics/orders/subscriptions/b%20i/dead-letters?limit=5',
    ]);
  });
});
