// The local dev server: the same route table and Lambda handlers as the deployed API,
// served over plain HTTP on loopback, on top of the local stack (DynamoDB Local + s3rver,
// or LocalStack when AWS_ENDPOINT_URL is set). Each request becomes the API Gateway HTTP
// API (payload v2) event the handler would get in AWS, so what works here works there.
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Logger } from '@aws-lambda-powertools/logger';
import type { Context } from 'aws-lambda';
import { createHandler } from '../api/index.ts';
import { MessageTooLargeError, MethodNotAllowedError, RouteNotFoundError, RequestTimedOutError, type SluiceError } from '../core/errors.ts';
import { buildV2Event, MAX_REQUEST_BYTES, resultToHttp } from '../api/http.ts';
import { FUNCTIONS, matchRoute, routeKey, type FunctionName } from '../api/routes.ts';
import { startGateway } from '../gateway/index.ts';
import { Log } from '../log/index.ts';
import { runMaintenance } from '../log/maintenance.ts';
import { startLocalDispatcher, type LocalDispatcherOptions } from './dispatch.ts';
import { startLocalStack, type LocalStack } from './stack.ts';
import { every, logMaintenance } from './timers.ts';

export const DEFAULT_DEV_PORT = 9192;
export const DEFAULT_DATA_DIR = '.sluice';
export const DEFAULT_MAINTENANCE_INTERVAL_MS = 60_000;
const ORPHAN_SCAN_EVERY = 10;

export interface DevServerOptions {
  port?: number;
  /** Loopback only: 127.0.0.1 (default), localhost or ::1. */
  host?: string;
  /** Emulator data, kept across restarts (ignored with AWS_ENDPOINT_URL). */
  dataDir?: string;
  /** Table and bucket prefix. */
  prefix?: string;
  /** Keep the emulators' output to themselves. */
  quiet?: boolean;
  /** Called with one line per request (method, path, status, ms). */
  accessLog?: (line: string) => void;
  /**
   * The handlers' structured logger. Default: warnings and errors only (Powertools writes
   * those to stderr), or POWERTOOLS_LOG_LEVEL.
   */
  logger?: Logger;
  /** Environment for the local stack (AWS_ENDPOINT_URL); default process.env. */
  env?: NodeJS.ProcessEnv;
  /** How often the maintenance pass runs (retention, compaction, cleanup); 0 turns it off. */
  maintenanceIntervalMs?: number;
  /**
   * The subscription dispatcher (lib/local/dispatch.ts): polls the partitions stream and
   * sweeps every second, as the deployed dispatcher function. false turns it off.
   */
  subscriptions?: LocalDispatcherOptions | false;
  /** Also serve the Kafka protocol on this port (same host); undefined: no gateway. */
  kafkaPort?: number;
}

export interface DevServer {
  url: string;
  port: number;
  /** The Kafka gateway's port, when one runs. */
  kafkaPort?: number;
  stack: LocalStack;
  /** Closes the HTTP server and its connections (long polls included), then the stack. */
  stop(): Promise<void>;
}

type Handler = (event: ReturnType<typeof buildV2Event>, context?: Context) => Promise<unknown>;

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1']);

export async function startDevServer(opts: DevServerOptions = {}): Promise<DevServer> {
  const port = opts.port ?? DEFAULT_DEV_PORT;
  const host = opts.host ?? '127.0.0.1';
  if (!LOOPBACK.has(host)) throw new Error(`The dev server listens on loopback only (127.0.0.1, localhost, ::1), not '${host}'.`);

  // Bind first: a port conflict should fail before we start any emulator.
  let handlers: Map<FunctionName, Handler> | undefined;
  const server = createServer((req, res) => {
    serve(req, res, handlers, opts.accessLog).catch((err) => {
      // serve() answers every request itself; this is a last resort that must not throw.
      try {
        if (!res.headersSent) sendError(res, internalError(err));
        else res.destroy();
      } catch {
        // the socket is gone
      }
    });
  });
  // `Expect: 100-continue` (curl does this for large bodies): refuse an oversized body
  // before the client sends it.
  server.on('checkContinue', (req, res) => {
    const declared = Number(req.headers['content-length']);
    if (Number.isFinite(declared) && declared > MAX_REQUEST_BYTES) {
      sendTooLarge(res, true);
      return;
    }
    res.writeContinue();
    server.emit('request', req, res);
  });
  server.on('clientError', (_err, socket) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
    else socket.destroy();
  });
  // Long polls may wait up to 20 s; do not let Node's default timeouts cut them.
  server.requestTimeout = 0;
  server.headersTimeout = 60_000;
  server.keepAliveTimeout = 5_000;
  await listen(server, port, host);

  let stack: LocalStack;
  try {
    stack = await startLocalStack({
      ...(opts.dataDir !== undefined ? { dataDir: opts.dataDir } : { dataDir: DEFAULT_DATA_DIR }),
      ...(opts.prefix !== undefined ? { prefix: opts.prefix } : {}),
      ...(opts.quiet !== undefined ? { quiet: opts.quiet } : {}),
      ...(opts.env ? { env: opts.env } : {}),
    });
  } catch (err) {
    await closeServer(server);
    throw err;
  }
  const log = new Log(stack.clients);
  const logger =
    opts.logger ??
    new Logger({
      serviceName: 'sluice-dev',
      logLevel: (process.env.POWERTOOLS_LOG_LEVEL || 'WARN') as 'WARN',
    });
  handlers = new Map(
    (Object.keys(FUNCTIONS) as FunctionName[]).map((fn) => [fn, createHandler(fn, { log, logger }) as unknown as Handler]),
  );

  // Listing every object for crash orphans is O(objects); released objects need no
  // listing. So only every ORPHAN_SCAN_EVERY-th pass scans (the first one included).
  let passes = 0;
  const maintenance = every(
    opts.maintenanceIntervalMs ?? DEFAULT_MAINTENANCE_INTERVAL_MS,
    async () => logMaintenance(logger, await runMaintenance(stack.clients, { orphanScan: passes++ % ORPHAN_SCAN_EVERY === 0 })),
    (err) => logger.warn('maintenance pass failed', { error: err as Error }),
  );

  const dispatch =
    opts.subscriptions === false
      ? undefined
      : startLocalDispatcher(stack, {
          logger: {
            info: (message, details) => logger.info(message, details ?? {}),
            warn: (message, details) => logger.warn(message, details ?? {}),
            error: (message, details) => logger.error(message, details ?? {}),
          },
          ...opts.subscriptions,
        });
  await dispatch?.poller.ready;

  const kafka =
    opts.kafkaPort === undefined
      ? undefined
      : await startGateway({ clients: stack.clients, log, port: opts.kafkaPort, host }).catch(async (err: unknown) => {
          await dispatch?.stop();
          await maintenance.stop();
          await closeServer(server);
          await stack.stop();
          throw err;
        });

  const address = server.address() as AddressInfo;
  const urlHost = address.family === 'IPv6' || address.address.includes(':') ? `[${address.address}]` : address.address;
  let stopping: Promise<void> | undefined;
  return {
    url: `http://${urlHost}:${address.port}`,
    port: address.port,
    ...(kafka ? { kafkaPort: kafka.port } : {}),
    stack,
    stop: () =>
      (stopping ??= (async () => {
        try {
          await kafka?.stop();
          await closeServer(server);
          await maintenance.stop();
          await dispatch?.stop();
        } finally {
          await stack.stop();
        }
      })()),
  };
}

function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException) => {
      server.off('listening', onListening);
      if (err.code === 'EADDRINUSE') {
        reject(new Error(`Port ${port} on ${host} is already in use — is another \`sluice dev\` running? Pick another with --port.`));
      } else reject(err);
    };
    const onListening = () => {
      server.off('error', onError);
      resolve();
    };
    server.once('error', onError);
    server.once('listening', onListening);
    server.listen(port, host);
  });
}

async function closeServer(server: Server): Promise<void> {
  if (!server.listening) return;
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeAllConnections();
  await closed;
}

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = Buffer.from(JSON.stringify(body));
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': String(text.length), ...headers });
  res.end(text);
}

function sendError(res: ServerResponse, err: SluiceError, headers: Record<string, string> = {}): void {
  const body = err.toJSON();
  if (err.retriable) (body.error as Record<string, unknown>).retriable = true;
  sendJson(res, err.status, body, headers);
}

function internalError(err: unknown): SluiceError {
  const e = new RequestTimedOutError(`The dev server failed to handle the request: ${(err as Error)?.message ?? String(err)}`);
  return e;
}

/** How much of an oversized body we read and throw away so the client sees our 413. */
const MAX_DISCARD_BYTES = 64 * 1024 * 1024;
const MAX_DISCARD_MS = 15_000;

function sendTooLarge(res: ServerResponse, close: boolean): void {
  if (res.headersSent || res.destroyed) return;
  const err = new MessageTooLargeError(`The request body is over the limit of ${MAX_REQUEST_BYTES} bytes.`, {
    maxRequestBytes: MAX_REQUEST_BYTES,
  });
  sendError(res, err, close ? { connection: 'close' } : {});
}

/**
 * Answers 413 for an oversized body. Most HTTP clients only read the response after
 * sending their whole body, so the rest is read and discarded (never buffered) before
 * answering; past a bound of bytes or time we answer anyway and hang up.
 */
function rejectOversized(req: IncomingMessage, res: ServerResponse): void {
  let discarded = 0;
  const giveUp = () => {
    cleanup();
    sendTooLarge(res, true);
    res.once('finish', () => req.socket.destroy());
  };
  const timer = setTimeout(giveUp, MAX_DISCARD_MS);
  const onData = (chunk: Buffer) => {
    discarded += chunk.length;
    if (discarded > MAX_DISCARD_BYTES) giveUp();
  };
  const onEnd = () => {
    cleanup();
    sendTooLarge(res, false);
  };
  const onGone = () => cleanup();
  const cleanup = () => {
    clearTimeout(timer);
    req.off('data', onData);
    req.off('end', onEnd);
    req.off('error', onGone);
    req.off('close', onGone);
    req.resume();
  };
  req.on('data', onData);
  req.once('end', onEnd);
  req.once('error', onGone);
  req.once('close', onGone);
  req.resume();
}

/** The body, or undefined after answering 413 when it is larger than the limit. */
async function readBody(req: IncomingMessage, res: ServerResponse): Promise<Buffer | undefined> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > MAX_REQUEST_BYTES) {
    rejectOversized(req, res);
    return undefined;
  }
  const chunks: Buffer[] = [];
  let size = 0;
  return new Promise((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_REQUEST_BYTES) {
        cleanup();
        chunks.length = 0;
        rejectOversized(req, res);
        resolve(undefined);
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => {
      cleanup();
      resolve(Buffer.concat(chunks, size));
    };
    const onError = (err: Error) => {
      cleanup();
      reject(err);
    };
    const onClose = () => {
      cleanup();
      reject(new Error('client went away'));
    };
    const cleanup = () => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
      req.off('close', onClose);
    };
    req.on('data', onData);
    req.once('end', onEnd);
    req.once('error', onError);
    req.once('close', onClose);
  });
}

function lambdaContext(fn: FunctionName, requestId: string): Context {
  const deadline = Date.now() + FUNCTIONS[fn].timeoutSeconds * 1000;
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName: `sluice-${fn}`,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:local:000000000000:function:sluice-${fn}`,
    memoryLimitInMB: String(FUNCTIONS[fn].memoryMb),
    awsRequestId: requestId,
    logGroupName: `/aws/lambda/sluice-${fn}`,
    logStreamName: 'local',
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => {},
    fail: () => {},
    succeed: () => {},
  };
}

async function serve(
  req: IncomingMessage,
  res: ServerResponse,
  handlers: Map<FunctionName, Handler> | undefined,
  accessLog: ((line: string) => void) | undefined,
): Promise<void> {
  const started = Date.now();
  const method = (req.method ?? 'GET').toUpperCase();
  let target = req.url ?? '/';
  // Absolute-form request targets ("GET http://host/path") are legal HTTP/1.1.
  if (!target.startsWith('/')) {
    try {
      const u = new URL(target);
      target = `${u.pathname}${u.search}`;
    } catch {
      target = '/';
    }
  }
  const q = target.indexOf('?');
  const rawPath = q < 0 ? target : target.slice(0, q);
  const rawQueryString = q < 0 ? '' : target.slice(q + 1);
  if (accessLog) res.once('finish', () => accessLog(`${method} ${target} ${res.statusCode} ${Date.now() - started}ms`));

  const match = matchRoute(method, rawPath);
  if (!match) {
    req.resume();
    sendError(res, new RouteNotFoundError(`No route for ${method} ${rawPath}.`));
    return;
  }
  if ('allowed' in match) {
    req.resume();
    sendError(res, new MethodNotAllowedError(`${method} is not allowed on ${rawPath}; allowed: ${match.allowed.join(', ')}.`, { allowed: match.allowed }), {
      allow: match.allowed.join(', '),
    });
    return;
  }
  if (!handlers) {
    req.resume();
    sendError(res, new RequestTimedOutError('The dev server is still starting; try again in a moment.', { retryAfterSeconds: 1 }), { 'retry-after': '1' });
    return;
  }
  let body: Buffer | undefined;
  try {
    body = await readBody(req, res);
  } catch {
    res.destroy();
    return;
  }
  if (body === undefined) return; // 413 already sent

  const { route, pathParameters } = match;
  const requestId = randomUUID();
  const event = buildV2Event({
    method,
    rawPath,
    rawQueryString,
    headers: req.headers,
    body,
    routeKey: routeKey(route),
    pathParameters,
    sourceIp: req.socket.remoteAddress ?? '127.0.0.1',
    requestId,
  });
  const handler = handlers.get(route.fn)!;
  // API Gateway gives up on an integration after 30 s; so do we.
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), (FUNCTIONS[route.fn].timeoutSeconds + 1) * 1000);
  });
  let result: unknown;
  try {
    result = await Promise.race([handler(event, lambdaContext(route.fn, requestId)), timeout]);
  } catch (err) {
    result = undefined;
    if (!res.destroyed) sendError(res, internalError(err));
    return;
  } finally {
    clearTimeout(timer);
  }
  if (res.destroyed || res.writableEnded) return; // the client left (or we are stopping)
  if (result === 'timeout') {
    sendError(res, new RequestTimedOutError(`The ${route.fn} function timed out.`, { retryAfterSeconds: 1 }), { 'retry-after': '1' });
    return;
  }
  const http = resultToHttp(result as Parameters<typeof resultToHttp>[0]);
  const headers: Record<string, string> = { ...http.headers, 'content-length': String(http.body.length) };
  delete headers['transfer-encoding'];
  if (http.status === 204 || http.status === 304) delete headers['content-length'];
  res.writeHead(http.status, headers);
  res.end(method === 'HEAD' ? undefined : http.body);
}
