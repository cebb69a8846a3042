// Calling the Lambda handlers as API Gateway would: requests become payload v2 events
// (buildV2Event, as the dev server builds them) and results plain HTTP (resultToHttp).
import type { APIGatewayProxyEvent } from 'aws-lambda';
import { createApiHandler, type HandlerDeps } from '../../../lib/local/apiGateway.ts';
import { buildV2Event, resultToHttp } from '../../../lib/api/http.ts';
import type { ApiHandler } from '../../../lib/runtime/http.ts';
import { Log } from '../../../lib/log/index.ts';
import type { StorageClients } from '../../../lib/storage/clients.ts';

export interface Call {
  method: string;
  /** Path with an optional query string, percent-encoded as on the wire. */
  url: string;
  headers?: Record<string, string>;
  /** Object → JSON with content-type application/json (unless headers say otherwise). */
  json?: unknown;
  body?: Buffer | string;
}

export interface Reply {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  json: any;
}

export function toEvent(call: Call) {
  const [rawPath, rawQueryString = ''] = call.url.split(/\?(.*)/s, 2) as [string, string?];
  const headers: Record<string, string> = { host: 'localhost', ...call.headers };
  let body: Buffer | undefined;
  if (call.json !== undefined) {
    body = Buffer.from(JSON.stringify(call.json));
    if (!Object.keys(headers).some((h) => h.toLowerCase() === 'content-type')) headers['content-type'] = 'application/json';
  } else if (call.body !== undefined) {
    body = typeof call.body === 'string' ? Buffer.from(call.body) : call.body;
  }
  return buildV2Event({ method: call.method, rawPath, rawQueryString, headers, ...(body ? { body } : {}) });
}

export function parseReply(result: Awaited<ReturnType<ApiHandler>>): Reply {
  const http = resultToHttp(result);
  const isJson = (http.headers['content-type'] ?? '').startsWith('application/json');
  return { ...http, json: isJson && http.body.length ? JSON.parse(http.body.toString('utf8')) : undefined };
}

/**
 * All four functions' handlers over one Log, and a `call` that dispatches each request
 * to its function as API Gateway would (createApiHandler, as the dev server does).
 */
export function apiOver(log: Log, deps: Omit<HandlerDeps, 'log' | 'operations'> = {}) {
  const api = createApiHandler({ log, ...deps });
  const call = async (c: Call): Promise<Reply> => parseReply(await api(toEvent(c)));
  return { handlers: api.handlers, call, log };
}

export function newLog(clients: StorageClients): Log {
  return new Log(clients);
}

/** A REST API (payload v1) proxy event, as LocalStack Community delivers it. */
export function restEvent(e: {
  method: string;
  resource: string;
  path: string;
  pathParameters?: Record<string, string>;
  query?: Record<string, string[]>;
  headers?: Record<string, string>;
  body?: Buffer;
  binary?: boolean;
}): APIGatewayProxyEvent {
  const headers = e.headers ?? {};
  return {
    resource: e.resource,
    path: e.path,
    httpMethod: e.method,
    headers,
    multiValueHeaders: Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, [v]])),
    queryStringParameters: e.query ? Object.fromEntries(Object.entries(e.query).map(([k, v]) => [k, v.at(-1)!])) : null,
    multiValueQueryStringParameters: e.query ?? null,
    pathParameters: e.pathParameters ?? null,
    stageVariables: null,
    requestContext: {
      accountId: '000000000000',
      apiId: 'local',
      authorizer: null,
      protocol: 'HTTP/1.1',
      httpMethod: e.method,
      identity: {} as APIGatewayProxyEvent['requestContext']['identity'],
      path: `/dev${e.path}`,
      stage: 'dev',
      requestId: 'rest-request',
      requestTimeEpoch: Date.now(),
      resourceId: 'abc',
      resourcePath: e.resource,
    },
    body: e.body ? (e.binary ? e.body.toString('base64') : e.body.toString('utf8')) : null,
    isBase64Encoded: Boolean(e.binary),
  };
}
