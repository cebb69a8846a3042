// The started tasks of this container, one per connector incarnation and version: a task
// is started (its connector's start()) once and reused by every batch or poll until the
// connector is changed, restarted or deleted, when the next use starts a fresh one and
// the old one is stopped. Connectors are resolved through the plugin registry, so what
// runs is what validation accepted.
import type { StorageClients } from '../../storage/clients.ts';
import type { Log } from '../../log/index.ts';
import type { PluginRegistry } from '../plugins/registry.ts';
import type { ConnectorLogger } from '../plugins/define.ts';
import type { Clock } from '../errors/operator.ts';
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
}

const incarnation = (r: ConnectorRecord) => `${r.connectorId}#${r.version}`;

export class TaskCache {
  private readonly started = new Map<string, { key: string; task: Promise<SinkTask | SourceTask> }>();

  constructor(private readonly deps: ConnectRuntimeDeps) {}

  sink(r: ConnectorRecord): Promise<SinkTask> {
    return this.get(r) as Promise<SinkTask>;
  }

  source(r: ConnectorRecord): Promise<SourceTask> {
    return this.get(r) as Promise<SourceTask>;
  }

  private get(r: ConnectorRecord): Promise<SinkTask | SourceTask> {
    const held = this.started.get(r.name);
    if (held?.key === incarnation(r)) return held.task;
    if (held) void this.stopQuietly(held.task);
    const task = this.start(r);
    this.started.set(r.name, { key: incarnation(r), task });
    task.catch(() => {
      if (this.started.get(r.name)?.task === task) this.started.delete(r.name);
    });
    return task;
  }

  private async start(r: ConnectorRecord): Promise<SinkTask | SourceTask> {
    const plugin = await this.deps.registry.resolve(r.config['connector.class'] ?? '');
    const opts = {
      props: r.config,
      ...(this.deps.logger ? { logger: this.deps.logger } : {}),
      ...(this.deps.clock ? { clock: this.deps.clock } : {}),
    };
    const c = plugin.connector;
    return c.type === 'sink' ? startSinkTask(c, opts) : startSourceTask(c, opts);
  }

  /** Stops the task of a connector (paused, stopped, deleted, restarted). */
  async drop(name: string): Promise<void> {
    const held = this.started.get(name);
    this.started.delete(name);
    if (held) await this.stopQuietly(held.task);
  }

  async stopAll(): Promise<void> {
    const names = [...this.started.keys()];
    await Promise.all(names.map((n) => this.drop(n)));
  }

  private async stopQuietly(task: Promise<SinkTask | SourceTask>): Promise<void> {
    try {
      await stopTask(await task);
    } catch (err) {
      this.deps.logger?.warn('connector task did not stop cleanly', { error: (err as Error)?.message ?? String(err) });
    }
  }
}
