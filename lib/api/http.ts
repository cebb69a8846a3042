// HTTP plumbing between API Gateway and the operations: both Lambda proxy payload
// formats (HTTP API v2 and REST API v1, which LocalStack Community offers) become one
// ApiRequest; an ApiResponse becomes the proxy result of the format that came in. The dev
// server uses buildV2Event / resultToHttp to speak the same shapes over plain Node HTTP.
import { isUtf8 as nodeIsUtf8 } from 'node:buffer';
// Type-only imports of aws-lambda: nothing here pulls in the AWS SDK.
import { randomUUID } from 'node:crypto';
import type {
  APIGatewayProxyEvent,
  APIGatewayProxyEventV2,
  APIGatewayProxyResult,
  APIGatewayProxyStructuredResultV2,
} from 'aws-lambda';
import { MessageTooLargeError, MethodNotAllowedError, RouteNotFoundError } from '../core/errors.ts';
import { MAX_REQUEST_BYTES } from '../core/limits.ts';
import { JSON_TYPE } from '../core/wire.ts';
import { matchRoute, ROUTES, routeKey, type HttpMethod, type RouteDefinition } from './routes.ts';

// The content types and limits live in lib/core (the SDK shares them); the API's plumbing
// hands them on.
export { JSON_TYPE, RECORD_BATCH_TYPE } from '../core/wire.ts';
export { MAX_REQUEST_BYTES, MAX_RESPONSE_BYTES } from '../core/limits.ts';

export type ApiGatewayEvent = APIGatewayProxyEventV2 | APIGatewayProxyEvent;
export type ApiGatewayResult = APIGatewayProxyStructuredResultV2 & APIGatewayProxyResult;

/** A request as operations see it, whichever payload format carried it. */
export interface ApiRequest {
  format: 'v1' | 'v2';
  method: string;
  /** The request path without any stage prefix. */
  path: string;
  route: RouteDefinition;
  /** Decoded path parameters named by the route. */
  pathParameters: Record<string, string>;
  /** Query parameters, every value given (repeats kept). */
  query: Record<string, string[]>;
  /** Header names lower-case; repeated headers joined with ", ". */
  headers: Record<string, string>;
  /** The decoded body; empty when there is none. */
  body: Buffer;
  requestId: string;
}

/**
 * What an operation answers. `body`: a Buffer is sent as binary (base64 in the proxy
 * result) with the content-type in `headers`; undefined is an empty body; anything else
 * is JSON.
 */
export interface ApiResponse {
  status: number;
  headers?: Record<string, string>;
  body?: unknown;
}

// ---- events in ------------------------------------------------------------------------

export function isV2Event(event: ApiGatewayEvent): event is APIGatewayProxyEventV2 {
  return (event as APIGatewayProxyEventV2).version === '2.0' || typeof (event as APIGatewayProxyEventV2).rawPath === 'string';
}

/** An event before routing: what the wire said. */
export interface RawRequest {
  format: 'v1' | 'v2';
  method: string;
  path: string;
  /** "METHOD /path/{param}" when API Gateway already matched a route. */
  routeKey?: string;
  pathParameters: Record<string, string>;
  query: Record<string, string[]>;
  headers: Record<string, string>;
  rawBody: string | undefined;
  isBase64Encoded: boolean;
  requestId: string;
}

function lowerCaseHeaders(
  single: Record<string, string | undefined> | null | undefined,
  multi?: Record<string, string[] | undefined> | null,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(multi ?? {})) {
    if (v && v.length) out[k.toLowerCase()] = v.join(', ');
  }
  for (const [k, v] of Object.entries(single ?? {})) {
    const key = k.toLowerCase();
    if (v !== undefined && out[key] === undefined) out[key] = v;
  }
  return out;
}

function definedValues(params: Record<string, string | undefined> | null | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(params ?? {})) if (v !== undefined) out[k] = v;
  return out;
}

function parseQueryString(raw: string): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  if (!raw) return out;
  for (const [k, v] of new URLSearchParams(raw)) (out[k] ??= []).push(v);
  return out;
}

/** Strips `/{stage}` from a path when API Gateway serves a named (non-$default) stage. */
function stripStage(path: string, stage: string | undefined): string {
  if (!stage || stage === '$default') return path;
  const prefix = `/${stage}`;
  if (path === prefix) return '/';
  return path.startsWith(`${prefix}/`) ? path.slice(prefix.length) : path;
}

export function normalizeEvent(event: ApiGatewayEvent): RawRequest {
  if (isV2Event(event)) {
    const ctx = event.requestContext;
    const query =
      typeof event.rawQueryString === 'string'
        ? parseQueryString(event.rawQueryString)
        : Object.fromEntries(Object.entries(definedValues(event.queryStringParameters)).map(([k, v]) => [k, [v]]));
    return {
      format: 'v2',
      method: (ctx?.http?.method ?? 'GET').toUpperCase(),
      path: stripStage(event.rawPath || ctx?.http?.path || '/', ctx?.stage),
      ...(event.routeKey && event.routeKey !== '$default' ? { routeKey: event.routeKey } : {}),
      pathParameters: definedValues(event.pathParameters),
      query,
      headers: lowerCaseHeaders(event.headers),
      rawBody: event.body ?? undefined,
      isBase64Encoded: Boolean(event.isBase64Encoded),
      requestId: ctx?.requestId ?? randomUUID(),
    };
  }
  const method = (event.httpMethod ?? 'GET').toUpperCase();
  const multi = event.multiValueQueryStringParameters;
  const query: Record<string, string[]> = {};
  if (multi) {
    for (const [k, v] of Object.entries(multi)) if (v) query[k] = [...v];
  } else {
    for (const [k, v] of Object.entries(definedValues(event.queryStringParameters))) query[k] = [v];
  }
  const resource = event.resource;
  return {
    format: 'v1',
    method,
    path: event.path || '/',
    // A greedy proxy resource ({proxy+}) is no route of ours: fall back to path matching.
    ...(resource && !resource.includes('+}') ? { routeKey: `${method} ${resource}` } : {}),
    pathParameters: definedValues(event.pathParameters),
    query,
    headers: lowerCaseHeaders(event.headers, event.multiValueHeaders),
    rawBody: event.body ?? undefined,
    isBase64Encoded: Boolean(event.isBase64Encoded),
    requestId: event.requestContext?.requestId ?? randomUUID(),
  };
}

const ROUTES_BY_KEY = new Map(ROUTES.map((r) => [routeKey(r), r]));
const paramNames = (path: string): string[] =>
  path.split('/').filter((s) => s.startsWith('{') && s.endsWith('}')).map((s) => s.slice(1, -1));

/**
 * API Gateway may hand path parameters over raw or decoded. A valid topic name never
 * holds '%', so decoding one that does is safe: it either yields the name the client
 * percent-encoded or something the name check rejects. Undecodable stays as it is.
 */
function decodeParam(value: string): string {
  if (!value.includes('%')) return value;
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

/**
 * The route and its parameters: API Gateway's own match (routeKey / resource) when it
 * names one of ours, else matching method and path against the route table. Parameters
 * are taken from the path itself when it matches the same route (decoded exactly once),
 * else from the event's pathParameters (e.g. behind a custom domain's base path).
 * Throws NOT_FOUND (no such path) or METHOD_NOT_ALLOWED (with `allowed`).
 */
export function resolveRoute(raw: RawRequest): { route: RouteDefinition; pathParameters: Record<string, string> } {
  const known = raw.routeKey ? ROUTES_BY_KEY.get(raw.routeKey) : undefined;
  const match = matchRoute(raw.method, raw.path);
  if (match && 'route' in match && (!known || match.route === known)) return match;
  if (known) {
    const names = paramNames(known.path);
    if (names.every((n) => raw.pathParameters[n] !== undefined)) {
      return {
        route: known,
        pathParameters: Object.fromEntries(names.map((n) => [n, decodeParam(raw.pathParameters[n]!)])),
      };
    }
  }
  if (!match) throw new RouteNotFoundError(`No route for ${raw.method} ${raw.path}.`);
  if ('allowed' in match) {
    throw new MethodNotAllowedError(`${raw.method} is not allowed on ${raw.path}; allowed: ${match.allowed.join(', ')}.`, {
      allowed: match.allowed,
    });
  }
  return { route: match.route, pathParameters: match.pathParameters };
}

/** The body as bytes, rejecting anything over MAX_REQUEST_BYTES before and after decoding. */
export function decodeBody(raw: Pick<RawRequest, 'rawBody' | 'isBase64Encoded'>, limit = MAX_REQUEST_BYTES): Buffer {
  const text = raw.rawBody;
  if (text === undefined || text === '') return Buffer.alloc(0);
  const tooLarge = (n: number | string) =>
    new MessageTooLargeError(`The request body is ${n} bytes; the limit is ${limit}.`, { maxRequestBytes: limit });
  if (raw.isBase64Encoded) {
    // 4 base64 characters carry 3 bytes: refuse without decoding when it cannot fit.
    if (text.length > Math.ceil(limit / 3) * 4 + 4) throw tooLarge(`about ${Math.floor((text.length * 3) / 4)}`);
    const body = Buffer.from(text, 'base64');
    if (body.length > limit) throw tooLarge(body.length);
    return body;
  }
  if (text.length > limit) throw tooLarge(`at least ${text.length}`);
  const body = Buffer.from(text, 'utf8');
  if (body.length > limit) throw tooLarge(body.length);
  return body;
}

// ---- media types ----------------------------------------------------------------------

/** "Application/JSON; charset=utf-8" → "application/json"; undefined when absent. */
export function mediaType(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const t = value.split(';')[0]!.trim().toLowerCase();
  return t === '' ? undefined : t;
}

/** True when the Accept header lists the media type (ignoring parameters and q=0). */
export function accepts(accept: string | undefined, type: string): boolean {
  if (!accept) return false;
  return accept.split(',').some((part) => {
    const [name, ...params] = part.split(';').map((s) => s.trim().toLowerCase());
    if (name !== type) return false;
    return !params.some((p) => /^q=0(\.0*)?$/.test(p));
  });
}

// ---- results out ----------------------------------------------------------------------

const isBytes = (b: unknown): b is Uint8Array => b instanceof Uint8Array;

/** The proxy result for a response; the same shape satisfies both payload formats. */
export function toResult(res: ApiResponse): ApiGatewayResult {
  const headers: Record<string, string> = { ...res.headers };
  if (res.body === undefined) return { statusCode: res.status, headers, body: '', isBase64Encoded: false };
  if (isBytes(res.body)) {
    if (!hasHeader(headers, 'content-type')) headers['Content-Type'] = 'application/octet-stream';
    return {
      statusCode: res.status,
      headers,
      body: Buffer.from(res.body.buffer, res.body.byteOffset, res.body.byteLength).toString('base64'),
      isBase64Encoded: true,
    };
  }
  if (!hasHeader(headers, 'content-type')) headers['Content-Type'] = JSON_TYPE;
  return { statusCode: res.status, headers, body: JSON.stringify(res.body), isBase64Encoded: false };
}

function hasHeader(headers: Record<string, string>, name: string): boolean {
  return Object.keys(headers).some((k) => k.toLowerCase() === name);
}

// ---- the dev server's side ------------------------------------------------------------

export interface BuildV2EventInput {
  method: string;
  /** The path as received, still percent-encoded, without the query string. */
  rawPath: string;
  /** The query string without '?', still encoded. */
  rawQueryString?: string;
  /** Node's IncomingHttpHeaders or any name → value(s) map. */
  headers?: Record<string, string | string[] | undefined>;
  body?: Buffer | Uint8Array | string;
  /** "GET /v1/topics/{topic}"; matched from the route table when omitted. */
  routeKey?: string;
  pathParameters?: Record<string, string>;
  /** Request context extras. */
  sourceIp?: string;
  requestId?: string;
  stage?: string;
}

/** Media types API Gateway hands to Lambda as text; anything else arrives base64. */
function isTextType(type: string | undefined): boolean {
  if (!type) return false;
  return (
    type.startsWith('text/') ||
    type === 'application/json' ||
    type.endsWith('+json') ||
    type === 'application/xml' ||
    type.endsWith('+xml') ||
    type === 'application/javascript' ||
    type === 'application/x-www-form-urlencoded'
  );
}

/**
 * A realistic HTTP API (payload v2) event for a plain HTTP request, as API Gateway would
 * build it: lower-case headers (repeats joined with ","), cookies split out, query
 * parameters decoded (repeats joined with ","), text bodies (JSON, text/*) as text and
 * everything else base64 with isBase64Encoded. Route key and path parameters come from
 * the route table when not given.
 */
export function buildV2Event(input: BuildV2EventInput): APIGatewayProxyEventV2 {
  const method = input.method.toUpperCase();
  const headers: Record<string, string> = {};
  let cookies: string[] | undefined;
  for (const [k, v] of Object.entries(input.headers ?? {})) {
    if (v === undefined) continue;
    const name = k.toLowerCase();
    if (name === 'cookie') {
      cookies = (Array.isArray(v) ? v : [v]).flatMap((c) => c.split(';')).map((c) => c.trim()).filter(Boolean);
      continue;
    }
    headers[name] = Array.isArray(v) ? v.join(',') : v;
  }
  const rawQueryString = input.rawQueryString ?? '';
  const multi = parseQueryString(rawQueryString);
  const queryStringParameters = Object.keys(multi).length
    ? Object.fromEntries(Object.entries(multi).map(([k, v]) => [k, v.join(',')]))
    : undefined;

  let routeKeyValue = input.routeKey;
  let pathParameters = input.pathParameters;
  if (routeKeyValue === undefined) {
    const m = matchRoute(method, input.rawPath);
    if (m && 'route' in m) {
      routeKeyValue = routeKey(m.route);
      pathParameters ??= m.pathParameters;
    } else {
      routeKeyValue = '$default';
    }
  }

  let body: string | undefined;
  let isBase64Encoded = false;
  if (input.body !== undefined && input.body.length > 0) {
    const bytes = typeof input.body === 'string' ? Buffer.from(input.body, 'utf8') : Buffer.from(input.body);
    if (isTextType(mediaType(headers['content-type'])) && isUtf8(bytes)) {
      body = bytes.toString('utf8');
    } else {
      body = bytes.toString('base64');
      isBase64Encoded = true;
    }
  }

  const now = Date.now();
  const stage = input.stage ?? '$default';
  const host = headers.host ?? 'localhost';
  return {
    version: '2.0',
    routeKey: routeKeyValue,
    rawPath: input.rawPath,
    rawQueryString,
    ...(cookies ? { cookies } : {}),
    headers,
    ...(queryStringParameters ? { queryStringParameters } : {}),
    ...(pathParameters && Object.keys(pathParameters).length ? { pathParameters } : {}),
    requestContext: {
      accountId: 'local',
      apiId: 'local',
      domainName: host,
      domainPrefix: host.split('.')[0] ?? host,
      http: {
        method,
        path: input.rawPath,
        protocol: 'HTTP/1.1',
        sourceIp: input.sourceIp ?? '127.0.0.1',
        userAgent: headers['user-agent'] ?? '',
      },
      requestId: input.requestId ?? randomUUID(),
      routeKey: routeKeyValue,
      stage,
      time: new Date(now).toISOString(),
      timeEpoch: now,
    },
    ...(body !== undefined ? { body } : {}),
    isBase64Encoded,
  };
}

/** Node's validator: no exception thrown and caught per non-UTF-8 body. */
export const isUtf8 = (bytes: Uint8Array): boolean => nodeIsUtf8(bytes);

/** A handler's result as plain HTTP: status, headers, body bytes. */
export function resultToHttp(result: APIGatewayProxyStructuredResultV2 | APIGatewayProxyResult | string | undefined): {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
} {
  // A v2 handler may return a bare string or object: API Gateway answers 200 JSON.
  if (result === undefined || typeof result === 'string') {
    return { status: 200, headers: { 'content-type': JSON_TYPE }, body: Buffer.from(result ?? '', 'utf8') };
  }
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(result.headers ?? {})) headers[k.toLowerCase()] = String(v);
  const multi = (result as APIGatewayProxyResult).multiValueHeaders;
  for (const [k, v] of Object.entries(multi ?? {})) headers[k.toLowerCase()] = v.map(String).join(', ');
  const text = result.body ?? '';
  const body = result.isBase64Encoded ? Buffer.from(text, 'base64') : Buffer.from(text, 'utf8');
  return { status: result.statusCode ?? 200, headers, body };
}

export type { HttpMethod };
