// The started tasks of this container, one per task of a connector incarnation and
// version: a task is started (its connector's start(), with its entry of taskConfigs)
// once and reused by every batch or poll until the connector is changed, restarted or
// deleted, when the next use starts a fresh one and the old one is stopped. Connectors are resolved through the plugin registry, so what
// runs is what validation accepted.
import type { StorageClients } from '../../storage/clients.ts';
import type { Log } from '../../log/index.ts';
import type { PluginRegistry } from '../plugins/registry.ts';
import type { ConnectorLogger } from '../plugins/define.ts';
import type { Clock } from '../errors/operator.ts';
import { taskConfigs } from '../tasks/configs.ts';
import { startSinkTask, startSourceTask, stopTask, type SinkTask, type SourceTask } from '../tasks/task.ts';
import type { ConnectorRecord } from '../store.ts';

/** What the connector runtime runs on: storage, the log it appends to, the plugins. */
export interface ConnectRuntimeDeps {
  clients: StorageClients;
  log: Log;
  registry: PluginRegistry;
  /** Names this container in task statuses (Kafka's worker_id). */
  workerId: string;
  logger?: ConnectorLogger;
  clock?: Partial<Clock>;
  /**
   * Which connectors this runtime runs: those named here, or else every connector whose
   * class its registry knows (a custom connector deployed with its own function is run by
   * that function alone).
   */
  only?: readonly string[];
}

/** Whether the runtime of `deps` runs this connector (ConnectRuntimeDeps.only). */
export async function runsHere(deps: Pick<ConnectRuntimeDeps, 'registry' | 'only'>, r: ConnectorRecord): Promise<boolean> {
  if (deps.only) return deps.only.includes(r.name);
  return deps.registry.resolve(r.config['connector.class'] ?? '').then(
    () => true,
    () => false,
  );
}

const incarnation = (r: ConnectorRecord) => `${r.connectorId}#${r.version}`;
const slot = (name: string, task: number) => `${name}\u0000${task}`;

export class TaskCache {
  private readonly started = new Map<string, { name: string; key: string; task: Promise<SinkTask | SourceTask> }>();

  constructor(private readonly deps: ConnectRuntimeDeps) {}

  sink(r: ConnectorRecord, task = 0): Promise<SinkTask> {
    return this.get(r, task) as Promise<SinkTask>;
  }

  source(r: ConnectorRecord, task = 0): Promise<SourceTask> {
    return this.get(r, task) as Promise<SourceTask>;
  }

  /** The settings of each of the connector's tasks (tasks/configs.ts). */
  async configs(r: ConnectorRecord): Promise<Record<string, string>[]> {
    const plugin = await this.deps.registry.resolve(r.config['connector.class'] ?? '');
    return taskConfigs(plugin.connector, r.config);
  }

  private get(r: ConnectorRecord, taskId: number): Promise<SinkTask | SourceTask> {
    const at = slot(r.name, taskId);
    const held = this.started.get(at);
    if (held?.key === incarnation(r)) return held.task;
    if (held) void this.stopQuietly(held.task);
    const task = this.start(r, taskId);
    this.started.set(at, { name: r.name, key: incarnation(r), task });
    task.catch(() => {
      if (this.started.get(at)?.task === task) this.started.delete(at);
    });
    return task;
  }

  private async start(r: ConnectorRecord, taskId: number): Promise<SinkTask | SourceTask> {
    const plugin = await this.deps.registry.resolve(r.config['connector.class'] ?? '');
    const c = plugin.connector;
    const taskProps = taskConfigs(c, r.config)[taskId] ?? r.config;
    const opts = {
      props: r.config,
      taskProps,
      taskId,
      ...(this.deps.logger ? { logger: this.deps.logger } : {}),
      ...(this.deps.clock ? { clock: this.deps.clock } : {}),
    };
    return c.type === 'sink' ? startSinkTask(c, opts) : startSourceTask(c, opts);
  }

  /** Stops the tasks of a connector, or one of them (paused, stopped, deleted, restarted, failed). */
  async drop(name: string, task?: number): Promise<void> {
    const mine = [...this.started].filter(([at, held]) => held.name === name && (task === undefined || at === slot(name, task)));
    for (const [at] of mine) this.started.delete(at);
    await Promise.all(mine.map(([, held]) => this.stopQuietly(held.task)));
  }

  async stopAll(): Promise<void> {
    const names = new Set([...this.started.values()].map((h) => h.name));
    await Promise.all([...names].map((n) => this.drop(n)));
  }

  private async stopQuietly(task: Promise<SinkTask | SourceTask>): Promise<void> {
    try {
      await stopTask(await task);
    } catch (err) {
      this.deps.logger?.warn('connector task did not stop cleanly', { error: (err as Error)?.message ?? String(err) });
    }
  }
}
