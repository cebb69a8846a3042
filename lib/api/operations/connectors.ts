// Connectors over HTTP (API.md "Connectors", Kafka Connect's REST API under /v1):
//
//   GET    /v1/connectors[?expand=status|info]         → ["name", ...] | {name: {status, info}}
//   POST   /v1/connectors {"name","config","initial_state"?}          → 201 ConnectorInfo
//   GET    /v1/connectors/{connector}                   → ConnectorInfo
//   GET    /v1/connectors/{connector}/config            → the config
//   PUT    /v1/connectors/{connector}/config  {config}  → 201 created | 200 ConnectorInfo
//   GET    /v1/connectors/{connector}/status            → ConnectorStatus (per task, with trace)
//   PUT    /v1/connectors/{connector}/pause|resume      → 202;  .../stop → 204
//   POST   /v1/connectors/{connector}/restart           → 204
//   DELETE /v1/connectors/{connector}                   → 204
//   GET    /v1/connectors/{connector}/offsets           → {"offsets":[{"partition","offset"}]}
//   PATCH  /v1/connectors/{connector}/offsets {"offsets":[...]}  → 200 (STOPPED only)
//   DELETE /v1/connectors/{connector}/offsets           → 200 (STOPPED only)
//   GET    /v1/connector-plugins[?connectorsOnly=false] → [{"class","type","version"}]
//   PUT    /v1/connector-plugins/{plugin}/config/validate {config}  → ConfigInfos
import type { ExpandedConnectors, TargetState } from '../../core/connectors.ts';
import { InvalidRequestError } from '../../core/errors.ts';
import type { Log } from '../../log/index.ts';
import { alterOffsets, readOffsets, resetOffsets } from '../../connect/offsets.ts';
import { PluginRegistry, type RegistryOptions } from '../../connect/plugins/registry.ts';
import { ConnectorService } from '../../connect/service.ts';
import { requireConnectorRecord } from '../../connect/store.ts';
import type { ApiRequest } from '../http.ts';
import type { OperationContext, Operations } from '../operation.ts';
import { parseJsonBody, queryParams, requireJsonContentType } from '../validation.ts';

const nameParam = (req: ApiRequest): string => req.pathParameters.connector ?? '';

const jsonBody = (req: ApiRequest): unknown => {
  requireJsonContentType(req);
  return parseJsonBody(req);
};

/** The connector operations, resolving plugins with `registry` (the dev server allows module connectors). */
export function connectorOperationsFor(registry: RegistryOptions = {}): Operations {
  const plugins = new PluginRegistry(registry);
  const services = new WeakMap<Log, ConnectorService>();
  const serviceOf = async (ctx: OperationContext): Promise<ConnectorService> => {
    const log = await ctx.log();
    let s = services.get(log);
    if (!s) services.set(log, (s = new ConnectorService(log.clients, plugins)));
    return s;
  };
  const targetState = (state: TargetState, status: number) => async (req: ApiRequest, ctx: OperationContext) => {
    queryParams(req, []);
    await (await serviceOf(ctx)).setTargetState(nameParam(req), state);
    return { status };
  };
  return {
    listConnectors: async (req, ctx) => {
      const expand = req.query.expand ?? [];
      const unknown = Object.keys(req.query).filter((k) => k !== 'expand');
      if (unknown.length) throw new InvalidRequestError(`Unknown query parameter(s) ${unknown.join(', ')} (allowed: expand).`, { fields: unknown });
      if (expand.some((e) => e !== 'status' && e !== 'info')) throw new InvalidRequestError("'expand' must be 'status' or 'info'.", { fields: ['expand'] });
      const service = await serviceOf(ctx);
      const records = await service.list();
      if (expand.length === 0) return { status: 200, body: records.map((r) => r.name) };
      const body: ExpandedConnectors = {};
      for (const r of records) {
        body[r.name] = {
          ...(expand.includes('status') ? { status: await service.statusOf(r) } : {}),
          ...(expand.includes('info') ? { info: { name: r.name, config: r.config, tasks: r.targetState === 'STOPPED' ? [] : [{ connector: r.name, task: 0 }], type: r.type } } : {}),
        };
      }
      return { status: 200, body };
    },
    createConnector: async (req, ctx) => {
      queryParams(req, []);
      return { status: 201, body: await (await serviceOf(ctx)).create(jsonBody(req)) };
    },
    describeConnector: async (req, ctx) => {
      queryParams(req, []);
      return { status: 200, body: await (await serviceOf(ctx)).info(nameParam(req)) };
    },
    getConnectorConfig: async (req, ctx) => {
      queryParams(req, []);
      return { status: 200, body: await (await serviceOf(ctx)).config(nameParam(req)) };
    },
    putConnectorConfig: async (req, ctx) => {
      queryParams(req, []);
      const { created, info } = await (await serviceOf(ctx)).putConfig(nameParam(req), jsonBody(req));
      return { status: created ? 201 : 200, body: info };
    },
    connectorStatus: async (req, ctx) => {
      queryParams(req, []);
      return { status: 200, body: await (await serviceOf(ctx)).status(nameParam(req)) };
    },
    pauseConnector: targetState('PAUSED', 202),
    resumeConnector: targetState('RUNNING', 202),
    stopConnector: targetState('STOPPED', 204),
    restartConnector: async (req, ctx) => {
      queryParams(req, []);
      await (await serviceOf(ctx)).restart(nameParam(req));
      return { status: 204 };
    },
    deleteConnector: async (req, ctx) => {
      queryParams(req, []);
      await (await serviceOf(ctx)).delete(nameParam(req));
      return { status: 204 };
    },
    ...offsetAndPluginOperations(serviceOf, plugins),
  };
}

/** Offsets (KIP-875) and plugins: the operations beside a connector's own lifecycle. */
function offsetAndPluginOperations(serviceOf: (ctx: OperationContext) => Promise<ConnectorService>, plugins: PluginRegistry): Operations {
  return {
    getConnectorOffsets: async (req, ctx) => {
      queryParams(req, []);
      const service = await serviceOf(ctx);
      const r = await requireConnectorRecord(service.clients, nameParam(req));
      return { status: 200, body: { offsets: await readOffsets(service.clients, r) } };
    },
    alterConnectorOffsets: async (req, ctx) => {
      queryParams(req, []);
      const service = await serviceOf(ctx);
      const r = await requireConnectorRecord(service.clients, nameParam(req));
      await alterOffsets(service.clients, plugins, r, jsonBody(req));
      return { status: 200, body: { message: 'The offsets for this connector have been altered successfully' } };
    },
    resetConnectorOffsets: async (req, ctx) => {
      queryParams(req, []);
      const service = await serviceOf(ctx);
      await resetOffsets(service.clients, await requireConnectorRecord(service.clients, nameParam(req)));
      return { status: 200, body: { message: 'The offsets for this connector have been reset successfully' } };
    },
    listConnectorPlugins: async (req) => {
      const q = queryParams(req, ['connectorsOnly']);
      if (q.connectorsOnly !== undefined && q.connectorsOnly !== 'true' && q.connectorsOnly !== 'false') {
        throw new InvalidRequestError("'connectorsOnly' must be true or false.", { fields: ['connectorsOnly'] });
      }
      return { status: 200, body: plugins.pluginInfos(q.connectorsOnly !== 'false') };
    },
    validateConnectorConfig: async (req, ctx) => {
      queryParams(req, []);
      return { status: 200, body: await (await serviceOf(ctx)).validate(req.pathParameters.plugin ?? '', jsonBody(req)) };
    },
  };
}

export const connectorOperations: Operations = connectorOperationsFor();
