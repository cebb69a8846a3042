// The local dev server: the same route table and Lambda handlers as the deployed API,
// served over plain HTTP on loopback, on top of the local stack (DynamoDB Local + s3rver,
// or LocalStack when AWS_ENDPOINT_URL is set). Each request becomes the API Gateway HTTP
// API (payload v2) event the handler would get in AWS, so what works here works there.
//
// Exposure: it listens on a loopback address only, answers only requests addressed to
// that address and port, and refuses what web pages could send it through a browser
// (requestGuard.ts); slow clients are cut off by timeouts (HttpTimeouts); module targets
// and topology modules (lib/local/processors.ts) are imported only from the directories
// it was started with (moduleDirs). The Kafka
// gateway, when asked for (kafkaPort), listens on the same loopback address; a browser's
// HTTP request to it is not a Kafka frame (its first bytes read as a size over the
// gateway's frame limit) and only closes the connection. Push connections (lib/local/push.ts)
// are served on the same port, behind the same guard.
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Logger } from '@aws-lambda-powertools/logger';
import type { Context } from 'aws-lambda';
import { createHandler } from './apiGateway.ts';
import { isConsolePath, serveConsole } from '../console/server/assets.ts';
import { MethodNotAllowedError, RouteNotFoundError, RequestTimedOutError } from '../core/errors.ts';
import { buildV2Event, MAX_REQUEST_BYTES, resultToHttp } from '../api/http.ts';
import type { Operations } from '../api/operation.ts';
import { useGroups } from '../api/operations/groups.ts';
import { healthOperationsFor } from '../api/operations/health.ts';
import { connectorOperationsFor } from '../api/operations/connectors.ts';
import { subscriptionOperationsFor } from '../api/operations/subscriptions.ts';
import { processorOperationsFor } from '../api/operations/processors.ts';
import { PUSH } from '../core/push.ts';
import { handlePush } from '../push/handler.ts';
import type { ConnectionPoster } from '../push/poster.ts';
import { pushSessions, type SessionDeps } from '../push/sessions.ts';
import { createWebSocketHandler } from '../runtime/websocket.ts';
import { FUNCTIONS, matchRoute, routeKey, type FunctionName, type RouteMatch } from '../api/routes.ts';
import { startGateway } from '../gateway/index.ts';
import { Log } from '../log/index.ts';
import { scheduledMaintenance } from '../log/maintenance/index.ts';
import { closeServer, internalError, listen, readBody, sendError, sendTooLarge, splitTarget } from './devHttp.ts';
import { localAwsConnectors } from './connectorClients.ts';
import { startLocalConnectors, type LocalConnectorRegistry, type LocalConnectors, type LocalConnectorsOptions } from './connectors.ts';
import { startLocalDispatcher, type LocalDispatcherOptions } from './dispatch.ts';
import { LocalProcessors, type LocalProcessorsOptions } from './processors.ts';
import { attachPush, type LocalPush } from './push.ts';
import { allowedHosts, refusal } from './requestGuard.ts';
import { realModuleDirs } from '../core/modulePaths.ts';

export { realModuleDirs };
import { startLocalStack, type LocalStack } from './stack.ts';
import type { StorageTap } from './taps.ts';
import { every, logMaintenance } from './timers.ts';

export const DEFAULT_DEV_PORT = 9192;
export const DEFAULT_DATA_DIR = '.sluice';
export const DEFAULT_MAINTENANCE_INTERVAL_MS = 60_000;

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
  /** Connectors (lib/local/connectors.ts): sinks in the dispatcher, sources on a timer. */
  connectors?: LocalConnectorsOptions;
  /** Processors run from modules (lib/local/processors.ts): on head moves and a timer. */
  processors?: LocalProcessorsOptions;
  /**
   * Directories module targets may live in (after resolving symbolic links), checked when
   * a subscription is created and again before its module is imported. Default: the
   * working directory.
   */
  moduleDirs?: readonly string[];
  /** HTTP timeouts (defaults: HTTP_TIMEOUTS). */
  timeouts?: Partial<HttpTimeouts>;
  /** Taps on the storage clients the handlers use (lib/local/taps.ts). */
  taps?: readonly StorageTap[];
  /** Also serve the Kafka protocol on this port (same host); undefined: no gateway. */
  kafkaPort?: number;
}

/**
 * How long a client may take, so that slow or stalled clients cannot hold connections:
 * to send its headers, to send its whole request (body included; the answer may then
 * take as long as the function needs, long polls included), and to send the next
 * request on a kept-alive connection.
 */
export interface HttpTimeouts {
  headersMs: number;
  requestMs: number;
  keepAliveMs: number;
}

export const HTTP_TIMEOUTS: HttpTimeouts = { headersMs: 10_000, requestMs: 30_000, keepAliveMs: 5_000 };
/** A connection with no traffic either way for this long is closed: above every function's timeout. */
const IDLE_SOCKET_MS = (Math.max(...Object.values(FUNCTIONS).map((f) => f.timeoutSeconds)) + 60) * 1000;

export interface DevServer {
  url: string;
  port: number;
  /** The Kafka gateway's port, when one runs. */
  kafkaPort?: number;
  stack: LocalStack;
  /** Its push endpoint (lib/local/push.ts). */
  push: LocalPush;
  /** The processors it runs from modules (`sluice processors run`). */
  processors: LocalProcessors;
  /** Closes the HTTP server and its connections (long polls included), then the stack. */
  stop(): Promise<void>;
}

type Handler = (event: ReturnType<typeof buildV2Event>, context?: Context) => Promise<unknown>;

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1']);

export async function startDevServer(opts: DevServerOptions = {}): Promise<DevServer> {
  const port = opts.port ?? DEFAULT_DEV_PORT;
  const host = opts.host ?? '127.0.0.1';
  if (!LOOPBACK.has(host)) throw new Error(`The dev server listens on loopback only (127.0.0.1, localhost, ::1), not '${host}'.`);
  const moduleDirs = realModuleDirs(opts.moduleDirs ?? [process.cwd()]);

  // Bind first: a port conflict should fail before we start any emulator.
  let handlers: Map<FunctionName, Handler> | undefined;
  let pushHandler: ReturnType<typeof createWebSocketHandler> | undefined;
  const server = createHttpServer({ ...HTTP_TIMEOUTS, ...opts.timeouts }, (req, res) => serve(req, res, handlers, opts.accessLog));
  // The push WebSocket API's protocol on PUSH.localPath (lib/local/push.ts).
  const push = attachPush(server, { handler: () => pushHandler, ...(opts.accessLog ? { accessLog: opts.accessLog } : {}) });
  await listen(server, port, host);

  let stack: LocalStack;
  try {
    stack = await startLocalStack({
      ...(opts.dataDir !== undefined ? { dataDir: opts.dataDir } : { dataDir: DEFAULT_DATA_DIR }),
      ...(opts.prefix !== undefined ? { prefix: opts.prefix } : {}),
      ...(opts.quiet !== undefined ? { quiet: opts.quiet } : {}),
      ...(opts.env ? { env: opts.env } : {}),
      ...(opts.taps ? { taps: opts.taps } : {}),
    });
  } catch (err) {
    await push.close();
    await closeServer(server);
    throw err;
  }
  const log = new Log(stack.clients);
  const logger = opts.logger ?? new Logger({ serviceName: 'sluice-dev', logLevel: (process.env.POWERTOOLS_LOG_LEVEL || 'WARN') as 'WARN' });
  // Group changes reach the members push connections hold, as deployed (lib/push/sessions.ts).
  const sessions = pushSessions(log, push.poster, { warn: (message, details) => logger.warn(message, details) });
  const registry: LocalConnectorRegistry = { moduleDirs, plugins: localAwsConnectors(stack.config, opts.env ?? process.env) };
  const processors = new LocalProcessors(log, logger, moduleDirs, opts.processors);
  handlers = functionHandlers(log, logger, registry, sessions, processors);
  pushHandler = createWebSocketHandler('push', (event) => handlePush(event, { ...sessions, logger }), logger);
  const connectors = startLocalConnectors(log, logger, registry, opts.connectors);
  const { maintenance, dispatch } = await startBackground(stack, logger, moduleDirs, opts, { poster: push.poster, connectors, processors });
  await processors.resume();

  // What runs beside the requests, stopped in this order (the stack last, always).
  const background = async () => {
    try {
      await push.close();
      await closeServer(server);
      await maintenance.stop();
      await dispatch?.stop();
      await connectors.stop();
      await processors.stop();
    } finally {
      await stack.stop();
    }
  };
  const kafka =
    opts.kafkaPort === undefined
      ? undefined
      : await startGateway({ clients: stack.clients, log, port: opts.kafkaPort, host }).catch(async (err: unknown) => {
          await background();
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
    push,
    processors,
    stop: () => (stopping ??= Promise.resolve(kafka?.stop()).finally(background)),
  };
}

/**
 * Every function of the route table, as the dev server invokes it: groups served by the
 * push sessions' Groups (its changes are told to held members), GET /v1/push naming this
 * server's own endpoint, connectors validated as the dev server runs them.
 */
function functionHandlers(log: Log, logger: Logger, registry: LocalConnectorRegistry, sessions: SessionDeps, processors: LocalProcessors): Map<FunctionName, Handler> {
  useGroups(log, sessions.groups);
  const overrides: Partial<Record<FunctionName, Operations>> = {
    subscriptions: subscriptionOperationsFor({ moduleDirs: registry.moduleDirs }),
    connectors: connectorOperationsFor({ deployed: false, ...registry }),
    processors: processorOperationsFor(processors),
    health: healthOperationsFor((hostHeader) => (hostHeader ? `ws://${hostHeader}${PUSH.localPath}` : null)),
  };
  return new Map(
    (Object.keys(FUNCTIONS) as FunctionName[]).map((fn) => [
      fn,
      createHandler(fn, { log, logger, ...(overrides[fn] ? { operations: overrides[fn] } : {}) }) as unknown as Handler,
    ]),
  );
}

/**
 * What runs beside the requests: the maintenance schedule, and the subscriptions'
 * dispatcher (once it polls), which also tells push connections of moved heads and
 * delivers to sink connectors.
 */
async function startBackground(
  stack: LocalStack,
  logger: Logger,
  moduleDirs: string[],
  opts: DevServerOptions,
  with_: { poster: ConnectionPoster; connectors: LocalConnectors; processors: LocalProcessors },
) {
  const { poster, connectors, processors } = with_;
  // The deployed schedule's passes, with its orphan-scan policy (lib/log/maintenance/schedule.ts).
  const maintenance = every(
    opts.maintenanceIntervalMs ?? DEFAULT_MAINTENANCE_INTERVAL_MS,
    async (pass) => logMaintenance(logger, await scheduledMaintenance(stack.clients, pass)),
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
          moduleDirs,
          notices: () => ({ clients: stack.clients, poster }),
          onHeads: () => processors.kick(),
          ...opts.subscriptions,
          dispatcher: { ...opts.subscriptions?.dispatcher, kinds: [connectors.runtime.sinkKind] },
        });
  await dispatch?.poller.ready;
  return { maintenance, dispatch };
}

/** The HTTP server, with the timeouts that keep slow or stalled clients from holding it. */
function createHttpServer(timeouts: HttpTimeouts, handle: (req: IncomingMessage, res: ServerResponse) => Promise<void>): Server {
  const server = createServer(
    {
      headersTimeout: timeouts.headersMs,
      requestTimeout: timeouts.requestMs,
      // How often those two are checked; Node's default (30 s) would let them overrun.
      connectionsCheckingInterval: Math.max(10, Math.min(1_000, Math.floor(timeouts.headersMs / 2))),
    },
    (req, res) => {
      handle(req, res).catch((err) => {
        // serve() answers every request itself; this is a last resort that must not throw.
        try {
          if (!res.headersSent) sendError(res, internalError(err));
          else res.destroy();
        } catch {
          // the socket is gone
        }
      });
    },
  );
  server.keepAliveTimeout = timeouts.keepAliveMs;
  server.timeout = IDLE_SOCKET_MS;
  // `Expect: 100-continue` (curl does this for large bodies): refuse a request we would
  // refuse anyway, or an oversized body, before the client sends it.
  server.on('checkContinue', (req, res) => {
    const declared = Number(req.headers['content-length']);
    if (!admitted(req, res)) return;
    if (Number.isFinite(declared) && declared > MAX_REQUEST_BYTES) {
      sendTooLarge(res, true);
      return;
    }
    res.writeContinue();
    server.emit('request', req, res);
  });
  server.on('clientError', (err: NodeJS.ErrnoException, socket) => {
    const status = err.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? '408 Request Timeout' : '400 Bad Request';
    if (socket.writable) socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
    else socket.destroy();
  });
  return server;
}

/** Answers and returns false when the request guard (requestGuard.ts) refuses `req`. */
function admitted(req: IncomingMessage, res: ServerResponse): boolean {
  const refused = refusal({ headers: req.headers, url: req.url ?? '/' }, allowedHosts(req.socket.localPort ?? 0));
  if (!refused) return true;
  req.resume();
  sendError(res, refused, { connection: 'close' });
  return false;
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
  const { target, rawPath, rawQueryString } = splitTarget(req.url ?? '/');
  if (accessLog) res.once('finish', () => accessLog(`${method} ${target} ${res.statusCode} ${Date.now() - started}ms`));
  if (!admitted(req, res)) return;

  // The web console (lib/console): its page and assets, same origin as the API it calls.
  if (isConsolePath(rawPath)) return serveConsole(req, res, rawPath);
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

  await invoke(res, handlers.get(match.route.fn)!, { method, rawPath, rawQueryString, headers: req.headers, body, sourceIp: req.socket.remoteAddress ?? '127.0.0.1' }, match);
}

/** One request to its function, as API Gateway's HTTP API invokes it (payload 2.0, a 30 s limit). */
async function invoke(
  res: ServerResponse,
  handler: Handler,
  request: { method: string; rawPath: string; rawQueryString: string; headers: IncomingMessage['headers']; body: Buffer; sourceIp: string },
  match: RouteMatch,
): Promise<void> {
  const { route, pathParameters } = match;
  const { method, rawPath, rawQueryString, headers: requestHeaders, body, sourceIp } = request;
  const requestId = randomUUID();
  const event = buildV2Event({
    method,
    rawPath,
    rawQueryString,
    headers: requestHeaders,
    body,
    routeKey: routeKey(route),
    pathParameters,
    sourceIp,
    requestId,
  });
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
