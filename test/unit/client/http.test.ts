import { describe, expect, it } from 'vitest';
import {
  ConcurrentRequestError,
  OffsetOutOfRangeError,
  OutOfOrderSequenceError,
  ProducerFencedError,
  SluiceError,
  ThrottlingError,
  UnknownTopicOrPartitionError,
} from '../../../lib/core/errors.ts';
import { HttpClient, isLocalHost, regionFromEndpoint, responseError } from '../../../lib/client/http.ts';

interface Seen {
  url: string;
  method: string;
  headers: Record<string, string>;
  body?: string;
}

function fakeFetch(respond: (seen: Seen) => Response | Promise<Response> = () => Response.json({ ok: true })) {
  const seen: Seen[] = [];
  const impl = (async (input: URL | string | Request, init?: RequestInit) => {
    const headers: Record<string, string> = {};
    new Headers(init?.headers).forEach((v, k) => (headers[k] = v));
    const s: Seen = {
      url: String(input),
      method: init?.method ?? 'GET',
      headers,
      ...(init?.body !== undefined ? { body: Buffer.from(init.body as Uint8Array).toString() } : {}),
    };
    seen.push(s);
    return respond(s);
  }) as typeof fetch;
  return { seen, impl };
}

const credentials = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' };

describe('SigV4 signing', () => {
  it('signs execute-api requests for the endpoint region', async () => {
    const { seen, impl } = fakeFetch();
    const client = new HttpClient({ endpoint: 'https://a1b2c3d4e5.execute-api.eu-west-1.amazonaws.com', credentials, fetch: impl });
    expect(client.signs).toBe(true);
    await client.json({ method: 'POST', path: '/v1/topics', body: { name: 'orders' } });
    const h = seen[0]!.headers;
    expect(h.authorization).toMatch(
      /^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/\d{8}\/eu-west-1\/execute-api\/aws4_request, SignedHeaders=[a-z0-9;-]*host[a-z0-9;-]*, Signature=[0-9a-f]{64}$/,
    );
    expect(h['x-amz-date']).toMatch(/^\d{8}T\d{6}Z$/);
    expect(h['x-amz-content-sha256']).toMatch(/^[0-9a-f]{64}$/);
    expect(seen[0]!.url).toBe('https://a1b2c3d4e5.execute-api.eu-west-1.amazonaws.com/v1/topics');
    expect(seen[0]!.body).toBe('{"name":"orders"}');
  });

  it('uses an explicit region and session token', async () => {
    const { seen, impl } = fakeFetch();
    const client = new HttpClient({
      endpoint: 'https://api.example.com/prod/',
      region: 'ap-southeast-2',
      credentials: { ...credentials, sessionToken: 'TOKEN' },
      fetch: impl,
    });
    await client.request({ method: 'GET', path: '/v1/topics/orders', query: { a: 1, skip: undefined } });
    expect(seen[0]!.headers.authorization).toContain('/ap-southeast-2/execute-api/aws4_request');
    expect(seen[0]!.headers['x-amz-security-token']).toBe('TOKEN');
    // The endpoint's base path is kept.
    expect(seen[0]!.url).toBe('https://api.example.com/prod/v1/topics/orders?a=1');
  });

  it('signs the same request differently for a different body', async () => {
    const { seen, impl } = fakeFetch();
    const client = new HttpClient({ endpoint: 'https://x.execute-api.us-east-1.amazonaws.com', credentials, fetch: impl });
    await client.request({ method: 'POST', path: '/v1/topics', body: 'a' });
    await client.request({ method: 'POST', path: '/v1/topics', body: 'b' });
    expect(seen[0]!.headers['x-amz-content-sha256']).not.toBe(seen[1]!.headers['x-amz-content-sha256']);
  });

  it('does not sign loopback or LocalStack endpoints', async () => {
    for (const endpoint of [
      'http://127.0.0.1:9192',
      'http://localhost:9192',
      'http://[::1]:9192',
      'http://abc.execute-api.localhost.localstack.cloud:4566',
    ]) {
      const { seen, impl } = fakeFetch();
      const client = new HttpClient({ endpoint, credentials, fetch: impl });
      expect(client.signs, endpoint).toBe(false);
      await client.request({ method: 'GET', path: '/v1/health' });
      expect(seen[0]!.headers.authorization, endpoint).toBeUndefined();
      expect(seen[0]!.headers['x-amz-date'], endpoint).toBeUndefined();
    }
  });

  it('signs loopback when told to', async () => {
    const { seen, impl } = fakeFetch();
    const client = new HttpClient({ endpoint: 'http://127.0.0.1:9192', region: 'us-east-1', sign: true, credentials, fetch: impl });
    await client.request({ method: 'GET', path: '/v1/health' });
    expect(seen[0]!.headers.authorization).toMatch(/^AWS4-HMAC-SHA256 /);
  });

  it('fails clearly when no region can be found', async () => {
    const saved = { r: process.env.AWS_REGION, d: process.env.AWS_DEFAULT_REGION };
    delete process.env.AWS_REGION;
    delete process.env.AWS_DEFAULT_REGION;
    try {
      const client = new HttpClient({ endpoint: 'https://api.example.com', credentials, fetch: fakeFetch().impl });
      await expect(client.request({ method: 'GET', path: '/v1/health' })).rejects.toThrow(/region/);
    } finally {
      if (saved.r !== undefined) process.env.AWS_REGION = saved.r;
      if (saved.d !== undefined) process.env.AWS_DEFAULT_REGION = saved.d;
    }
  });
});

describe('endpoint helpers', () => {
  it('parses the region of execute-api hosts', () => {
    expect(regionFromEndpoint('https://abc123.execute-api.us-west-2.amazonaws.com/')).toBe('us-west-2');
    expect(regionFromEndpoint('https://abc123.execute-api.cn-north-1.amazonaws.com.cn')).toBe('cn-north-1');
    expect(regionFromEndpoint('https://api.example.com')).toBeUndefined();
    expect(regionFromEndpoint('nonsense')).toBeUndefined();
  });

  it('knows local hosts', () => {
    expect(isLocalHost('127.0.0.1')).toBe(true);
    expect(isLocalHost('LOCALHOST')).toBe(true);
    expect(isLocalHost('[::1]')).toBe(true);
    expect(isLocalHost('localhost.localstack.cloud')).toBe(true);
    expect(isLocalHost('example.com')).toBe(false);
    expect(isLocalHost('abc.execute-api.us-east-1.amazonaws.com')).toBe(false);
  });
});

describe('errors', () => {
  it('turns API error bodies into typed SluiceErrors', async () => {
    const { impl } = fakeFetch(() =>
      Response.json({ error: { code: 'UNKNOWN_TOPIC_OR_PARTITION', message: "Topic 'x' does not exist." } }, { status: 404 }),
    );
    const client = new HttpClient({ endpoint: 'http://127.0.0.1:1', fetch: impl });
    const err = await client.json({ method: 'GET', path: '/v1/topics/x' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UnknownTopicOrPartitionError);
    expect(err).toMatchObject({ code: 'UNKNOWN_TOPIC_OR_PARTITION', status: 404, retriable: false, message: "Topic 'x' does not exist." });
  });

  it('keeps Retry-After on retriable errors', async () => {
    const { impl } = fakeFetch(
      () => new Response(JSON.stringify({ error: { code: 'THROTTLING_QUOTA_EXCEEDED', message: 'slow down' } }), { status: 429, headers: { 'retry-after': '3' } }),
    );
    const err = (await new HttpClient({ endpoint: 'http://127.0.0.1:1', fetch: impl })
      .request({ method: 'GET', path: '/' })
      .catch((e: unknown) => e)) as SluiceError;
    expect(err).toBeInstanceOf(ThrottlingError);
    expect(err.retriable).toBe(true);
    expect(err.details.retryAfterSeconds).toBe(3);
  });

  it('maps API Gateway auth failures and non-JSON bodies', async () => {
    const forbidden = fakeFetch(() => Response.json({ message: 'Forbidden' }, { status: 403 }));
    const e1 = (await new HttpClient({ endpoint: 'http://127.0.0.1:1', fetch: forbidden.impl })
      .request({ method: 'GET', path: '/' })
      .catch((e: unknown) => e)) as SluiceError;
    expect(e1.code).toBe('CLUSTER_AUTHORIZATION_FAILED');
    expect(e1.message).toBe('HTTP 403: Forbidden');

    const html = fakeFetch(() => new Response('<html>Bad Gateway</html>', { status: 502 }));
    const e2 = (await new HttpClient({ endpoint: 'http://127.0.0.1:1', fetch: html.impl })
      .request({ method: 'GET', path: '/' })
      .catch((e: unknown) => e)) as SluiceError;
    expect(e2.retriable).toBe(true);
    expect(e2.message).toContain('Bad Gateway');
  });

  it('reports an unreachable server as a retriable error with a hint', async () => {
    const client = new HttpClient({ endpoint: 'http://127.0.0.1:9' });
    const err = (await client.request({ method: 'GET', path: '/v1/health' }).catch((e: unknown) => e)) as SluiceError;
    expect(err).toBeInstanceOf(SluiceError);
    expect(err.retriable).toBe(true);
    expect(err.code).toBe('NETWORK_EXCEPTION');
    expect(err.message).toMatch(/^cannot reach Sluice at http:\/\/127\.0\.0\.1:9 .*is `npm start` running\?$/);
  });

  it('rethrows aborts as they are', async () => {
    const ac = new AbortController();
    ac.abort(new Error('stop'));
    const client = new HttpClient({ endpoint: 'http://127.0.0.1:9' });
    await expect(client.request({ method: 'GET', path: '/', signal: ac.signal })).rejects.toThrow('stop');
  });

  it('returns undefined for empty JSON responses (204)', async () => {
    const { impl } = fakeFetch(() => new Response(null, { status: 204 }));
    const client = new HttpClient({ endpoint: 'http://127.0.0.1:1', fetch: impl });
    expect(await client.json({ method: 'DELETE', path: '/v1/topics/x' })).toBeUndefined();
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
