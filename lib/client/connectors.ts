// Connectors (API.md "Connectors", Kafka Connect's REST API): create and configure
// connectors, pause, resume, stop and restart them, read their status per task, read,
// alter and reset their offsets while stopped, list plugins and validate configs. Thin:
// one request per call, errors as typed SluiceErrors.
import type {
  ConfigInfos,
  ConnectorInfo,
  ConnectorOffset,
  ConnectorPluginInfo,
  ConnectorStatus,
  CreateConnectorRequest,
  ExpandedConnectors,
} from '../core/connectors.ts';
import { connectorPath, connectorPluginPath } from './paths.ts';

/** The shapes a caller of this client reads (the console imports them from here, over the SDK only). */
export type { ConnectorInfo, ConnectorRunState, ConnectorStatus } from '../core/connectors.ts';
import type { JsonTransport } from './transport.ts';

export class Connectors {
  constructor(private readonly http: JsonTransport) {}

  /** Creates a connector; its config is validated first (INVALID_CONFIG naming each bad setting). */
  create(request: CreateConnectorRequest): Promise<ConnectorInfo> {
    return this.http.json<ConnectorInfo>({ method: 'POST', path: connectorPath(), body: request });
  }

  /** The connectors' names. */
  list(): Promise<string[]> {
    return this.http.json<string[]>({ method: 'GET', path: connectorPath() });
  }

  /** Every connector with its status and info (Kafka's ?expand=status&expand=info). */
  async listExpanded(): Promise<ExpandedConnectors> {
    const [status, info] = await Promise.all(
      (['status', 'info'] as const).map((expand) => this.http.json<ExpandedConnectors>({ method: 'GET', path: connectorPath(), query: { expand } })),
    );
    const out: ExpandedConnectors = {};
    for (const name of Object.keys(info!)) out[name] = { ...info![name], ...status![name] };
    return out;
  }

  get(name: string): Promise<ConnectorInfo> {
    return this.http.json<ConnectorInfo>({ method: 'GET', path: connectorPath(name) });
  }

  config(name: string): Promise<Record<string, string>> {
    return this.http.json<Record<string, string>>({ method: 'GET', path: connectorPath(name, '/config') });
  }

  /** Creates the connector, or replaces its config. */
  putConfig(name: string, config: Record<string, string>): Promise<ConnectorInfo> {
    return this.http.json<ConnectorInfo>({ method: 'PUT', path: connectorPath(name, '/config'), body: config });
  }

  status(name: string): Promise<ConnectorStatus> {
    return this.http.json<ConnectorStatus>({ method: 'GET', path: connectorPath(name, '/status') });
  }

  async pause(name: string): Promise<void> {
    await this.http.json({ method: 'PUT', path: connectorPath(name, '/pause') });
  }

  async resume(name: string): Promise<void> {
    await this.http.json({ method: 'PUT', path: connectorPath(name, '/resume') });
  }

  async stop(name: string): Promise<void> {
    await this.http.json({ method: 'PUT', path: connectorPath(name, '/stop') });
  }

  async restart(name: string): Promise<void> {
    await this.http.json({ method: 'POST', path: connectorPath(name, '/restart') });
  }

  async delete(name: string): Promise<void> {
    await this.http.json({ method: 'DELETE', path: connectorPath(name) });
  }

  async offsets(name: string): Promise<ConnectorOffset[]> {
    return (await this.http.json<{ offsets: ConnectorOffset[] }>({ method: 'GET', path: connectorPath(name, '/offsets') })).offsets;
  }

  /** Sets offsets while the connector is stopped (a null offset removes one). */
  async alterOffsets(name: string, offsets: ConnectorOffset[]): Promise<void> {
    await this.http.json({ method: 'PATCH', path: connectorPath(name, '/offsets'), body: { offsets } });
  }

  /** Removes every offset while the connector is stopped: it starts from scratch. */
  async resetOffsets(name: string): Promise<void> {
    await this.http.json({ method: 'DELETE', path: connectorPath(name, '/offsets') });
  }

  plugins(opts: { connectorsOnly?: boolean } = {}): Promise<ConnectorPluginInfo[]> {
    return this.http.json<ConnectorPluginInfo[]>({ method: 'GET', path: connectorPluginPath(), ...(opts.connectorsOnly === false ? { query: { connectorsOnly: 'false' } } : {}) });
  }

  validate(plugin: string, config: Record<string, string>): Promise<ConfigInfos> {
    return this.http.json<ConfigInfos>({ method: 'PUT', path: connectorPluginPath(plugin, '/config/validate'), body: config });
  }
}
