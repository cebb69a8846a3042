// The HTTP transport under the SDK and the CLI: one request to the Sluice API, signed
// with SigV4 for deployed endpoints, with API errors turned back into the typed
// SluiceError the server raised (lib/core/errors.ts).
//
// Signing code (@smithy/signature-v4, the credential chain) is loaded on first use, so
// talking to the local dev server never pays for it.
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from '@smithy/types';
import { ClusterAuthorizationError, InvalidRequestError, NetworkError, SluiceError } from '../core/errors.ts';
import { appendQuery, errorFromResponse, parseJsonBody, type JsonRequestOptions, type JsonTransport, type QueryValue } from './transport.ts';

export type { JsonRequestOptions, QueryValue } from './transport.ts';

export type Credentials = AwsCredentialIdentity;
export type CredentialsProvider = AwsCredentialIdentityProvider;

export interface HttpClientOptions {
  /** Base URL of the API, e.g. http://127.0.0.1:9192 or https://abc.execute-api.eu-west-1.amazonaws.com */
  endpoint: string;
  /** Signing region; default: parsed from an execute-api host, else AWS_REGION / AWS_DEFAULT_REGION. */
  region?: string;
  /** Named profile for the default credential chain. */
  profile?: string;
  /** Static credentials or a provider; default: the AWS SDK's Node provider chain. */
  credentials?: Credentials | CredentialsProvider;
  /** Sign requests with SigV4; default: sign unless the endpoint is loopback or LocalStack. */
  sign?: boolean;
  /** fetch implementation (tests); default: global fetch. */
  fetch?: typeof fetch;
  /** Headers sent with every request. */
  headers?: Record<string, string>;
}

export interface HttpRequestOptions {
  method: string;
  /** Path below the endpoint, e.g. /v1/topics/orders (already URL-encoded). */
  path: string;
  query?: Record<string, QueryValue>;
  headers?: Record<string, string>;
  body?: Buffer | Uint8Array | string;
  signal?: AbortSignal;
}

export interface HttpResponse {
  status: number;
  /** Lower-case names. */
  headers: Record<string, string>;
  body: Buffer;
}


const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '::1', '[::1]']);

/** True for hosts that never want SigV4: loopback and LocalStack. */
export function isLocalHost(hostname: string): boolean {
  const h = hostname.toLowerCase();
  if (LOOPBACK_HOSTS.has(h) || h.endsWith('.localhost') || /^127\.\d+\.\d+\.\d+$/.test(h)) return true;
  return h === 'localhost.localstack.cloud' || h.endsWith('.localhost.localstack.cloud');
}

/** The region in `{id}.execute-api.{region}.amazonaws.com[.cn]`, if the host has that shape. */
export function regionFromEndpoint(endpoint: string | URL): string | undefined {
  let host: string;
  try {
    host = (typeof endpoint === 'string' ? new URL(endpoint) : endpoint).hostname.toLowerCase();
  } catch {
    return undefined;
  }
  return /^[^.]+\.execute-api\.([a-z0-9-]+)\.amazonaws\.com(?:\.cn)?$/.exec(host)?.[1];
}

interface Signer {
  sign(req: {
    method: string;
    protocol: string;
    hostname: string;
    port?: number;
    path: string;
    query: Record<string, string | string[]>;
    headers: Record<string, string>;
    body?: unknown;
  }): Promise<{ headers: Record<string, string> }>;
}

export class HttpClient implements JsonTransport {
  readonly endpoint: URL;
  readonly signs: boolean;
  private readonly opts: HttpClientOptions;
  private readonly fetchImpl: typeof fetch;
  private signer?: Promise<Signer>;

  constructor(opts: HttpClientOptions) {
    let url: URL;
    try {
      url = new URL(opts.endpoint);
    } catch {
      throw new InvalidRequestError(`Invalid endpoint URL '${opts.endpoint}'.`);
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw new InvalidRequestError(`Endpoint must be an http(s) URL, got '${opts.endpoint}'.`);
    }
    url.search = '';
    url.hash = '';
    this.endpoint = url;
    this.opts = opts;
    this.signs = opts.sign ?? !isLocalHost(url.hostname);
    this.fetchImpl = opts.fetch ?? globalThis.fetch;
  }

  /** The region requests are signed for (undefined when it cannot be determined). */
  get region(): string | undefined {
    return this.opts.region ?? regionFromEndpoint(this.endpoint) ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION;
  }

  /** The absolute URL for a path below the endpoint (the endpoint may carry a base path). */
  url(path: string, query?: Record<string, QueryValue>): URL {
    const base = this.endpoint.pathname.replace(/\/+$/, '');
    const url = new URL(this.endpoint.href);
    url.pathname = `${base}/${path.replace(/^\/+/, '')}`;
    return appendQuery(url, query);
  }

  /** One request; resolves for 2xx, throws the API's error (a SluiceError) otherwise. */
  async request(req: HttpRequestOptions): Promise<HttpResponse> {
    const response = await this.send(req);
    if (response.status < 200 || response.status > 299) throw responseError(response);
    return response;
  }

  /**
   * One request, signed when this client signs, resolving to the response whatever its
   * status (a proxy passes errors on as they came); throws only when there is no response.
   */
  async send(req: HttpRequestOptions): Promise<HttpResponse> {
    const url = this.url(req.path, req.query);
    const method = req.method.toUpperCase();
    const body = req.body === undefined ? undefined : typeof req.body === 'string' ? Buffer.from(req.body) : Buffer.from(req.body.buffer, req.body.byteOffset, req.body.byteLength);
    let headers: Record<string, string> = {};
    for (const [k, v] of Object.entries({ ...this.opts.headers, ...req.headers })) headers[k.toLowerCase()] = v;
    if (this.signs) headers = await this.signHeaders(method, url, headers, body);

    let res: Response;
    try {
      res = await this.fetchImpl(url, {
        method,
        headers,
        ...(body !== undefined && method !== 'GET' && method !== 'HEAD' ? { body } : {}),
        ...(req.signal ? { signal: req.signal } : {}),
      });
    } catch (err) {
      if (req.signal?.aborted) throw req.signal.reason ?? err;
      throw this.networkError(err);
    }
    let buf: Buffer;
    try {
      buf = Buffer.from(await res.arrayBuffer());
    } catch (err) {
      if (req.signal?.aborted) throw req.signal.reason ?? err;
      throw this.networkError(err);
    }
    const outHeaders: Record<string, string> = {};
    res.headers.forEach((v, k) => (outHeaders[k.toLowerCase()] = v));
    return { status: res.status, headers: outHeaders, body: buf };
  }

  /** A JSON request; resolves to the parsed body (undefined for an empty one, e.g. 204). */
  async json<T = unknown>(req: JsonRequestOptions): Promise<T> {
    const { body, ...rest } = req;
    const headers: Record<string, string> = { accept: 'application/json', ...rest.headers };
    const hasBody = body !== undefined;
    if (hasBody) headers['content-type'] = 'application/json';
    const res = await this.request({ ...rest, headers, ...(hasBody ? { body: JSON.stringify(body) } : {}) });
    return parseJsonBody<T>(res.status, res.body.toString('utf8'), this.url(req.path).href);
  }

  private networkError(err: unknown): SluiceError {
    const cause = (err as { cause?: { code?: string; message?: string } })?.cause;
    const why = cause?.code ?? cause?.message ?? (err as Error)?.message ?? String(err);
    const where = this.endpoint.href.replace(/\/$/, '');
    const hint = isLocalHost(this.endpoint.hostname) ? ' — is `npm start` running?' : '';
    return new NetworkError(`cannot reach Sluice at ${where} (${why})${hint}`, {}, err);
  }

  private async signHeaders(method: string, url: URL, headers: Record<string, string>, body: Buffer | undefined): Promise<Record<string, string>> {
    const signer = await (this.signer ??= this.createSigner());
    const query: Record<string, string | string[]> = {};
    for (const [k, v] of url.searchParams) {
      const prev = query[k];
      query[k] = prev === undefined ? v : Array.isArray(prev) ? [...prev, v] : [prev, v];
    }
    const signed = await signer.sign({
      method,
      protocol: url.protocol,
      hostname: url.hostname,
      ...(url.port ? { port: Number(url.port) } : {}),
      path: url.pathname,
      query,
      headers: { ...headers, host: url.host },
      ...(body !== undefined ? { body } : {}),
    });
    // fetch sets Host itself and refuses to be told.
    const { host: _host, ...rest } = signed.headers;
    return rest;
  }

  private async createSigner(): Promise<Signer> {
    const region = this.region;
    if (!region) {
      throw new SluiceError(
        'INVALID_REQUEST',
        400,
        `Cannot tell which AWS region to sign requests to ${this.endpoint.host} for: pass --region (or region) or set AWS_REGION.`,
      );
    }
    const [{ SignatureV4 }, { Sha256 }] = await Promise.all([import('@smithy/signature-v4'), import('@aws-crypto/sha256-js')]);
    let credentials = this.opts.credentials;
    if (!credentials) {
      const { fromNodeProviderChain } = await import('@aws-sdk/credential-providers');
      credentials = fromNodeProviderChain(this.opts.profile ? { profile: this.opts.profile } : {});
    }
    const signer = new SignatureV4({ service: 'execute-api', region, credentials, sha256: Sha256 });
    return {
      sign: async (req) => {
        try {
          return (await signer.sign(req)) as unknown as { headers: Record<string, string> };
        } catch (err) {
          throw new ClusterAuthorizationError(
            `Cannot sign the request: no AWS credentials (${(err as Error).message}). Configure credentials or pass --profile.`,
            {},
            err,
          );
        }
      },
    };
  }
}

/** The SluiceError for a non-2xx response. */
export function responseError(res: HttpResponse): SluiceError {
  return errorFromResponse(res.status, res.headers, res.body.toString('utf8'));
}
