// `platform.addSubscription`'s custom resource: CloudFormation's Create / Update / Delete
// requests handled by the subscriptions function (the invoke adapter over the
// subscription provider) with the API's own code.
import { describe, expect, it } from 'vitest';
import { createInvokeHandler, type CustomResourceEvent, type CustomResourceResult } from '../../../lib/runtime/invoke.ts';
import { SubscriptionCatalog } from '../../../lib/subscriptions/catalog.ts';
import { physicalId, subscriptionResource } from '../../../lib/subscriptions/resource.ts';
import { useTestStorage } from '../../support/stack.ts';

const storage = useTestStorage();
const ARN = 'arn:aws:lambda:eu-west-1:123456789012:function:billing';

function event(type: CustomResourceEvent['RequestType'], props: Record<string, unknown>, physical?: string): CustomResourceEvent {
  return {
    RequestType: type,
    ResponseURL: 'https://cloudformation-custom-resource-response.example/put',
    StackId: 'arn:aws:cloudformation:eu-west-1:123456789012:stack/Sluice/1',
    RequestId: `req-${Math.random()}`,
    LogicalResourceId: 'Subscription',
    ...(physical ? { PhysicalResourceId: physical } : {}),
    ResourceProperties: { ServiceToken: 'x', ...props },
  };
}

describe('custom resource', () => {
  it('creates pending before the topic exists, updates in place, deletes; answers every request', async () => {
    const catalog = new SubscriptionCatalog(storage.clients, { env: { deployed: true } });
    const answers: Record<string, unknown>[] = [];
    const send = async (_url: string, body: string) => void answers.push(JSON.parse(body));
    const invoke = createInvokeHandler('subscriptions', subscriptionResource(() => catalog), { send });
    const request = async (e: CustomResourceEvent) => (await invoke(e)) as CustomResourceResult;
    const spec = (batchSize: number) => JSON.stringify({ target: { type: 'lambda', functionArn: ARN }, batchSize, maxRetries: 2 });

    const created = await request(event('Create', { Topic: 'orders', Name: 'billing', Spec: spec(10) }));
    expect(created).toEqual({ Status: 'SUCCESS', PhysicalResourceId: physicalId('orders', 'billing') });
    const first = await catalog.require('orders', 'billing');
    expect(first).toMatchObject({ batchSize: 10, maxRetries: 2, target: { type: 'lambda', functionArn: ARN } });
    expect(first.topicId).toBeUndefined(); // pending: no topic yet

    const updated = await request(event('Update', { Topic: 'orders', Name: 'billing', Spec: spec(20) }, created.PhysicalResourceId));
    expect(updated.Status).toBe('SUCCESS');
    const second = await catalog.require('orders', 'billing');
    expect(second).toMatchObject({ batchSize: 20, subscriptionId: first.subscriptionId });

    const bad = await request(event('Create', { Topic: 'orders', Name: 'x', Spec: JSON.stringify({ target: { type: 'module', path: '/h.ts' } }) }));
    expect(bad.Status).toBe('FAILED');
    expect(bad.Reason).toMatch(/INVALID_TARGET/);

    expect((await request(event('Delete', {}, created.PhysicalResourceId))).Status).toBe('SUCCESS');
    await expect(catalog.require('orders', 'billing')).rejects.toMatchObject({ code: 'UNKNOWN_SUBSCRIPTION' });
    // Deleting what is gone (or a failed create's physical id) succeeds.
    expect((await request(event('Delete', {}, created.PhysicalResourceId))).Status).toBe('SUCCESS');
    expect((await request(event('Delete', {}, bad.PhysicalResourceId))).Status).toBe('SUCCESS');

    expect(answers).toHaveLength(6);
    for (const a of answers) expect(a).toMatchObject({ StackId: expect.any(String), RequestId: expect.any(String), LogicalResourceId: 'Subscription' });
    expect(answers.map((a) => a.Status)).toEqual(['SUCCESS', 'SUCCESS', 'FAILED', 'SUCCESS', 'SUCCESS', 'SUCCESS']);
  });
});
