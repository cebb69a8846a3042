// Which adapter an event goes to: EventBridge schedules, stream batches, API Gateway
// requests and direct invocations are told apart by shape, and a function hands each to
// the handler of its kind; a kind it does not serve is logged and answered {}.
import { describe, expect, it, vi } from 'vitest';
import { buildV2Event } from '../../../lib/api/http.ts';
import { deadlineOf, eventKind, handleEvents, SAFETY_MS, type AdapterLogger } from '../../../lib/runtime/events.ts';

const logger = () => ({ info: vi.fn(), warn: vi.fn(), error: vi.fn() }) satisfies AdapterLogger;

const customResource = {
  RequestType: 'Create',
  ResponseURL: 'https://example.com/put',
  StackId: 'arn:aws:cloudformation:eu-west-1:123456789012:stack/Sluice/1',
  RequestId: 'r',
  LogicalResourceId: 'L',
  ResourceProperties: {},
};

describe('eventKind', () => {
  it('tells the four sources apart by shape', () => {
    expect(eventKind({ version: '0', 'detail-type': 'Scheduled Event', source: 'aws.events', time: '2025-06-01T12:15:00Z' })).toBe('schedule');
    expect(eventKind({ Records: [] })).toBe('stream');
    expect(eventKind(buildV2Event({ method: 'GET', rawPath: '/v1/health' }))).toBe('http');
    expect(eventKind({ httpMethod: 'GET', path: '/v1/health', requestContext: { stage: 'prod' } })).toBe('http');
    expect(eventKind(customResource)).toBe('invoke');
    expect(eventKind({ sweep: true })).toBe('invoke');
  });

  it('calls anything it cannot place a direct invocation', () => {
    for (const e of [null, undefined, 'text', 42, [], {}]) expect(eventKind(e), JSON.stringify(e)).toBe('invoke');
  });
});

describe('handleEvents', () => {
  it('hands each event to the handler of its kind, with the context', async () => {
    const seen: string[] = [];
    const handler = handleEvents(
      'maintenance',
      {
        http: async () => (seen.push('http'), 'from http'),
        schedule: async (_event, context) => (seen.push(`schedule ${context?.awsRequestId}`), 'from schedule'),
      },
      logger(),
    );
    expect(await handler(buildV2Event({ method: 'POST', rawPath: '/v1/maintenance' }))).toBe('from http');
    expect(await handler({ 'detail-type': 'Scheduled Event' }, { awsRequestId: 'req-1' })).toBe('from schedule');
    expect(seen).toEqual(['http', 'schedule req-1']);
  });

  it('logs and answers {} for a kind the function does not serve, without calling any handler', async () => {
    const log = logger();
    const http = vi.fn(async () => 'h');
    const answer = await handleEvents('admin', { http }, log)({ Records: [{}] });
    expect(answer).toEqual({});
    expect(http).not.toHaveBeenCalled();
    expect(log.warn).toHaveBeenCalledWith(expect.any(String), { kind: 'stream', keys: ['Records'] });
  });
});

describe('deadlineOf', () => {
  it('is the time Lambda leaves, less a safety margin; unknown without a context', () => {
    expect(deadlineOf({ getRemainingTimeInMillis: () => 60_000 }, 1_000)).toBe(1_000 + 60_000 - SAFETY_MS);
    expect(deadlineOf(undefined, 1_000)).toBeUndefined();
    expect(deadlineOf({ awsRequestId: 'x' }, 1_000)).toBeUndefined();
  });
});
