// Lambda entry point of a custom connector's own function (`platform.addConnector(name,
// config, { entry })`, cdk/connectors.ts): the user's module, exporting a connector made
// with defineSinkConnector or defineSourceConnector as its default export, is bundled in
// as 'sluice-custom-connector'. The function serves the connector's custom resource (so
// its config is validated by the connector's own configDef) and runs that connector alone
// on the connector runtime's schedule: a source is polled, a sink swept from its cursors;
// and a sink at once when the shared runtime wakes it for an append to its topics.
import userModule from 'sluice-custom-connector';
import { isConnector } from '../lib/connect/plugins/define.ts';
import { PluginRegistry } from '../lib/connect/plugins/registry.ts';
import { connectorResource } from '../lib/connect/resource.ts';
import { createConnectRuntime, isRunRequest, type ConnectRuntime } from '../lib/connect/runtime/index.ts';
import { ConnectorService } from '../lib/connect/service.ts';
import { handleEvents } from '../lib/runtime/events.ts';
import { createInvokeHandler } from '../lib/runtime/invoke.ts';
import { createScheduleHandler } from '../lib/runtime/schedule.ts';
import { logFromEnv } from '../lib/runtime/storage.ts';

const NAME = process.env.SLUICE_CONNECTOR_NAME ?? '';
const CLASS = process.env.SLUICE_CONNECTOR_CLASS ?? '';

function registry(): PluginRegistry {
  if (!isConnector(userModule)) throw new Error(`The module bundled for connector ${NAME} exports no connector (export default defineSinkConnector(...) or defineSourceConnector(...)).`);
  return new PluginRegistry({ plugins: [{ className: CLASS, aliases: [], connector: userModule }] });
}

let runtime: ConnectRuntime | undefined;
let service: ConnectorService | undefined;
const runtimeOf = () => (runtime ??= createConnectRuntime(logFromEnv(), { registry: registry(), only: [NAME] }));
const serviceOf = () => (service ??= new ConnectorService(logFromEnv().clients, registry()));

const scheduled = createScheduleHandler('connectorRuntime', (pass) => runtimeOf().runScheduled(pass.deadline !== undefined ? { deadline: pass.deadline } : {}), {
  summary: (r) => ({ sources: r.sources.map((s) => ({ connector: s.connector, task: s.task, records: s.records, state: s.state })), sinkRuns: r.sinkRuns }),
});
const resource = createInvokeHandler('connectorRuntime', connectorResource(serviceOf));

export const handler = handleEvents('connectorRuntime', {
  schedule: scheduled,
  // Woken by the shared runtime (a run now, as the schedule's), else its custom resource.
  invoke: (event, context) => (isRunRequest(event) ? scheduled(event, context) : resource(event, context)),
});
