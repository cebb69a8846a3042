// Every function's operations, by function name: the whole API in one map, for the local
// dev server and tests (lib/local/apiGateway.ts). A deployed function imports only its own
// module (functions/<fn>.ts), so its bundle carries no other function's code.
import type { Operations } from '../operation.ts';
import type { FunctionName } from '../routes.ts';
import { connectorOperations } from './connectors.ts';
import { fetchOperations } from './fetch.ts';
import { groupOperations } from './groups.ts';
import { healthOperations } from './health.ts';
import { maintenanceOperations } from './maintenance.ts';
import { processorOperations } from './processors.ts';
import { produceOperations } from './produce.ts';
import { subscriptionOperations } from './subscriptions.ts';
import { topicOperations } from './topics.ts';
import { transactionOperations } from './transactions.ts';

/** Each function's operations, by operation id of the route table. */
export const OPERATIONS: Record<FunctionName, Operations> = {
  admin: topicOperations,
  produce: produceOperations,
  fetch: fetchOperations,
  groups: groupOperations,
  health: healthOperations,
  maintenance: maintenanceOperations,
  subscriptions: subscriptionOperations,
  transactions: transactionOperations,
  processors: processorOperations,
  // No HTTP routes: driven by the partitions stream and a schedule (functions/dispatcher.ts).
  // Its API handler answers every request 404, like any function reached by another's route.
  dispatcher: {},
  // No HTTP routes: the push WebSocket API's events (PUSH_ROUTES; functions/push.ts).
  push: {},
  connectors: connectorOperations,
  // No HTTP routes: driven by the partitions stream and a schedule (functions/connectorRuntime.ts).
  connectorRuntime: {},
};
