// API Gateway's part, for the dev server and tests: each function of the route table as
// its Lambda handler (the HTTP adapter, lib/runtime/http.ts) with that function's
// operations from the full map (OPERATIONS), and one handler for every route that hands
// each event to its function as API Gateway would. Deployed, each function has its own
// Lambda built from its own operations module only (functions/*.ts).
import type { Logger } from '@aws-lambda-powertools/logger';
import { normalizeEvent, type ApiGatewayEvent } from '../api/http.ts';
import type { Operations } from '../api/operation.ts';
import { OPERATIONS } from '../api/operations/index.ts';
import { matchRoute, ROUTES, routeKey, type FunctionName } from '../api/routes.ts';
import type { InvocationContext } from '../runtime/events.ts';
import { createHttpHandler, type ApiHandler, type LogSource } from '../runtime/http.ts';
import { logFromEnv } from '../runtime/storage.ts';

export interface HandlerDeps {
  /** The log to serve from, or a factory (called once, on first use); default: from the environment. */
  log?: LogSource;
  logger?: Logger;
  /** EMF metrics; default: only inside Lambda. */
  metrics?: boolean;
  /** Override the operations (tests, fault injection). */
  operations?: Operations;
}

/** The Lambda handler of one function, with its operations from OPERATIONS. */
export function createHandler(fn: FunctionName, deps: HandlerDeps = {}): ApiHandler {
  const { operations, log, ...rest } = deps;
  return createHttpHandler({ fn, operations: operations ?? OPERATIONS[fn], log: log ?? logFromEnv, ...rest });
}

/**
 * One handler for every route, dispatching each event to its function's handler as API
 * Gateway would (by route key, else by method and path). Unknown paths and methods are
 * answered 404 / 405 by the health handler, which resolves routes like any other.
 */
export function createApiHandler(deps: Omit<HandlerDeps, 'operations'> = {}): ApiHandler & { handlers: Record<FunctionName, ApiHandler> } {
  const handlers = Object.fromEntries(
    (Object.keys(OPERATIONS) as FunctionName[]).map((fn) => [fn, createHandler(fn, deps)]),
  ) as Record<FunctionName, ApiHandler>;
  const byKey = new Map(ROUTES.map((r) => [routeKey(r), r.fn]));
  const dispatch = (event: ApiGatewayEvent, context?: InvocationContext) => {
    const raw = normalizeEvent(event);
    let fn = raw.routeKey ? byKey.get(raw.routeKey) : undefined;
    if (!fn) {
      const m = matchRoute(raw.method, raw.path);
      fn = m && 'route' in m ? m.route.fn : 'health';
    }
    return handlers[fn](event, context);
  };
  return Object.assign(dispatch, { handlers });
}
