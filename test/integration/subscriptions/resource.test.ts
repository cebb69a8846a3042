// `platform.addSubscription`'s custom resource: CloudFormation's Create / Update / Delete
// requests handled by the subscriptions function with the API's own code.
import { describe, expect, it } from 'vitest';
import { SubscriptionCatalog } from '../../../lib/subscriptions/catalog.ts';
import { handleCustomResource, physicalId, type CustomResourceEvent } from '../../../lib/subscriptions/resource.ts';
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
    const spec = (batchSize: number) => JSON.stringify({ target: { type: 'lambda', functionArn: ARN }, batchSize, maxRetries: 2 });

    const created = await handleCustomResource(event('Create', { Topic: 'orders', Name: 'billing', Spec: spec(10) }), catalog, send);
    expect(created).toEqual({ Status: 'SUCCESS', PhysicalResourceId: physicalId('orders', 'billing') });
    const first = await catalog.require('orders', 'billing');
    expect(first).toMatchObject({ batchSize: 10, maxRetries: 2, target: { type: 'lambda', functionArn: ARN } });
    expect(first.topicId).toBeUndefined(); // pending: no topic yet

    const updated = await handleCustomResource(
      event('Update', { Topic: 'orders', Name: 'billing', Spec: spec(20) }, created.PhysicalResourceId),
      catalog,
      send,
    );
    expect(updated.Status).toBe('SUCCESS');
    const second = await catalog.require('orders', 'billing');
    expect(second).toMatchObject({ batchSize: 20, subscriptionId: first.subscriptionId });

    const bad = await handleCustomResource(event('Create', { Topic: 'orders', Name: 'x', Spec: JSON.stringify({ target: { type: 'module', path: '/h.ts' } }) }), catalog, send);
    expect(bad.Status).toBe('FAILED');
    expect(bad.Reason).toMatch(/INVALID_TARGET/);

    expect((await handleCustomResource(event('Delete', {}, created.PhysicalResourceId), catalog, send)).Status).toBe('SUCCESS');
    await expect(catalog.require('orders', 'billing')).rejects.toMatchObject({ code: 'UNKNOWN_SUBSCRIPTION' });
    // Deleting what is gone (or a failed create's physical id) succeeds.
    expect((await handleCustomResource(event('Delete', {}, created.PhysicalResourceId), catalog, send)).Status).toBe('SUCCESS');
    expect((await handleCustomResource(event('Delete', {}, bad.PhysicalResourceId), catalog, send)).Status).toBe('SUCCESS');

    expect(answers).toHaveLength(6);
    for (const a of answers) expect(a).toMatchObject({ StackId: expect.any(String), RequestId: expect.any(String), LogicalResourceId: 'Subscription' });
    expect(answers.map((a) => a.Status)).toEqual(['SUCCESS', 'SUCCESS', 'FAILED', 'SUCCESS', 'SUCCESS', 'SUCCESS']);
  });
});
