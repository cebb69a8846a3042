// Lambda entry point of the 'subscriptions' function (see FUNCTIONS in lib/api/routes.ts):
// the subscription routes through the API, and the custom resource requests of
// `platform.addSubscription` (lib/subscriptions/resource.ts), which create and delete
// subscriptions at deploy time with the same code. Subscriptions live in DynamoDB alone
// (no bucket access): both share one DynamoDB client, and the bundle carries no S3 client.
import { subscriptionOperations, type SubscriptionsLog } from '../lib/api/operations/subscriptions.ts';
import { handleEvents } from '../lib/runtime/events.ts';
import { createHttpHandler } from '../lib/runtime/http.ts';
import { createInvokeHandler } from '../lib/runtime/invoke.ts';
import { tablesFromEnv } from '../lib/runtime/tables.ts';
import { SubscriptionCatalog } from '../lib/subscriptions/catalog.ts';
import { subscriptionResource } from '../lib/subscriptions/resource.ts';

export const handler = handleEvents('subscriptions', {
  http: createHttpHandler<SubscriptionsLog>({ fn: 'subscriptions', operations: subscriptionOperations, log: () => ({ clients: tablesFromEnv() }) }),
  invoke: createInvokeHandler('subscriptions', subscriptionResource(() => new SubscriptionCatalog(tablesFromEnv()))),
});
