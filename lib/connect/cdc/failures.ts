// How a source's upstream failure reaches the runtime. A failure the service may clear by
// itself (no answer at all: a timeout, a reset or refused connection; throttling; a 5xx)
// becomes a DependencyError, retriable: the run ends, nothing past the committed offsets
// counts, and the next run polls again from them, as after a crash. A definite refusal
// (access denied, no such queue or table, a bad request) and the source's own errors
// (a lost position, a bad config) stay as they are: the task fails with them, as Kafka
// fails a task on an error that is not a RetriableException.
import { DependencyError, isSluiceError } from '../../core/errors.ts';

interface AwsErrorShape {
  name?: string;
  message?: string;
  code?: string;
  $retryable?: unknown;
  $metadata?: { httpStatusCode?: number };
}

/** True for an upstream failure that trying again later may clear. */
export function isTransient(err: unknown): boolean {
  if (isSluiceError(err)) return err.retriable;
  const e = (err ?? {}) as AwsErrorShape;
  // The AWS SDK marks throttling and transient errors retryable.
  if (e.$retryable) return true;
  const status = e.$metadata?.httpStatusCode;
  if (status !== undefined) return status >= 500 || status === 429;
  // No answer: a timeout, or a connection reset, refused or unresolved (Node's E-codes).
  return e.name === 'TimeoutError' || (typeof e.code === 'string' && /^E[A-Z]+$/.test(e.code));
}

/** `err` as the runtime should see it: a retriable DependencyError when transient, else itself. */
export function upstreamFailure(what: string, err: unknown): unknown {
  if (isSluiceError(err) || !isTransient(err)) return err;
  const e = (err ?? {}) as AwsErrorShape;
  return new DependencyError(`${what} failed: ${e.name ?? 'Error'}: ${e.message ?? String(err)}`, { dependency: what }, err);
}
