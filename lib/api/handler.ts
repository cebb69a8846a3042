// createHandler: the Lambda handler of one function of the route table with that
// function's operations from the full map (OPERATIONS), and createApiHandler: one handler
// for every route. For the local dev server and tests. Deployed functions are built from
// function.ts with their own operations module only (functions/*.ts), so that a bundle
// does not carry every function's code.
import type { ApiHandler, Operations } from './lambda.ts';
import { createFunctionHandler, logFromEnv, type FunctionHandlerDeps } from './function.ts';
import { normalizeEvent, type ApiGatewayEvent } from './http.ts';
import { OPERATIONS } from './operations/index.ts';
import { matchRoute, ROUTES, routeKey, type FunctionName } from './routes.ts';

export { logFromEnv, OPERATIONS };

export interface HandlerDeps extends FunctionHandlerDeps {
  /** Override the operations (tests, fault injection). */
  operations?: Operations;
}

export function createHandler(fn: FunctionName, deps: HandlerDeps = {}): ApiHandler {
  const { operations, ...rest } = deps;
  return createFunctionHandler(fn, operations ?? OPERATIONS[fn], rest);
}

/**
 * One handler for every route, dispatching each event to its function's handler as API
 * Gateway would (by route key, else by method and path). Unknown paths and methods are
 * answered 404 / 405 by the health handler, which resolves routes like any other. For
 * the local dev server and tests; deployed, each function has its own Lambda.
 */
export function createApiHandler(deps: Omit<HandlerDeps, 'operations'> = {}): ApiHandler & { handlers: Record<FunctionName, ApiHandler> } {
  const handlers = Object.fromEntries(
    (Object.keys(OPERATIONS) as FunctionName[]).map((fn) => [fn, createHandler(fn, deps)]),
  ) as Record<FunctionName, ApiHandler>;
  const byKey = new Map(ROUTES.map((r) => [routeKey(r), r.fn]));
  const dispatch = (event: ApiGatewayEvent, context?: Parameters<ApiHandler>[1]) => {
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
