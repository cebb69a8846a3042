import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { LambdaClient } from '@aws-sdk/client-lambda';
import { describe, expect, it } from 'vitest';
import { movedPartition } from '../../../lib/subscriptions/dispatcher.ts';
import { createDeliver, kafkaEvent } from '../../../lib/subscriptions/targets.ts';

const event = kafkaEvent('billing', 'orders', 2, [
  { offset: 7, timestamp: 1_750_000_000_000, timestampType: 'CREATE_TIME', key: Buffer.from('alice'), value: Buffer.from('{"amount":200}'), headers: [{ key: 'source', value: Buffer.from('web') }, { key: 'empty', value: null }] },
]);

describe('kafkaEvent', () => {
  it("is Lambda's Kafka event shape: records by topic-partition, base64 key/value, headers as byte arrays", () => {
    expect(event).toEqual({
      eventSource: 'sluice',
      subscription: 'billing',
      records: {
        'orders-2': [
          {
            topic: 'orders',
            partition: 2,
            offset: 7,
            timestamp: 1_750_000_000_000,
            timestampType: 'CREATE_TIME',
            key: 'YWxpY2U=',
            value: 'eyJhbW91bnQiOjIwMH0=',
            headers: [{ source: [119, 101, 98] }, { empty: null }],
          },
        ],
      },
    });
  });
});

describe('lambda target', () => {
  const fake = (answer: () => unknown) => {
    const calls: { FunctionName?: string; InvocationType?: string; Payload?: Uint8Array }[] = [];
    const client = { send: async (cmd: { input: (typeof calls)[number] }) => (calls.push(cmd.input), answer()) } as unknown as LambdaClient;
    return { calls, client };
  };
  const target = { type: 'lambda' as const, functionArn: 'arn:aws:lambda:eu-west-1:123456789012:function:billing' };

  it('invokes RequestResponse with the event; success without FunctionError', async () => {
    const { calls, client } = fake(() => ({ StatusCode: 200 }));
    expect(await createDeliver({ lambda: client })(target, event, { timeoutMs: 1000 })).toEqual({ ok: true });
    expect(calls[0]).toMatchObject({ FunctionName: target.functionArn, InvocationType: 'RequestResponse' });
    expect(JSON.parse(Buffer.from(calls[0]!.Payload!).toString())).toEqual(event);
  });

  it('a FunctionError is a failure carrying the function\'s error', async () => {
    const payload = Buffer.from(JSON.stringify({ errorType: 'TypeError', errorMessage: 'nope' }));
    const { client } = fake(() => ({ StatusCode: 200, FunctionError: 'Unhandled', Payload: payload }));
    expect(await createDeliver({ lambda: client })(target, event, { timeoutMs: 1000 })).toEqual({
      ok: false,
      error: { code: 'FUNCTION_ERROR', message: 'Unhandled: TypeError: nope' },
    });
  });

  it('an Invoke error (throttling, access denied) is a failure named after it', async () => {
    const { client } = fake(() => {
      throw Object.assign(new Error('Rate exceeded'), { name: 'TooManyRequestsException' });
    });
    expect(await createDeliver({ lambda: client })(target, event, { timeoutMs: 1000 })).toEqual({
      ok: false,
      error: { code: 'TooManyRequestsException', message: 'Rate exceeded' },
    });
  });
});

describe('http and module targets', () => {
  it('2xx is success, anything else a failure with only the status line; a hung endpoint times out', async () => {
    const statuses = [204, 302, 503];
    const server = createServer((req, res) => {
      const status = statuses.shift();
      if (status === undefined) return; // never answers
      req.resume();
      res.writeHead(status, { location: 'https://elsewhere.example.com/' });
      res.end(status === 204 ? undefined : 'internal details the caller must not see');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const deliver = createDeliver({ allowLoopback: true });
      const t = { type: 'http' as const, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/x` };
      expect(await deliver(t, event, { timeoutMs: 1000 })).toEqual({ ok: true });
      expect(await deliver(t, event, { timeoutMs: 1000 })).toEqual({ ok: false, error: { code: 'HTTP_302', message: 'HTTP 302 Found' } });
      expect(await deliver(t, event, { timeoutMs: 1000 })).toEqual({ ok: false, error: { code: 'HTTP_503', message: 'HTTP 503 Service Unavailable' } });
      expect(await deliver(t, event, { timeoutMs: 50 })).toMatchObject({ ok: false, error: { code: 'TIMEOUT' } });
    } finally {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    }
  });

  it('module targets are refused unless allowed', async () => {
    expect(await createDeliver()({ type: 'module', path: '/x.ts' }, event, { timeoutMs: 1000 })).toMatchObject({
      ok: false,
      error: { code: 'MODULE_TARGET_NOT_ALLOWED' },
    });
  });
});

describe('movedPartition', () => {
  const rec = (eventName: string, next?: string, prev?: string) => ({
    eventName,
    dynamodb: {
      Keys: { topicId: { S: 't' }, partition: { N: '3' } },
      ...(next ? { NewImage: { nextOffset: { N: next } } } : {}),
      ...(prev ? { OldImage: { nextOffset: { N: prev } } } : {}),
    },
  });
  it('only INSERT/MODIFY records whose nextOffset grew', () => {
    expect(movedPartition(rec('INSERT', '2'))).toEqual({ topicId: 't', partition: 3 });
    expect(movedPartition(rec('MODIFY', '5', '2'))).toEqual({ topicId: 't', partition: 3 });
    expect(movedPartition(rec('MODIFY', '5', '5'))).toBeUndefined();
    expect(movedPartition(rec('REMOVE', undefined, '5'))).toBeUndefined();
  });
});
