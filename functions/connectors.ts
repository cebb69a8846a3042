// Lambda entry point of the 'connectors' function (see FUNCTIONS in lib/api/routes.ts):
// connector management through the API (lib/api/operations/connectors.ts).
import { connectorOperations } from '../lib/api/operations/connectors.ts';
import { handleEvents } from '../lib/runtime/events.ts';
import { createHttpHandler } from '../lib/runtime/http.ts';
import { logFromEnv } from '../lib/runtime/storage.ts';

export const handler = handleEvents('connectors', {
  http: createHttpHandler({ fn: 'connectors', operations: connectorOperations, log: logFromEnv }),
});
