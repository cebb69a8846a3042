// Subscriptions over HTTP (API.md "Subscriptions"): create, list, describe, delete, and
// the dead letters of one. The request's shape and every value are checked by
// lib/subscriptions (INVALID_REQUEST naming the field, INVALID_SUBSCRIPTION_NAME,
// INVALID_TARGET) before anything is written; the topic must exist to create one
// (UNKNOWN_TOPIC_OR_PARTITION), a name is unique per topic (SUBSCRIPTION_ALREADY_EXISTS).
//
//   POST   /v1/topics/{topic}/subscriptions                         → 201 description
//   GET    /v1/topics/{topic}/subscriptions                         → {"subscriptions":[...]}
//   GET    /v1/topics/{topic}/subscriptions/{subscription}          → description
//   DELETE /v1/topics/{topic}/subscriptions/{subscription}          → 204
//   GET    /v1/topics/{topic}/subscriptions/{subscription}/dead-letters?limit=100
//                                                                   → {"deadLetters":[...]}
//
// The catalog lives in DynamoDB alone: the subscriptions function is served without the
// rest of the Log and without an S3 client (functions/subscriptions.ts).
import type { TableClients } from '../../log/tablesFromEnv.ts';
import { SubscriptionCatalog } from '../../subscriptions/catalog.ts';
import type { ValidationEnvironment } from '../../subscriptions/schema.ts';
import type { OperationContext, Operations } from '../operation.ts';
import type { ApiRequest } from '../http.ts';
import { parseInteger, parseJsonBody, queryParams, requireJsonContentType, topicParam } from '../validation.ts';

/** What the subscription routes need of the log: the clients of its tables (a Log will do). */
export interface SubscriptionsLog {
  readonly clients: TableClients;
}

const subscriptionParam = (req: ApiRequest): string => req.pathParameters.subscription ?? '';

/**
 * The subscription operations, validating targets for `env` (the local dev server passes
 * the directories module targets may live in).
 */
export function subscriptionOperationsFor(env: ValidationEnvironment = {}): Operations<SubscriptionsLog> {
  const cache = new WeakMap<SubscriptionsLog, SubscriptionCatalog>();
  const catalogOf = async (ctx: OperationContext<SubscriptionsLog>): Promise<SubscriptionCatalog> => {
    const log = await ctx.log();
    let catalog = cache.get(log);
    if (!catalog) {
      catalog = new SubscriptionCatalog(log.clients, { env });
      cache.set(log, catalog);
    }
    return catalog;
  };
  return {
    createSubscription: async (req, ctx) => {
      const topic = topicParam(req);
      queryParams(req, []);
      requireJsonContentType(req);
      const body = parseJsonBody(req);
      const catalog = await catalogOf(ctx);
      return { status: 201, body: await catalog.create(topic, body) };
    },

    listSubscriptions: async (req, ctx) => {
      const topic = topicParam(req);
      queryParams(req, []);
      const catalog = await catalogOf(ctx);
      return { status: 200, body: { subscriptions: await catalog.list(topic) } };
    },

    describeSubscription: async (req, ctx) => {
      const topic = topicParam(req);
      queryParams(req, []);
      const catalog = await catalogOf(ctx);
      return { status: 200, body: await catalog.describe(topic, subscriptionParam(req)) };
    },

    deleteSubscription: async (req, ctx) => {
      const topic = topicParam(req);
      queryParams(req, []);
      const catalog = await catalogOf(ctx);
      await catalog.delete(topic, subscriptionParam(req));
      return { status: 204 };
    },

    listDeadLetters: async (req, ctx) => {
      const topic = topicParam(req);
      const q = queryParams(req, ['limit']);
      const limit = q.limit === undefined ? 100 : parseInteger("'limit'", q.limit, { min: 1, max: 1000 });
      const catalog = await catalogOf(ctx);
      return { status: 200, body: { deadLetters: await catalog.deadLetters(topic, subscriptionParam(req), limit) } };
    },
  };
}

export const subscriptionOperations: Operations<SubscriptionsLog> = subscriptionOperationsFor();
