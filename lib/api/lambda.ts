// The Lambda side of the API, without any operation or storage code: an event comes in,
// is normalized and routed, the operation of this function runs, and every outcome
// becomes a proxy result: SluiceErrors with their status and body (plus Retry-After when
// retriable), anything else a logged 500 that leaks nothing. One structured log line per
// request; EMF metrics only inside Lambda.
//
// This module imports no AWS SDK: the health function is built from it alone, and the
// storage-backed functions hand it a Log factory (see function.ts), or a factory of the
// part of it they need (functions/admin.ts, functions/subscriptions.ts).
import type { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { Context } from 'aws-lambda';
import type { Log } from '../log/index.ts';
import { isSluiceError, MethodNotAllowedError, retryAfterSeconds, RouteNotFoundError, type SluiceError } from '../core/errors.ts';
import {
  decodeBody,
  normalizeEvent,
  resolveRoute,
  toResult,
  type ApiGatewayEvent,
  type ApiGatewayResult,
  type ApiRequest,
  type ApiResponse,
} from './http.ts';
import { createLogger } from './logger.ts';
import type { FunctionName } from './routes.ts';

export { createLogger };

/**
 * What an operation is handed. `L` is what it needs of storage: the Log by default; an
 * operation needing less says so (`Pick<Log, 'topics'>`, ...), so that its function can
 * be deployed without the rest of the Log (and without an S3 client).
 */
export interface OperationContext<L = Log> {
  /** The log, built on first use (cold start) and shared by later requests. */
  log(): Promise<L>;
  /** Milliseconds before Lambda stops this invocation, when known. */
  remainingMs(): number | undefined;
  logger: Logger;
}

export type Operation<L = Log> = (req: ApiRequest, ctx: OperationContext<L>) => Promise<ApiResponse>;
/** Operation id (routes.ts `operation`) → implementation. */
export type Operations<L = Log> = Readonly<Record<string, Operation<L>>>;

/** A Log, or a function returning one (called once, lazily). */
export type LogSource<L = Log> = L | (() => L | Promise<L>);

export interface LambdaHandlerOptions<L = Log> {
  fn: FunctionName;
  operations: Operations<L>;
  log?: LogSource<L>;
  /** Defaults to a Powertools logger, silent under vitest unless POWERTOOLS_LOG_LEVEL says otherwise. */
  logger?: Logger;
  /** EMF metrics; default: on inside Lambda (AWS_LAMBDA_FUNCTION_NAME set), off elsewhere. */
  metrics?: boolean;
}

export type ApiHandler = (event: ApiGatewayEvent, context?: Context) => Promise<ApiGatewayResult>;

const UNKNOWN_SERVER_ERROR = 'UNKNOWN_SERVER_ERROR';

function createMetrics(fn: FunctionName, enabled: boolean | undefined): Metrics | undefined {
  if (!(enabled ?? Boolean(process.env.AWS_LAMBDA_FUNCTION_NAME))) return undefined;
  return new Metrics({
    namespace: process.env.POWERTOOLS_METRICS_NAMESPACE || 'Sluice',
    serviceName: process.env.POWERTOOLS_SERVICE_NAME || 'sluice',
    defaultDimensions: { function: fn },
  });
}

/** The error as response: its status and body; Retry-After (and `retriable`) when it may be retried. */
export function errorResponse(err: SluiceError): ApiResponse {
  const headers: Record<string, string> = {};
  const retryAfter = retryAfterSeconds(err);
  if (retryAfter !== undefined) headers['Retry-After'] = String(Math.max(0, Math.ceil(retryAfter)));
  if (err instanceof MethodNotAllowedError && Array.isArray(err.details.allowed)) {
    headers.Allow = (err.details.allowed as string[]).join(', ');
  }
  const body = err.toJSON();
  if (err.retriable) body.error.retriable = true;
  return { status: err.status, headers, body };
}

function memoLog<L>(source: LogSource<L> | undefined): () => Promise<L> {
  let pending: Promise<L> | undefined;
  return () => {
    if (!source) return Promise.reject(new Error('This function has no log: it was created without storage.'));
    if (pending) return pending;
    pending = Promise.resolve()
      .then(() => (typeof source === 'function' ? (source as () => L | Promise<L>)() : source))
      .catch((err: unknown) => {
        pending = undefined; // a failed cold start is retried by the next request
        throw err;
      });
    return pending;
  };
}

/**
 * A Lambda handler serving the routes of `fn` with the given operations. A route of
 * another function reaching it answers 404, as does any route without an operation.
 */
export function createLambdaHandler<L = Log>(opts: LambdaHandlerOptions<L>): ApiHandler {
  const logger = opts.logger ?? createLogger(`sluice-${opts.fn}`);
  const metrics = createMetrics(opts.fn, opts.metrics);
  let coldStart = true;
  const getLog = memoLog(opts.log);

  return async (event, context) => {
    const started = Date.now();
    let operation = 'unrouted';
    let response: ApiResponse;
    let requestId: string | undefined;
    let failure: unknown;
    try {
      const raw = normalizeEvent(event);
      requestId = context?.awsRequestId ?? raw.requestId;
      const { route, pathParameters } = resolveRoute(raw);
      const op = route.fn === opts.fn ? opts.operations[route.operation] : undefined;
      if (!op) throw new RouteNotFoundError(`No route for ${raw.method} ${raw.path} here.`);
      operation = route.operation;
      const req: ApiRequest = {
        format: raw.format,
        method: raw.method,
        path: raw.path,
        route,
        pathParameters,
        query: raw.query,
        headers: raw.headers,
        body: decodeBody(raw),
        requestId: raw.requestId,
      };
      response = await op(req, {
        log: getLog,
        remainingMs: () => (context?.getRemainingTimeInMillis ? context.getRemainingTimeInMillis() : undefined),
        logger,
      });
    } catch (err) {
      failure = err;
      response = isSluiceError(err)
        ? errorResponse(err)
        : {
            status: 500,
            body: {
              error: {
                code: UNKNOWN_SERVER_ERROR,
                message: `Internal server error${requestId ? ` (request ${requestId})` : ''}; it has been logged.`,
              },
            },
          };
    }

    let result: ApiGatewayResult;
    try {
      result = toResult(response);
    } catch (err) {
      failure = err;
      response = { status: 500, body: { error: { code: UNKNOWN_SERVER_ERROR, message: 'Could not encode the response.' } } };
      result = toResult(response);
    }

    const durationMs = Date.now() - started;
    const line = { operation, status: response.status, durationMs, requestId, coldStart };
    if (response.status >= 500) {
      logger.error('request failed', { ...line, error: failure as Error });
    } else if (failure && isSluiceError(failure)) {
      logger.info('request rejected', { ...line, code: failure.code, reason: failure.message });
    } else {
      logger.info('request', line);
    }
    if (metrics) {
      try {
        metrics.addDimension('operation', operation);
        metrics.addMetric('Requests', MetricUnit.Count, 1);
        metrics.addMetric('ClientErrors', MetricUnit.Count, response.status >= 400 && response.status < 500 ? 1 : 0);
        metrics.addMetric('ServerErrors', MetricUnit.Count, response.status >= 500 ? 1 : 0);
        metrics.addMetric('Latency', MetricUnit.Milliseconds, durationMs);
        metrics.publishStoredMetrics();
      } catch (err) {
        logger.warn('metrics failed', { error: err as Error });
      }
    }
    coldStart = false;
    return result;
  };
}
