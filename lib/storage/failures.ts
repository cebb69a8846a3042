// The storage boundary: SDK errors never leave lib/storage raw. How an error is read:
// whether a request may have taken effect (isAmbiguous), the reasons of a canceled
// transaction, and the DependencyError every other failure becomes (naming the service and
// operation, retriable). Lost conditional writes are not errors at all: dynamo.ts turns
// them into its condition result.
import { DependencyError, isSluiceError, type SluiceError } from '../core/errors.ts';

interface SdkErrorShape {
  name?: string;
  message?: string;
  $fault?: 'client' | 'server';
  $metadata?: { httpStatusCode?: number };
  $response?: unknown;
  code?: string;
}

export function dependencyFailure(service: 'dynamodb' | 's3', operation: string, err: unknown): SluiceError {
  if (isSluiceError(err)) return err;
  const e = (err ?? {}) as SdkErrorShape;
  return new DependencyError(
    `${service === 's3' ? 'S3' : 'DynamoDB'} ${operation} failed: ${e.name ?? 'Error'}: ${e.message ?? String(err)}`,
    { dependency: service, operation, retryAfterSeconds: 1 },
    err,
  );
}

/**
 * True when a request may have taken effect although we saw no success: the connection
 * broke, timed out, or the service answered 5xx after receiving it. A client error (4xx
 * with a named exception) is a definite "no".
 */
export function isAmbiguous(err: unknown): boolean {
  const e = (err ?? {}) as SdkErrorShape;
  const status = e.$metadata?.httpStatusCode;
  if (status !== undefined) return status >= 500;
  return e.$fault !== 'client';
}

export function errorName(err: unknown): string | undefined {
  return ((err ?? {}) as SdkErrorShape).name;
}

/** Cancellation reason codes in TransactItems order, or undefined if not a cancellation. */
export function cancellationReasons(err: unknown): (string | undefined)[] | undefined {
  if (errorName(err) !== 'TransactionCanceledException') return undefined;
  const reasons = (err as { CancellationReasons?: { Code?: string }[] }).CancellationReasons;
  if (reasons?.length) return reasons.map((r) => r.Code);
  // Some emulators put the reasons only in the message: "[ConditionalCheckFailed, None, None]".
  const m = /\[([^\]]*)\]/.exec((err as Error).message ?? '');
  return m ? m[1]!.split(',').map((s) => s.trim()) : [];
}
