// The invoke adapter: CloudFormation's custom resource protocol. Every request is
// answered on its ResponseURL, failures included (a stack must never wait for the
// timeout); Create and Update upsert, Delete deletes what the physical id names; any
// other payload is ignored.
import { describe, expect, it, vi } from 'vitest';
import { InvalidRequestError } from '../../../lib/core/errors.ts';
import { createInvokeHandler, isCustomResourceEvent, type CustomResourceEvent, type CustomResourceProvider } from '../../../lib/runtime/invoke.ts';

const request = (type: CustomResourceEvent['RequestType'], props: Record<string, unknown> = {}, physical?: string): CustomResourceEvent => ({
  RequestType: type,
  ResponseURL: 'https://cloudformation-custom-resource-response.example/put?sig=1',
  StackId: 'arn:aws:cloudformation:eu-west-1:123456789012:stack/Sluice/1',
  RequestId: 'req-1',
  LogicalResourceId: 'Thing',
  ...(physical ? { PhysicalResourceId: physical } : {}),
  ResourceProperties: { ServiceToken: 'arn', ...props },
});

function setup(provider: Partial<CustomResourceProvider> = {}) {
  const sent: { url: string; body: Record<string, unknown> }[] = [];
  const calls: string[] = [];
  const full: CustomResourceProvider = {
    name: 'thing',
    upsert: async (p) => (calls.push(`upsert ${String(p.Name)}`), `thing:${String(p.Name)}`),
    delete: async (id) => void calls.push(`delete ${id}`),
    ...provider,
  };
  const logger = { info: vi.fn(), warn: vi.fn(), error: vi.fn() };
  const handler = createInvokeHandler('subscriptions', full, { logger, send: async (url, body) => void sent.push({ url, body: JSON.parse(body) }) });
  return { handler, sent, calls, logger };
}

describe('custom resource requests', () => {
  it('Create and Update upsert and answer SUCCESS with the physical id on the ResponseURL', async () => {
    const { handler, sent, calls } = setup();
    expect(await handler(request('Create', { Name: 'a' }))).toEqual({ Status: 'SUCCESS', PhysicalResourceId: 'thing:a' });
    expect(await handler(request('Update', { Name: 'b' }, 'thing:a'))).toEqual({ Status: 'SUCCESS', PhysicalResourceId: 'thing:b' });
    expect(calls).toEqual(['upsert a', 'upsert b']);
    expect(sent[0]).toEqual({
      url: 'https://cloudformation-custom-resource-response.example/put?sig=1',
      body: {
        Status: 'SUCCESS',
        PhysicalResourceId: 'thing:a',
        StackId: 'arn:aws:cloudformation:eu-west-1:123456789012:stack/Sluice/1',
        RequestId: 'req-1',
        LogicalResourceId: 'Thing',
        NoEcho: false,
        Data: {},
      },
    });
  });

  it('Delete deletes what the physical id names; a request without one deletes nothing', async () => {
    const { handler, calls } = setup();
    expect((await handler(request('Delete', {}, 'thing:a'))) as object).toEqual({ Status: 'SUCCESS', PhysicalResourceId: 'thing:a' });
    expect((await handler(request('Delete'))) as object).toMatchObject({ Status: 'SUCCESS' });
    expect(calls).toEqual(['delete thing:a']);
  });

  it('answers a failure FAILED with its code and reason (truncated for CloudFormation), and a failed Create gets an id of its own', async () => {
    const long = 'x'.repeat(5_000);
    const { handler, sent } = setup({ upsert: async () => Promise.reject(new InvalidRequestError(long)) });
    const result = await handler(request('Create', { Name: 'a' }));
    expect(result).toEqual({ Status: 'FAILED', PhysicalResourceId: 'thing-failed:req-1', Reason: `INVALID_REQUEST: ${long}` });
    expect(sent[0]!.body).toMatchObject({ Status: 'FAILED', PhysicalResourceId: 'thing-failed:req-1' });
    expect(String(sent[0]!.body.Reason)).toHaveLength(3000);
  });

  it('ignores a payload that is no custom resource request, answering nothing on any URL', async () => {
    const { handler, sent, calls, logger } = setup();
    expect(await handler({ sweep: true })).toEqual({});
    expect(sent).toEqual([]);
    expect(calls).toEqual([]);
    expect(logger.warn).toHaveBeenCalledTimes(1);
  });
});

describe('isCustomResourceEvent', () => {
  it('needs RequestType, ResponseURL and StackId', () => {
    expect(isCustomResourceEvent(request('Create'))).toBe(true);
    const { StackId: _dropped, ...noStack } = request('Create');
    expect(isCustomResourceEvent(noStack)).toBe(false);
    expect(isCustomResourceEvent(null)).toBe(false);
  });
});
