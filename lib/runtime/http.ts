// The HTTP adapter: API Gateway's events (HTTP API v2, REST API v1) in, proxy results out.
// An event is normalized and routed by the route table, the operation of this function
// runs, and every outcome becomes a proxy result: SluiceErrors with their status and body
// (plus Retry-After when retriable), anything else a logged 500 that leaks nothing. One
// structured log line per request; EMF metrics only inside Lambda.
//
// Each functions/<fn>.ts hands it its own operations module and the storage it needs, and
// nothing else, so a function's bundle carries neither the other functions' operations
// nor what they import (test/unit/api/bundle.test.ts). This module imports no AWS SDK: the
// health function is built from it alone.
import type { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { isSluiceError, RouteNotFoundError } from '../core/errors.ts';
import {
  decodeBody,
  normalizeEvent,
  resolveRoute,
  toResult,
  type ApiGatewayEvent,
  type ApiGatewayResult,
  type ApiRequest,
  type ApiResponse,
} from '../api/http.ts';
import { errorResponse, type Operations } from '../api/operation.ts';
import type { FunctionName } from '../api/routes.ts';
import type { Log } from '../log/index.ts';
import type { InvocationContext } from './events.ts';
import { createLogger } from './logger.ts';

/** A Log, or a function returning one (called once, lazily). */
export type LogSource<L = Log> = L | (() => L | Promise<L>);

export interface HttpHandlerOptions<L = Log> {
  fn: FunctionName;
  operations: Operations<L>;
  /** What the operations are served from; without it, an operation asking for it fails (500). */
  log?: LogSource<L>;
  /** Defaults to a Powertools logger, silent under vitest unless POWERTOOLS_LOG_LEVEL says otherwise. */
  logger?: Logger;
  /** EMF metrics; default: on inside Lambda (AWS_LAMBDA_FUNCTION_NAME set), off elsewhere. */
  metrics?: boolean;
}

export type ApiHandler = (event: ApiGatewayEvent, context?: InvocationContext) => Promise<ApiGatewayResult>;

const UNKNOWN_SERVER_ERROR = 'UNKNOWN_SERVER_ERROR';

/**
 * A Lambda handler serving the routes of `fn` with the given operations. A route of
 * another function reaching it answers 404, as does any route without an operation.
 */
export function createHttpHandler<L = Log>(opts: HttpHandlerOptions<L>): ApiHandler {
  const logger = opts.logger ?? createLogger(`sluice-${opts.fn}`);
  const metrics =
    (opts.metrics ?? Boolean(process.env.AWS_LAMBDA_FUNCTION_NAME))
      ? new Metrics({
          namespace: process.env.POWERTOOLS_METRICS_NAMESPACE || 'Sluice',
          serviceName: process.env.POWERTOOLS_SERVICE_NAME || 'sluice',
          defaultDimensions: { function: opts.fn },
        })
      : undefined;
  const log = memoLog(opts.log);
  let coldStart = true;

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
      response = await op(req, { log, remainingMs: () => context?.getRemainingTimeInMillis?.(), logger });
    } catch (err) {
      failure = err;
      // Anything but a SluiceError is logged in full and answered without a detail.
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
    record({ operation, status: response.status, durationMs: Date.now() - started, requestId, coldStart }, failure, logger, metrics);
    coldStart = false;
    return result;
  };
}

type RequestLine = {
  operation: string;
  status: number;
  durationMs: number;
  requestId: string | undefined;
  coldStart: boolean;
};

/** One log line per request, and the request's metrics when they are on. */
function record(line: RequestLine, failure: unknown, logger: Logger, metrics: Metrics | undefined): void {
  const { status } = line;
  if (status >= 500) {
    logger.error('request failed', { ...line, error: failure as Error });
  } else if (failure && isSluiceError(failure)) {
    logger.info('request rejected', { ...line, code: failure.code, reason: failure.message });
  } else {
    logger.info('request', line);
  }
  if (!metrics) return;
  try {
    metrics.addDimension('operation', line.operation);
    metrics.addMetric('Requests', MetricUnit.Count, 1);
    metrics.addMetric('ClientErrors', MetricUnit.Count, status >= 400 && status < 500 ? 1 : 0);
    metrics.addMetric('ServerErrors', MetricUnit.Count, status >= 500 ? 1 : 0);
    metrics.addMetric('Latency', MetricUnit.Milliseconds, line.durationMs);
    metrics.publishStoredMetrics();
  } catch (err) {
    logger.warn('metrics failed', { error: err as Error });
  }
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
