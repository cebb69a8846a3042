// EventBridgeSink and LambdaSink over a recording client (no local EventBridge or Lambda
// to run against): batching within the services' limits, failed entries sent again, a
// function error rejected so the runtime retries.
import type { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import type { LambdaClient } from '@aws-sdk/client-lambda';
import { describe, expect, it } from 'vitest';
import { EventBridgeSink } from '../../../../lib/connect/cdc/sqs/sinks.ts';
import { LambdaSink } from '../../../../lib/connect/cdc/sqs/lambdaSink.ts';
import { batches, type DeliveryRecord } from '../../../../lib/connect/cdc/sink.ts';
import { DependencyError } from '../../../../lib/core/errors.ts';

const records = (n: number, value: (i: number) => DeliveryRecord['value'] = (i) => ({ n: i })): DeliveryRecord[] =>
  Array.from({ length: n }, (_, i) => ({ topic: 'orders', partition: 0, offset: i, key: `k${i}`, value: value(i) }));

// eslint-disable-next-line @typescript-eslint/no-explicit-any
function recorder<C>(answer: (input: any, call: number) => unknown): { client: C; inputs: any[] } {
  const inputs: any[] = [];
  const client = { send: async (command: { input: unknown }) => answer(command.input, inputs.push(command.input) - 1) } as unknown as C;
  return { client, inputs };
}

describe('batches', () => {
  it('keeps within both the count and the byte limit, in order', () => {
    expect(batches([5, 5, 5, 1, 9, 2], 3, 10, (n) => n)).toEqual([[5, 5], [5, 1], [9], [2]]);
    expect(() => batches([11], 3, 10, (n) => n)).toThrow(/exceeds/);
  });
});

describe('EventBridgeSink', () => {
  it('puts events ten at a time with source and detail type, skipping tombstones', async () => {
    const { client, inputs } = recorder<EventBridgeClient>((input) => ({ Entries: input.Entries.map(() => ({ EventId: 'e' })) }));
    await new EventBridgeSink({ 'event.source': 'shop', 'detail.type': 'OrderChanged' }, client).deliver(records(23, (i) => (i === 5 ? null : i === 6 ? 'text' : { n: i })));
    expect(inputs.map((i) => i.Entries.length)).toEqual([10, 10, 2]);
    expect(inputs[0].Entries[0]).toMatchObject({ EventBusName: 'default', Source: 'shop', DetailType: 'OrderChanged', Detail: '{"n":0}' });
    expect(inputs[0].Entries[5]).toMatchObject({ Detail: '{"value":"text"}' });
  });

  it('sends failed entries again, and fails after repeated failures', async () => {
    const { client, inputs } = recorder<EventBridgeClient>((input, call) => ({
      FailedEntryCount: call === 0 ? 1 : 0,
      Entries: input.Entries.map((_: unknown, i: number) => (call === 0 && i === 1 ? { ErrorCode: 'InternalFailure' } : { EventId: 'e' })),
    }));
    await new EventBridgeSink({}, client).deliver(records(3));
    expect(inputs.map((i) => i.Entries.map((e: { Detail: string }) => e.Detail))).toEqual([['{"n":0}', '{"n":1}', '{"n":2}'], ['{"n":1}']]);
    const failing = recorder<EventBridgeClient>((input) => ({ Entries: input.Entries.map(() => ({ ErrorCode: 'ThrottlingException' })) }));
    await expect(new EventBridgeSink({}, failing.client).deliver(records(1))).rejects.toThrow(/1 entries failed after 3 attempts/);
  });
});

describe('LambdaSink', () => {
  it('invokes the function with the batch and rejects on a function error', async () => {
    const ok = recorder<LambdaClient>(() => ({ StatusCode: 200 }));
    await new LambdaSink({ 'function.name': 'target' }, ok.client).deliver(records(2));
    expect(ok.inputs).toHaveLength(1);
    expect(JSON.parse(Buffer.from(ok.inputs[0].Payload).toString())).toEqual({ records: records(2).map((r) => ({ ...r, headers: [] })) });
    const failing = recorder<LambdaClient>(() => ({ StatusCode: 200, FunctionError: 'Unhandled', Payload: Buffer.from('{"errorMessage":"boom"}') }));
    await expect(new LambdaSink({ 'function.name': 'target' }, failing.client).deliver(records(1))).rejects.toBeInstanceOf(DependencyError);
  });
});
