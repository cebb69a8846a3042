// The SDK's browser-safe HTTP layer: the JSON transport every admin-style call is written
// against, the decoding of API error responses back into typed SluiceErrors, and
// FetchTransport, an implementation over plain fetch for callers that need neither
// signing nor Node (the web console, calling its own origin).
//
// Nothing here touches Buffer, process or node:* modules: the console's bundle imports
// this file, and its TypeScript program is checked without Node's types.
import { ClusterAuthorizationError, errorFromBody, NetworkError, SluiceError } from '../core/errors.ts';
import { JSON_TYPE } from '../core/wire.ts';

export type QueryValue = string | number | boolean | undefined | null;

export interface JsonRequestOptions {
  method: string;
  /** Path below the endpoint, e.g. /v1/topics/orders (already URL-encoded). */
  path: string;
  query?: Record<string, QueryValue>;
  headers?: Record<string, string>;
  /** Serialised with JSON.stringify; sent with Content-Type: application/json. */
  body?: unknown;
  signal?: AbortSignal;
}

/** What Admin, Records and Subscriptions need of a transport: one JSON call. */
export interface JsonTransport {
  /** Resolves to the parsed body (undefined for an empty one, e.g. 204); throws the API's SluiceError. */
  json<T = unknown>(req: JsonRequestOptions): Promise<T>;
}

/** Appends the defined query values to a URL, in order. */
export function appendQuery(url: URL, query: Record<string, QueryValue> | undefined): URL {
  for (const [k, v] of Object.entries(query ?? {})) {
    if (v !== undefined && v !== null) url.searchParams.append(k, String(v));
  }
  return url;
}

/**
 * The SluiceError for a non-2xx response, from its status, lower-case headers and body
 * text: the API's own envelope becomes its typed class; anything else (API Gateway's
 * {"message":"Forbidden"}, a proxy's HTML page) becomes the closest class by status.
 */
export function errorFromResponse(status: number, headers: Record<string, string>, text: string): SluiceError {
  let parsed: unknown;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    parsed = undefined;
  }
  const envelope = parsed as { error?: unknown; message?: unknown; Message?: unknown } | undefined;
  let err: SluiceError;
  if (envelope && typeof envelope === 'object' && envelope.error && typeof envelope.error === 'object') {
    err = errorFromBody(status, parsed);
  } else {
    const detail = typeof envelope?.message === 'string' ? envelope.message : typeof envelope?.Message === 'string' ? envelope.Message : snippet(text);
    const message = `HTTP ${status}${detail ? `: ${detail}` : ''}`;
    err =
      status === 401 || status === 403
        ? new ClusterAuthorizationError(message, { status })
        : status === 404
          ? errorFromBody(404, { error: { code: 'NOT_FOUND', message } })
          : errorFromBody(status, { error: { message } });
  }
  const retryAfter = Number(headers['retry-after']);
  if (err.retriable && err.details.retryAfterSeconds === undefined && Number.isFinite(retryAfter) && retryAfter >= 0) {
    (err.details as Record<string, unknown>).retryAfterSeconds = retryAfter;
  }
  return err;
}

/** The start of a body, whitespace folded, for error messages. */
export function snippet(text: string): string {
  const short = text.slice(0, 200).replace(/\s+/g, ' ').trim();
  return text.length > 200 ? `${short}…` : short;
}

/** The parsed JSON of a 2xx body, or a SluiceError saying what came instead. */
export function parseJsonBody<T>(status: number, text: string, where: string): T {
  if (text.length === 0) return undefined as T;
  try {
    return JSON.parse(text) as T;
  } catch {
    throw new SluiceError('INVALID_REQUEST', status, `Expected a JSON response from ${where}, got ${snippet(text)}`);
  }
}

export interface FetchTransportOptions {
  /** Base URL of the API; default: the page's own origin (a relative request). */
  baseUrl?: string;
  /** fetch implementation; default: the global one. */
  fetch?: typeof fetch;
  /** Headers sent with every request. */
  headers?: Record<string, string>;
}

/** A JsonTransport over plain fetch: no signing, no Node. */
export class FetchTransport implements JsonTransport {
  private readonly base: string;
  private readonly fetchImpl: typeof fetch;
  private readonly headers: Record<string, string>;

  constructor(opts: FetchTransportOptions = {}) {
    this.base = (opts.baseUrl ?? (globalThis as { location?: { origin: string } }).location?.origin ?? '').replace(/\/+$/, '');
    this.fetchImpl = opts.fetch ?? ((input, init) => globalThis.fetch(input, init));
    this.headers = opts.headers ?? {};
  }

  async json<T = unknown>(req: JsonRequestOptions): Promise<T> {
    const url = appendQuery(new URL(`${this.base}/${req.path.replace(/^\/+/, '')}`), req.query);
    const headers: Record<string, string> = { accept: JSON_TYPE, ...this.headers, ...req.headers };
    const hasBody = req.body !== undefined;
    if (hasBody) headers['content-type'] = JSON_TYPE;
    let res: Response;
    let text: string;
    try {
      res = await this.fetchImpl(url, {
        method: req.method.toUpperCase(),
        headers,
        ...(hasBody ? { body: JSON.stringify(req.body) } : {}),
        ...(req.signal ? { signal: req.signal } : {}),
      });
      text = await res.text();
    } catch (err) {
      if (req.signal?.aborted) throw req.signal.reason ?? err;
      throw new NetworkError(`cannot reach Sluice at ${this.base || 'this origin'} (${(err as Error)?.message ?? String(err)})`, {}, err);
    }
    if (res.status < 200 || res.status > 299) {
      const out: Record<string, string> = {};
      res.headers.forEach((v, k) => (out[k.toLowerCase()] = v));
      throw errorFromResponse(res.status, out, text);
    }
    return parseJsonBody<T>(res.status, text, url.href);
  }
}
