// Lambda entry point of the 'connectors' function (see FUNCTIONS in lib/api/routes.ts):
// connector management through the API (lib/api/operations/connectors.ts), and the custom
// resource requests of `platform.addConnector` (lib/connect/resource.ts), which create and
// delete connectors at deploy time with the same code.
import { connectorOperations } from '../lib/api/operations/connectors.ts';
import { PluginRegistry } from '../lib/connect/plugins/registry.ts';
import { connectorResource } from '../lib/connect/resource.ts';
import { ConnectorService } from '../lib/connect/service.ts';
import { handleEvents } from '../lib/runtime/events.ts';
import { createHttpHandler } from '../lib/runtime/http.ts';
import { createInvokeHandler } from '../lib/runtime/invoke.ts';
import { storageFromEnv } from '../lib/runtime/storage.ts';
import { logFromEnv } from '../lib/runtime/storage.ts';

let service: ConnectorService | undefined;

export const handler = handleEvents('connectors', {
  http: createHttpHandler({ fn: 'connectors', operations: connectorOperations, log: logFromEnv }),
  invoke: createInvokeHandler('connectors', connectorResource(() => (service ??= new ConnectorService(storageFromEnv(), new PluginRegistry())))),
});
