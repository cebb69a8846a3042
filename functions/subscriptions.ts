// Lambda entry point of the 'subscriptions' function (see FUNCTIONS in lib/api/routes.ts):
// the subscription routes through the API, and CloudFormation custom resource requests
// from `platform.addSubscription` (lib/subscriptions/resource.ts), which create and
// delete subscriptions at deploy time with the same code.
import type { Context } from 'aws-lambda';
import { createHandler, logFromEnv } from '../lib/api/handler.ts';
import { SubscriptionCatalog } from '../lib/subscriptions/catalog.ts';
import { handleCustomResource, isCustomResourceEvent } from '../lib/subscriptions/resource.ts';

const api = createHandler('subscriptions');

export const handler = async (event: unknown, context?: Context) => {
  if (isCustomResourceEvent(event)) return handleCustomResource(event, new SubscriptionCatalog(logFromEnv().clients));
  return api(event as Parameters<typeof api>[0], context);
};
