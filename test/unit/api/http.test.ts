// Event normalization, routing, body limits and the dev server's event/result helpers.
import type { APIGatewayProxyEvent, APIGatewayProxyEventV2 } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import {
  accepts,
  buildV2Event,
  decodeBody,
  MAX_REQUEST_BYTES,
  mediaType,
  normalizeEvent,
  resolveRoute,
  resultToHttp,
  toResult,
} from '../../../lib/api/http.ts';

const v2 = (over: Partial<APIGatewayProxyEventV2> & { method?: string; stage?: string }): APIGatewayProxyEventV2 => {
  const { method = 'GET', stage = '$default', ...rest } = over;
  return {
    version: '2.0',
    routeKey: '$default',
    rawPath: '/',
    rawQueryString: '',
    headers: {},
    requestContext: {
      accountId: '1',
      apiId: 'a',
      domainName: 'd',
      domainPrefix: 'd',
      http: { method, path: rest.rawPath ?? '/', protocol: 'HTTP/1.1', sourceIp: '1.2.3.4', userAgent: 'ua' },
      requestId: 'req-1',
      routeKey: rest.routeKey ?? '$default',
      stage,
      time: '',
      timeEpoch: 0,
    },
    isBase64Encoded: false,
    ...rest,
  };
};

const v1 = (over: Partial<APIGatewayProxyEvent>): APIGatewayProxyEvent =>
  ({
    resource: '/{proxy+}',
    path: '/',
    httpMethod: 'GET',
    headers: {},
    multiValueHeaders: {},
    queryStringParameters: null,
    multiValueQueryStringParameters: null,
    pathParameters: null,
    stageVariables: null,
    requestContext: { requestId: 'req-v1' } as APIGatewayProxyEvent['requestContext'],
    body: null,
    isBase64Encoded: false,
    ...over,
  }) as APIGatewayProxyEvent;

describe('normalizeEvent', () => {
  it('reads payload v2: route key, repeated query parameters, headers, base64 body', () => {
    const raw = normalizeEvent(
      v2({
        method: 'post',
        routeKey: 'POST /v1/topics/{topic}/records',
        rawPath: '/v1/topics/t/records',
        rawQueryString: 'partition=1&a=x&a=y%20z',
        queryStringParameters: { partition: '1', a: 'x,y z' },
        headers: { 'content-type': 'application/vnd.kafka.recordbatch' },
        pathParameters: { topic: 't' },
        body: Buffer.from([1, 2, 3]).toString('base64'),
        isBase64Encoded: true,
      }),
    );
    expect(raw).toMatchObject({
      format: 'v2',
      method: 'POST',
      path: '/v1/topics/t/records',
      routeKey: 'POST /v1/topics/{topic}/records',
      query: { partition: ['1'], a: ['x', 'y z'] },
      headers: { 'content-type': 'application/vnd.kafka.recordbatch' },
      requestId: 'req-1',
    });
    expect([...decodeBody(raw)]).toEqual([1, 2, 3]);
  });

  it('strips a named stage from the path', () => {
    expect(normalizeEvent(v2({ rawPath: '/prod/v1/topics', stage: 'prod' })).path).toBe('/v1/topics');
    expect(normalizeEvent(v2({ rawPath: '/production/v1', stage: 'prod' })).path).toBe('/production/v1');
  });

  it('reads payload v1: headers of any case, multi-value query, resource as route key', () => {
    const raw = normalizeEvent(
      v1({
        httpMethod: 'GET',
        resource: '/v1/topics/{topic}/partitions/{partition}/records',
        path: '/v1/topics/t/partitions/0/records',
        headers: { Accept: 'application/json', 'X-Thing': 'a' },
        multiValueHeaders: { 'X-Thing': ['a', 'b'] },
        queryStringParameters: { offset: '5' },
        multiValueQueryStringParameters: { offset: ['4', '5'] },
        pathParameters: { topic: 't', partition: '0' },
      }),
    );
    expect(raw).toMatchObject({
      format: 'v1',
      routeKey: 'GET /v1/topics/{topic}/partitions/{partition}/records',
      query: { offset: ['4', '5'] },
      headers: { accept: 'application/json', 'x-thing': 'a, b' },
      requestId: 'req-v1',
    });
  });

  it('treats a greedy proxy resource as no route key', () => {
    expect(normalizeEvent(v1({ resource: '/{proxy+}', path: '/v1/health' })).routeKey).toBeUndefined();
  });
});

describe('resolveRoute', () => {
  const route = (e: APIGatewayProxyEventV2 | APIGatewayProxyEvent) => resolveRoute(normalizeEvent(e));

  it("uses API Gateway's match and the path's parameters, decoded once", () => {
    const r = route(v2({ routeKey: 'GET /v1/topics/{topic}', rawPath: '/v1/topics/a%252e', pathParameters: { topic: 'a%2e' } }));
    expect(r.route.operation).toBe('describeTopic');
    expect(r.pathParameters).toEqual({ topic: 'a%2e' });
  });

  it('falls back to the event parameters behind a base path mapping', () => {
    const r = route(v2({ routeKey: 'GET /v1/topics/{topic}', rawPath: '/api/v1/topics/x', pathParameters: { topic: 'x' } }));
    expect(r).toMatchObject({ route: { operation: 'describeTopic' }, pathParameters: { topic: 'x' } });
  });

  it('matches $default routes by method and path', () => {
    expect(route(v2({ rawPath: '/v1/topics/t/partitions/3/offsets' }))).toMatchObject({
      route: { operation: 'listOffsets', fn: 'fetch' },
      pathParameters: { topic: 't', partition: '3' },
    });
    expect(route(v1({ httpMethod: 'DELETE', path: '/v1/topics/x' })).route.operation).toBe('deleteTopic');
  });

  it('404s unknown paths and 405s wrong methods with the allowed list', () => {
    expect(() => route(v2({ rawPath: '/v1/topicz' }))).toThrow(expect.objectContaining({ code: 'NOT_FOUND', status: 404 }));
    expect(() => route(v2({ rawPath: '/v1/topics/' }))).toThrow(expect.objectContaining({ code: 'NOT_FOUND' }));
    expect(() => route(v2({ method: 'PUT', rawPath: '/v1/topics/x' }))).toThrow(
      expect.objectContaining({ code: 'METHOD_NOT_ALLOWED', status: 405, details: { allowed: ['GET', 'PATCH', 'DELETE'] } }),
    );
  });
});

describe('decodeBody', () => {
  it('accepts exactly the limit and rejects one byte more, before and after base64', () => {
    const at = Buffer.alloc(MAX_REQUEST_BYTES, 1);
    expect(decodeBody({ rawBody: at.toString('base64'), isBase64Encoded: true }).length).toBe(MAX_REQUEST_BYTES);
    const over = Buffer.alloc(MAX_REQUEST_BYTES + 1, 1);
    expect(() => decodeBody({ rawBody: over.toString('base64'), isBase64Encoded: true })).toThrow(
      expect.objectContaining({ code: 'MESSAGE_TOO_LARGE', status: 413 }),
    );
    expect(() => decodeBody({ rawBody: 'a'.repeat(MAX_REQUEST_BYTES + 1), isBase64Encoded: false })).toThrow(
      expect.objectContaining({ code: 'MESSAGE_TOO_LARGE' }),
    );
    // Multi-byte characters count as their UTF-8 bytes.
    expect(() => decodeBody({ rawBody: 'é'.repeat(MAX_REQUEST_BYTES / 2 + 1), isBase64Encoded: false })).toThrow(
      expect.objectContaining({ code: 'MESSAGE_TOO_LARGE' }),
    );
    expect(decodeBody({ rawBody: undefined, isBase64Encoded: false }).length).toBe(0);
  });
});

describe('media types', () => {
  it('parses content types and Accept lists', () => {
    expect(mediaType('Application/JSON; charset=UTF-8')).toBe('application/json');
    expect(mediaType('')).toBeUndefined();
    expect(mediaType(undefined)).toBeUndefined();
    expect(accepts('application/json, application/vnd.kafka.recordbatch;q=0.9', 'application/vnd.kafka.recordbatch')).toBe(true);
    expect(accepts('application/vnd.kafka.recordbatch;q=0', 'application/vnd.kafka.recordbatch')).toBe(false);
    expect(accepts('*/*', 'application/vnd.kafka.recordbatch')).toBe(false);
    expect(accepts(undefined, 'application/json')).toBe(false);
  });
});

describe('buildV2Event / resultToHttp (dev server helpers)', () => {
  it('builds a v2 event with a text body for JSON and base64 for binary', () => {
    const json = buildV2Event({
      method: 'post',
      rawPath: '/v1/topics/orders/records',
      rawQueryString: 'x=1&x=2',
      headers: { 'Content-Type': 'application/json', Cookie: 'a=1; b=2', 'X-Many': ['p', 'q'], 'x-none': undefined },
      body: Buffer.from('{"records":[]}'),
    });
    expect(json).toMatchObject({
      version: '2.0',
      routeKey: 'POST /v1/topics/{topic}/records',
      rawPath: '/v1/topics/orders/records',
      rawQueryString: 'x=1&x=2',
      cookies: ['a=1', 'b=2'],
      headers: { 'content-type': 'application/json', 'x-many': 'p,q' },
      queryStringParameters: { x: '1,2' },
      pathParameters: { topic: 'orders' },
      body: '{"records":[]}',
      isBase64Encoded: false,
      requestContext: { http: { method: 'POST', path: '/v1/topics/orders/records' }, routeKey: 'POST /v1/topics/{topic}/records', stage: '$default' },
    });
    expect(json.headers).not.toHaveProperty('x-none');

    const bin = buildV2Event({
      method: 'POST',
      rawPath: '/v1/topics/orders/records',
      headers: { 'content-type': 'application/vnd.kafka.recordbatch' },
      body: Buffer.from([0, 255]),
    });
    expect(bin).toMatchObject({ body: 'AP8=', isBase64Encoded: true });
    // JSON declared but not UTF-8: API Gateway would still have to base64 it.
    expect(buildV2Event({ method: 'POST', rawPath: '/x', headers: { 'content-type': 'application/json' }, body: Buffer.from([0xff]) })).toMatchObject({
      isBase64Encoded: true,
      routeKey: '$default',
    });
    expect(buildV2Event({ method: 'GET', rawPath: '/v1/health' })).not.toHaveProperty('body');
  });

  it('round-trips JSON, binary and empty results', () => {
    const j = resultToHttp(toResult({ status: 201, body: { a: 1 } }));
    expect(j).toEqual({ status: 201, headers: { 'content-type': 'application/json' }, body: Buffer.from('{"a":1}') });
    const b = toResult({ status: 200, headers: { 'Content-Type': 'application/vnd.kafka.recordbatch', 'X-Next-Offset': '3' }, body: Buffer.from([1, 2]) });
    expect(b.isBase64Encoded).toBe(true);
    expect(resultToHttp(b)).toEqual({
      status: 200,
      headers: { 'content-type': 'application/vnd.kafka.recordbatch', 'x-next-offset': '3' },
      body: Buffer.from([1, 2]),
    });
    expect(resultToHttp(toResult({ status: 204 }))).toEqual({ status: 204, headers: {}, body: Buffer.alloc(0) });
    expect(resultToHttp('{"bare":true}').status).toBe(200);
    expect(resultToHttp({ statusCode: 200, body: 'x', multiValueHeaders: { 'Set-Cookie': ['a', 'b'] } }).headers['set-cookie']).toBe('a, b');
  });

  it('round-trips a built event through normalization', () => {
    const e = buildV2Event({ method: 'GET', rawPath: '/v1/topics/a%2Fb/partitions/0/records', rawQueryString: 'offset=0' });
    const raw = normalizeEvent(e);
    expect(resolveRoute(raw).pathParameters).toEqual({ topic: 'a/b', partition: '0' });
    expect(raw.query).toEqual({ offset: ['0'] });
  });
});
