// Which upstream failures of a source end a run to be retried (transient) and which fail
// its task (a definite refusal, the source's own errors).
import { describe, expect, it } from 'vitest';
import { isTransient, upstreamFailure } from '../../../../lib/connect/cdc/failures.ts';
import { DependencyError, InvalidConfigError, SourcePositionLostError } from '../../../../lib/core/errors.ts';

const sdkError = (name: string, extra: Record<string, unknown>) => Object.assign(new Error(name), { name, ...extra });

describe('upstream failures of a source', () => {
  it.each([
    ['a timeout', sdkError('TimeoutError', { $metadata: {} })],
    ['a reset connection', sdkError('Error', { code: 'ECONNRESET', $metadata: {} })],
    ['throttling', sdkError('LimitExceededException', { $retryable: { throttling: true }, $metadata: { httpStatusCode: 400 } })],
    ['a 5xx', sdkError('InternalServerError', { $fault: 'server', $metadata: { httpStatusCode: 500 } })],
  ])('%s becomes a retriable DependencyError', (_, err) => {
    expect(isTransient(err)).toBe(true);
    const failure = upstreamFailure('orders poll', err);
    expect(failure).toBeInstanceOf(DependencyError);
    expect(failure).toMatchObject({ retriable: true, cause: err, message: expect.stringContaining(`orders poll failed: ${err.name}`) });
  });

  it.each([
    ['access denied', sdkError('AccessDeniedException', { $fault: 'client', $metadata: { httpStatusCode: 400 } })],
    ['no such queue', sdkError('QueueDoesNotExist', { $fault: 'client', $metadata: { httpStatusCode: 400 } })],
    ['a bug', new TypeError('x is undefined')],
    ['a lost position', new SourcePositionLostError('trimmed')],
    ['a bad config', new InvalidConfigError('no table')],
  ])('%s stays as it is and fails the task', (_, err) => {
    expect(isTransient(err)).toBe(false);
    expect(upstreamFailure('orders poll', err)).toBe(err);
  });
});
