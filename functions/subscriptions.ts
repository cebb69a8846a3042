// Lambda entry point of the 'subscriptions' function (see FUNCTIONS in lib/api/routes.ts):
// the subscription routes through the API, and CloudFormation custom resource requests
// from `platform.addSubscription` (lib/subscriptions/resource.ts), which create and
// delete subscriptions at deploy time with the same code.
//
// Subscriptions live in DynamoDB alone (the function has no bucket access): both paths
// share one DynamoDB client, and the bundle carries neither the Log nor an S3 client.
import type { Context } from 'aws-lambda';
import { createLambdaHandler } from '../lib/api/lambda.ts';
import { subscriptionOperations, type SubscriptionsLog } from '../lib/api/operations/subscriptions.ts';
import { createTableClients, storageConfigFromEnv, type TableClients } from '../lib/storage/tables.ts';
import { SubscriptionCatalog } from '../lib/subscriptions/catalog.ts';
import { handleCustomResource, isCustomResourceEvent } from '../lib/subscriptions/resource.ts';

let tables: TableClients | undefined;

/** The container's DynamoDB clients, built on first use (cold start). */
const tablesFromEnv = (): TableClients => (tables ??= createTableClients(storageConfigFromEnv()));

const api = createLambdaHandler<SubscriptionsLog>({
  fn: 'subscriptions',
  operations: subscriptionOperations,
  log: () => ({ clients: tablesFromEnv() }),
});

export const handler = async (event: unknown, context?: Context) => {
  if (isCustomResourceEvent(event)) return handleCustomResource(event, new SubscriptionCatalog(tablesFromEnv()));
  return api(event as Parameters<typeof api>[0], context);
};
