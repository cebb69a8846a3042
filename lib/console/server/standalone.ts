// `sluice console`: the web console for a deployed stack, served on loopback. The page
// and its assets come from here; its data calls (/v1/*, same origin) are forwarded to the
// stack's API, each signed with SigV4 by the SDK's HttpClient using the user's AWS
// credentials. So the console needs nothing new exposed on the internet, and the
// credentials never reach the browser.
//
// Only this machine may use it: connections from a non-loopback address are refused,
// and so is a request whose Host is not this server's loopback address (a DNS-rebinding
// page would send its own name) or whose Origin is another site (a cross-site form post
// or fetch). Everything the browser sends besides method, path, query, body and a few
// content headers (cookies, authorization) is dropped before signing.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { HttpClient } from '../../client/http.ts';
import { isSluiceError, MessageTooLargeError, NetworkError, RouteNotFoundError, type SluiceError } from '../../client/errors.ts';
import { FETCH_HEADERS, JSON_TYPE } from '../../client/wire.ts';
import { CONSOLE_PATH, isConsolePath, serveConsole } from './assets.ts';

export const DEFAULT_CONSOLE_PORT = 9193;
/** The API's own request limit (API Gateway's and Lambda's payload bound). */
const MAX_BODY_BYTES = 6_291_456;
const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '::1']);
/** Request headers passed on to the API; everything else stays here. */
const FORWARDED_REQUEST_HEADERS = ['content-type', 'accept', 'idempotency-key'];
/** Response headers passed back to the browser. */
const FORWARDED_RESPONSE_HEADERS = ['content-type', 'retry-after', 'allow', ...Object.values(FETCH_HEADERS)];

export interface ConsoleServerOptions {
  /** The API client: its endpoint is the stack's ApiUrl and it signs every call. */
  client: HttpClient;
  /** Default 9193; 0 picks a free port. */
  port?: number;
  /** Loopback only: 127.0.0.1 (default), localhost or ::1. */
  host?: string;
  /** One line per request (method, path, status). */
  accessLog?: (line: string) => void;
}

export interface ConsoleServer {
  /** Where to open the console, e.g. http://127.0.0.1:9193/console */
  url: string;
  port: number;
  server: Server;
  stop(): Promise<void>;
}

/** True for a peer address on this machine: 127.0.0.0/8 or ::1, also IPv4-mapped. */
export function isLoopbackAddress(address: string | undefined): boolean {
  if (!address) return false;
  const a = address.toLowerCase().replace(/^::ffff:/, '');
  return a === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(a);
}

export async function startConsoleServer(opts: ConsoleServerOptions): Promise<ConsoleServer> {
  const host = opts.host ?? '127.0.0.1';
  if (!LOOPBACK_HOSTS.has(host)) throw new Error(`The console listens on loopback only (127.0.0.1, localhost, ::1), not '${host}'.`);
  let allowedHosts = new Set<string>();
  const server = createServer((req, res) => {
    if (opts.accessLog) res.once('finish', () => opts.accessLog!(`${req.method} ${req.url} ${res.statusCode}`));
    handle(req, res, opts.client, allowedHosts).catch((err: unknown) => {
      if (!res.headersSent) sendError(res, new NetworkError(`The console server failed: ${(err as Error)?.message ?? String(err)}`));
      else res.destroy();
    });
  });
  // Refused before any byte is read: a peer that is not this machine.
  server.on('connection', (socket) => {
    if (!isLoopbackAddress(socket.remoteAddress)) socket.destroy();
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? DEFAULT_CONSOLE_PORT, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  allowedHosts = new Set([`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`]);
  const urlHost = host === '::1' ? '[::1]' : host;
  return {
    url: `http://${urlHost}:${port}${CONSOLE_PATH}`,
    port,
    server,
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** Why a request may not be served, or undefined when it may. */
export function refusal(req: Pick<IncomingMessage, 'headers'> & { socket: { remoteAddress?: string | undefined } }, allowedHosts: ReadonlySet<string>): string | undefined {
  if (!isLoopbackAddress(req.socket.remoteAddress)) return 'only clients on this machine may use the console';
  const hostHeader = String(req.headers.host ?? '').toLowerCase();
  if (!allowedHosts.has(hostHeader)) return `unexpected Host '${hostHeader}'`;
  const origin = req.headers.origin;
  if (origin !== undefined && origin !== `http://${hostHeader}`) return `requests from origin '${origin}' are not allowed`;
  if (req.headers['sec-fetch-site'] === 'cross-site') return 'cross-site requests are not allowed';
  return undefined;
}

async function handle(req: IncomingMessage, res: ServerResponse, client: HttpClient, allowedHosts: ReadonlySet<string>): Promise<void> {
  const why = refusal(req, allowedHosts);
  if (why) {
    req.resume();
    res.writeHead(403, { 'content-type': JSON_TYPE, connection: 'close' });
    res.end(JSON.stringify({ error: { code: 'CLUSTER_AUTHORIZATION_FAILED', message: `Forbidden: ${why}.` } }));
    return;
  }
  const target = req.url ?? '/';
  const q = target.indexOf('?');
  const rawPath = q < 0 ? target : target.slice(0, q);
  if (isConsolePath(rawPath)) return serveConsole(req, res, rawPath);
  if (rawPath === '/') {
    req.resume();
    res.writeHead(302, { location: CONSOLE_PATH, 'content-length': '0' });
    res.end();
    return;
  }
  if (!rawPath.startsWith('/v1/')) {
    req.resume();
    sendError(res, new RouteNotFoundError(`No route for ${req.method} ${rawPath}.`));
    return;
  }
  await forward(req, res, client, rawPath, q < 0 ? '' : target.slice(q + 1));
}

/** Passes one API call on, signed, and its answer back as it came. */
async function forward(req: IncomingMessage, res: ServerResponse, client: HttpClient, rawPath: string, rawQuery: string): Promise<void> {
  const body = await readBody(req);
  if (body === undefined) {
    sendError(res, new MessageTooLargeError(`The request body is over the limit of ${MAX_BODY_BYTES} bytes.`), { connection: 'close' });
    return;
  }
  const headers: Record<string, string> = {};
  for (const name of FORWARDED_REQUEST_HEADERS) {
    const v = req.headers[name];
    if (typeof v === 'string') headers[name] = v;
  }
  const query: Record<string, string> = {};
  for (const [k, v] of new URLSearchParams(rawQuery)) query[k] = v;
  const method = (req.method ?? 'GET').toUpperCase();
  const abort = new AbortController();
  res.once('close', () => abort.abort());
  let answer;
  try {
    answer = await client.send({
      method,
      path: rawPath,
      query,
      headers,
      ...(body.length > 0 && method !== 'GET' && method !== 'HEAD' ? { body } : {}),
      signal: abort.signal,
    });
  } catch (err) {
    if (abort.signal.aborted) return;
    sendError(res, isSluiceError(err) ? err : new NetworkError(String((err as Error)?.message ?? err)));
    return;
  }
  const out: Record<string, string> = { 'content-length': String(answer.body.length) };
  for (const name of FORWARDED_RESPONSE_HEADERS) if (answer.headers[name] !== undefined) out[name] = answer.headers[name]!;
  res.writeHead(answer.status, out);
  res.end(answer.body);
}

/** The body, or undefined when it is over the limit (the rest is drained, not kept). */
function readBody(req: IncomingMessage): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_BODY_BYTES) chunks.push(chunk);
    });
    req.once('end', () => resolve(size > MAX_BODY_BYTES ? undefined : Buffer.concat(chunks, size)));
    req.once('error', reject);
  });
}

function sendError(res: ServerResponse, err: SluiceError, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(err.toJSON());
  res.writeHead(err.status, { 'content-type': JSON_TYPE, 'content-length': String(Buffer.byteLength(text)), ...headers });
  res.end(text);
}
