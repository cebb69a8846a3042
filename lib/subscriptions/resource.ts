// Subscriptions as CloudFormation custom resources (`platform.addSubscription` in the
// CDK): the subscriptions function is the resource's service token and creates, updates
// and deletes the subscription with the same code as the API. The request protocol and
// its answers are the invoke adapter's (lib/runtime/invoke.ts); this is what the requests
// do. Properties:
//
//   Topic  the topic name          Name  the subscription name
//   Spec   JSON of the rest of the creation body: target, batchSize, maxBatchingWindowMs,
//          startingPosition, maxRetries, deadLetter
//
// Create and Update on the same topic and name upsert (an update keeps the cursors); a
// changed topic or name is a new physical resource, and CloudFormation then deletes the
// old one. The topic need not exist at deploy time: the subscription stays pending and is
// bound when the topic is created (see catalog.ts).
import type { SubscriptionCatalog } from './catalog.ts';
import { parseSubscriptionInput } from './schema.ts';

const NAME = 'sluice-subscription';

export const physicalId = (topic: string, name: string): string => `${NAME}:${topic}/${name}`;

function parsePhysicalId(id: string): { topic: string; name: string } | undefined {
  const m = /^sluice-subscription:([^/]+)\/([^/]+)$/.exec(id);
  return m ? { topic: m[1]!, name: m[2]! } : undefined;
}

/**
 * The provider of Custom::SluiceSubscription (lib/runtime/invoke.ts runs it), over the
 * catalog `catalogOf` returns, asked for when a request comes (nothing is built before).
 */
export function subscriptionResource(catalogOf: () => SubscriptionCatalog) {
  return {
    name: NAME,
    async upsert(properties: Record<string, unknown>): Promise<string> {
      const topic = String(properties.Topic ?? '');
      const spec = typeof properties.Spec === 'string' ? (JSON.parse(properties.Spec) as Record<string, unknown>) : ((properties.Spec as Record<string, unknown>) ?? {});
      const parsed = parseSubscriptionInput({ ...spec, name: properties.Name }, { deployed: true });
      await catalogOf().upsert(topic, parsed.name, parsed.spec);
      return physicalId(topic, parsed.name);
    },
    async delete(id: string): Promise<void> {
      const target = parsePhysicalId(id);
      if (!target) return; // a failed create's id: nothing was made
      await catalogOf().delete(target.topic, target.name).catch((err: unknown) => {
        if ((err as { code?: string }).code !== 'UNKNOWN_SUBSCRIPTION') throw err;
      });
    },
  };
}
