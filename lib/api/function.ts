// createFunctionHandler: the Lambda handler of one function of the route table, serving
// the operations it is given and, unless given one, a Log over the storage named by the
// environment, built once per container on first use (cold start).
//
// Each functions/<fn>.ts hands it its own operations module and nothing else, so a
// function's bundle carries neither the other functions' operations nor what they import
// (see test/unit/api/bundle.test.ts). handler.ts builds on it with every function's
// operations, for the local dev server and tests.
//
// This module pulls in the whole log and with it the DynamoDB and S3 clients. Functions
// needing less are built from lambda.ts directly: health needs no storage at all
// (functions/health.ts); admin and subscriptions need DynamoDB only (functions/admin.ts,
// functions/subscriptions.ts).
import type { Logger } from '@aws-lambda-powertools/logger';
import { Log } from '../log/index.ts';
import { createStorageClients, storageConfigFromEnv } from '../storage/clients.ts';
import { createLambdaHandler, type ApiHandler, type LogSource, type Operations } from './lambda.ts';
import type { FunctionName } from './routes.ts';

export interface FunctionHandlerDeps {
  /** The log to serve from, or a factory (called once, on first use). */
  log?: LogSource;
  logger?: Logger;
  /** EMF metrics; default: only inside Lambda. */
  metrics?: boolean;
}

let envLog: Log | undefined;

/** The container's log over the storage named by the environment. */
export function logFromEnv(): Log {
  return (envLog ??= new Log(createStorageClients(storageConfigFromEnv())));
}

export function createFunctionHandler(fn: FunctionName, operations: Operations, deps: FunctionHandlerDeps = {}): ApiHandler {
  return createLambdaHandler({
    fn,
    operations,
    log: deps.log ?? logFromEnv,
    ...(deps.logger ? { logger: deps.logger } : {}),
    ...(deps.metrics !== undefined ? { metrics: deps.metrics } : {}),
  });
}
