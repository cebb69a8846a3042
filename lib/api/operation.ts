// The contract between the route table and the code behind it: what an operation is
// handed (the request, its storage, the time left, a logger), what it answers, and how
// an error is answered. Free of Lambda: the adapter that calls operations lives in
// lib/runtime/http.ts, and every module of operations/ is typed by this one.
import type { Logger } from '@aws-lambda-powertools/logger';
import { MethodNotAllowedError, retryAfterSeconds, type SluiceError } from '../core/errors.ts';
import type { Log } from '../log/index.ts';
import type { ApiRequest, ApiResponse } from './http.ts';

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
