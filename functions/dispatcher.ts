// Lambda entry point of the 'dispatcher' function (see FUNCTIONS in lib/api/routes.ts): no
// HTTP routes. Invoked by the partitions table's stream (event source mapping) and by the
// EventBridge schedule; see lib/subscriptions/lambda.ts.
import { createLogger } from '../lib/api/logger.ts';
import { createDispatcherHandler } from '../lib/subscriptions/lambda.ts';

const logger = createLogger('sluice-dispatcher');

export const handler = createDispatcherHandler(undefined, {
  info: (message, details) => logger.info(message, details ?? {}),
  warn: (message, details) => logger.warn(message, details ?? {}),
  error: (message, details) => logger.error(message, details ?? {}),
});
