// Connector management (API.md "Connectors", Kafka Connect's REST API): create, change,
// pause, resume, stop, restart and delete connectors, their status per task, their
// offsets while stopped (KIP-875), the plugins and config validation. Every config is
// validated as PUT .../config/validate would (ConfigInfos) before anything is stored, so
// a stored connector always has settings it can run with; a bad one is INVALID_CONFIG
// naming each setting at fault, and nothing is written.
import { randomUUID } from 'node:crypto';
import type { ConfigInfos, ConnectorInfo, ConnectorRunState, ConnectorStatus, TargetState } from '../core/connectors.ts';
import { InvalidConfigError, InvalidRequestError, UnknownConnectorPluginError } from '../core/errors.ts';
import { validateKafkaName } from '../log/schema.ts';
import type { StorageClients } from '../storage/clients.ts';
import { errorLines, validateConnectorConfig } from './config/validate.ts';
import { ConfigException } from './data/exceptions.ts';
import type { ConnectorPlugin } from './connectors/plugin.ts';
import type { PluginRegistry } from './plugins/registry.ts';
import { deleteSinkPositions } from './offsets.ts';
import { taskConfigs } from './tasks/configs.ts';
import {
  createConnectorRecord,
  deleteConnectorRecord,
  getConnectorRecord,
  listConnectorRecords,
  deleteTaskStatusesFrom,
  putTaskStatus,
  readFailedTasks,
  readTaskStatuses,
  requireConnectorRecord,
  updateConnectorRecord,
  type ConnectorRecord,
} from './store.ts';

export interface ConnectorServiceOptions {
  now?: () => number;
  /** Names this server in statuses (Kafka's worker_id). */
  workerId?: string;
}

export const validateConnectorName = (name: unknown): string => validateKafkaName(name, 'Connector name', InvalidRequestError);

/** A config as sent: an object of strings (numbers and booleans are taken as their text). */
export function configMap(raw: unknown, field = 'config'): Record<string, string> {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new InvalidRequestError(`'${field}' must be an object of setting names to string values.`, { fields: [field] });
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(raw)) {
    if (typeof v === 'string') out[k] = v;
    else if (typeof v === 'number' || typeof v === 'boolean') out[k] = String(v);
    else throw new InvalidRequestError(`'${field}.${k}' must be a string.`, { fields: [`${field}.${k}`] });
  }
  return out;
}

export class ConnectorService {
  private readonly now: () => number;
  private readonly workerId: string;

  constructor(
    readonly clients: StorageClients,
    readonly registry: PluginRegistry,
    opts: ConnectorServiceOptions = {},
  ) {
    this.now = opts.now ?? Date.now;
    this.workerId = opts.workerId ?? 'sluice';
  }

  /** POST /v1/connectors: `{"name","config","initial_state"?}`. */
  async create(body: unknown): Promise<ConnectorInfo> {
    if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new InvalidRequestError('The body must be {"name","config"}.');
    const { name: rawName, config: rawConfig, initial_state: initial, ...rest } = body as Record<string, unknown>;
    const unknown = Object.keys(rest);
    if (unknown.length) throw new InvalidRequestError(`Unknown field(s) ${unknown.map((u) => `'${u}'`).join(', ')} (allowed: name, config, initial_state).`, { fields: unknown });
    const name = validateConnectorName(rawName);
    if (initial !== undefined && initial !== 'RUNNING' && initial !== 'PAUSED' && initial !== 'STOPPED') {
      throw new InvalidRequestError("'initial_state' must be RUNNING, PAUSED or STOPPED.", { fields: ['initial_state'] });
    }
    const config = await this.checked(name, configMap(rawConfig));
    const now = this.now();
    const record: ConnectorRecord = { name, connectorId: randomUUID(), type: config.type, config: config.props, targetState: initial ?? 'RUNNING', version: 1, createdAt: now, updatedAt: now };
    await createConnectorRecord(this.clients, record);
    await this.putStatus(record, record.targetState);
    return this.infoOf(record);
  }

  /** PUT /v1/connectors/{name}/config: creates the connector or replaces its config. */
  async putConfig(name: string, raw: unknown): Promise<{ created: boolean; info: ConnectorInfo }> {
    const existing = await getConnectorRecord(this.clients, validateConnectorName(name));
    if (!existing) return { created: true, info: await this.create({ name, config: raw }) };
    const config = await this.checked(name, configMap(raw, 'body'));
    if (config.type !== existing.type) throw new InvalidConfigError(`Connector ${name} is a ${existing.type} connector; its config cannot make it a ${config.type} connector.`, { field: 'connector.class' });
    const updated = await updateConnectorRecord(this.clients, existing, { config: config.props }, this.now());
    // New settings start fresh tasks (Kafka reconfigures them), as many as they ask for.
    await this.putStatus(updated, updated.targetState);
    return { created: false, info: await this.infoOf(updated) };
  }

  async list(): Promise<ConnectorRecord[]> {
    return listConnectorRecords(this.clients);
  }

  async info(name: string): Promise<ConnectorInfo> {
    return this.infoOf(await requireConnectorRecord(this.clients, name));
  }

  async config(name: string): Promise<Record<string, string>> {
    return (await requireConnectorRecord(this.clients, name)).config;
  }

  async status(name: string): Promise<ConnectorStatus> {
    return this.statusOf(await requireConnectorRecord(this.clients, name));
  }

  /** Status as Kafka shows it: the connector runs as asked; a task may have FAILED with its trace. */
  async statusOf(r: ConnectorRecord): Promise<ConnectorStatus> {
    const statuses = await readTaskStatuses(this.clients, r.name);
    const tasks = r.targetState === 'STOPPED' ? [] : statuses;
    const state: ConnectorRunState = r.targetState;
    // A stopped connector has no tasks to show; one that failed while stopped (a source's
    // upstream position lost) shows the failure on the connector itself.
    const stoppedFailure = r.targetState === 'STOPPED' ? statuses.find((t) => t.state === 'FAILED') : undefined;
    return {
      name: r.name,
      connector: stoppedFailure ? { state: 'FAILED', worker_id: this.workerId, ...(stoppedFailure.trace ? { trace: stoppedFailure.trace } : {}) } : { state, worker_id: this.workerId },
      tasks: tasks.map((t) => ({ id: t.task, state: t.state === 'FAILED' ? 'FAILED' : state, worker_id: t.workerId, ...(t.state === 'FAILED' && t.trace ? { trace: t.trace } : {}) })),
      type: r.type,
    };
  }

  /** PUT .../pause, .../resume, .../stop. */
  async setTargetState(name: string, state: TargetState): Promise<void> {
    const r = await requireConnectorRecord(this.clients, name);
    if (r.targetState === state) return;
    const updated = await updateConnectorRecord(this.clients, r, { targetState: state }, this.now());
    // A failed task stays failed through pause and resume (Kafka): only restart clears it.
    const failed = (await readFailedTasks(this.clients, name)).size > 0;
    if (!failed || state === 'STOPPED') await this.putStatus(updated, state);
  }

  /** POST .../restart: a fresh task from the committed position; clears a failure. */
  async restart(name: string): Promise<void> {
    const r = await requireConnectorRecord(this.clients, name);
    const updated = await updateConnectorRecord(this.clients, r, {}, this.now());
    await this.putStatus(updated, updated.targetState);
  }

  async delete(name: string): Promise<void> {
    const r = await requireConnectorRecord(this.clients, name);
    // What a source holds upstream is released first, so a failure leaves the connector to delete again.
    const plugin = await this.registry.resolve(r.config['connector.class'] ?? '').catch(() => undefined);
    if (plugin?.connector.type === 'source') await plugin.connector.onDelete?.({ name, props: r.config });
    await deleteConnectorRecord(this.clients, r);
    if (r.type === 'sink') await deleteSinkPositions(this.clients, r);
  }

  /** PUT /v1/connector-plugins/{plugin}/config/validate. */
  async validate(pluginName: string, raw: unknown): Promise<ConfigInfos> {
    const props = configMap(raw, 'body');
    let plugin: ConnectorPlugin;
    try {
      plugin = await this.registry.resolve(pluginName);
    } catch (err) {
      if (err instanceof ConfigException) throw new UnknownConnectorPluginError(err.message, { plugin: pluginName });
      throw err;
    }
    return validateConnectorConfig(plugin.connector, plugin.className, { ...props, 'connector.class': props['connector.class'] ?? pluginName });
  }

  private async checked(name: string, props: Record<string, string>): Promise<{ type: 'sink' | 'source'; props: Record<string, string> }> {
    if (props.name !== undefined && props.name !== name) throw new InvalidConfigError(`'name' in the config (${props.name}) must be the connector's name (${name}).`, { field: 'name' });
    const className = props['connector.class'];
    if (!className) throw new InvalidConfigError("Connector config must name 'connector.class'.", { field: 'connector.class' });
    let plugin: ConnectorPlugin;
    try {
      plugin = await this.registry.resolve(className);
    } catch (err) {
      if (err instanceof ConfigException) throw new InvalidConfigError(err.message, { field: 'connector.class' });
      throw err;
    }
    const full = { ...props, name };
    const infos = validateConnectorConfig(plugin.connector, plugin.className, full);
    if (infos.error_count > 0) {
      const lines = errorLines(infos);
      throw new InvalidConfigError(`Connector configuration is invalid and contains the following ${infos.error_count} error(s):\n${lines.join('\n')}`, { errors: lines });
    }
    return { type: plugin.connector.type, props: full };
  }

  private async infoOf(r: ConnectorRecord): Promise<ConnectorInfo> {
    const tasks = r.targetState === 'STOPPED' ? 0 : await this.taskCount(r);
    return { name: r.name, config: r.config, tasks: Array.from({ length: tasks }, (_, task) => ({ connector: r.name, task })), type: r.type };
  }

  /** How many tasks the connector runs (tasks.max, and a source's taskConfigs). */
  private async taskCount(r: ConnectorRecord): Promise<number> {
    const plugin = await this.registry.resolve(r.config['connector.class'] ?? '');
    return taskConfigs(plugin.connector, r.config).length;
  }

  /** Every task's status set to `state` (a failure cleared); statuses of tasks no longer run removed. */
  private async putStatus(r: ConnectorRecord, state: ConnectorRunState): Promise<void> {
    const tasks = await this.taskCount(r);
    for (let task = 0; task < tasks; task++) await putTaskStatus(this.clients, r.name, { task, state, workerId: this.workerId, updatedAt: this.now() });
    await deleteTaskStatusesFrom(this.clients, r.name, tasks);
  }
}
