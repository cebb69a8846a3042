// createHandler: the Lambda handler of one function of the route table, with every
// operation available and, unless given one, a Log over the storage named by the
// environment, built once per container on first use (cold start).
//
// This module pulls in the log and with it the AWS SDK. The health function needs
// neither and is built from lambda.ts directly (see functions/health.ts).
import { Log } from '../log/index.ts';
import { createStorageClients, storageConfigFromEnv } from '../storage/clients.ts';
import { createLambdaHandler, type ApiHandler, type LogSource, type Operations } from './lambda.ts';
import { fetchOperations } from './operations/fetch.ts';
import { groupOperations } from './operations/groups.ts';
import { healthOperations } from './operations/health.ts';
import { maintenanceOperations } from './operations/maintenance.ts';
import { produceOperations } from './operations/produce.ts';
import { subscriptionOperations } from './operations/subscriptions.ts';
import { topicOperations } from './operations/topics.ts';
import type { Logger } from '@aws-lambda-powertools/logger';
import { normalizeEvent, type ApiGatewayEvent } from './http.ts';
import { matchRoute, ROUTES, routeKey, type FunctionName } from './routes.ts';

/** Each function's operations, by operation id of the route table. */
export const OPERATIONS: Record<FunctionName, Operations> = {
  admin: topicOperations,
  produce: produceOperations,
  fetch: fetchOperations,
  groups: groupOperations,
  health: healthOperations,
  maintenance: maintenanceOperations,
  subscriptions: subscriptionOperations,
  // No HTTP routes: driven by the partitions stream and a schedule (functions/dispatcher.ts).
  // Its API handler answers every request 404, like any function reached by another's route.
  dispatcher: {},
};

export interface HandlerDeps {
  /** The log to serve from, or a factory (called once, on first use). */
  log?: LogSource;
  logger?: Logger;
  /** EMF metrics; default: only inside Lambda. */
  metrics?: boolean;
  /** Override the operations (tests, fault injection). */
  operations?: Operations;
}

let envLog: Log | undefined;

/** The container's log over the storage named by the environment. */
export function logFromEnv(): Log {
  return (envLog ??= new Log(createStorageClients(storageConfigFromEnv())));
}

export function createHandler(fn: FunctionName, deps: HandlerDeps = {}): ApiHandler {
  return createLambdaHandler({
    fn,
    operations: deps.operations ?? OPERATIONS[fn],
    log: deps.log ?? logFromEnv,
    ...(deps.logger ? { logger: deps.logger } : {}),
    ...(deps.metrics !== undefined ? { metrics: deps.metrics } : {}),
  });
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
