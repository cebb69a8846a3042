// A started connector task: the connector, its parsed framework settings (converters,
// transforms, error policy), its own parsed settings and the state its start() returned.
// The runtime starts a task once (per container, per task id), runs batches or polls
// through it (sink.ts, source.ts), and stops it. Nothing here touches storage.
import { sleep as wait } from '../../core/time.ts';
import { connectorSettings, type ConnectorSettings } from '../config/settings.ts';
import type { ConnectorLogger, SinkConnector, SourceConnector, TaskContext, TaskStartContext } from '../plugins/define.ts';
import type { Clock } from '../errors/operator.ts';
import type { TaskIdentity } from '../errors/deadLetter.ts';

export interface TaskOptions {
  taskId?: number;
  /** The connector's settings (name and connector.class included). */
  props: Readonly<Record<string, string>>;
  /** This task's settings (one entry of taskConfigs); default: the connector's. */
  taskProps?: Readonly<Record<string, string>>;
  logger?: ConnectorLogger;
  clock?: Partial<Clock>;
}

interface Task<C> {
  readonly id: TaskIdentity;
  readonly connector: C;
  /** The class name errors report (`__connect.errors.class.name` for TASK_PUT). */
  readonly className: string;
  readonly settings: ConnectorSettings;
  readonly start: TaskStartContext;
  readonly state: unknown;
  readonly clock: Clock;
}

export type SinkTask = Task<SinkConnector> & { readonly type: 'sink' };
export type SourceTask = Task<SourceConnector> & { readonly type: 'source' };

const SILENT: ConnectorLogger = { info: () => undefined, warn: () => undefined, error: () => undefined };

export const defaultClock = (c: Partial<Clock> = {}): Clock => ({
  now: c.now ?? Date.now,
  sleep: c.sleep ?? wait,
  random: c.random ?? Math.random,
});

async function open<C extends SinkConnector | SourceConnector>(connector: C, opts: TaskOptions): Promise<Task<C>> {
  const settings = connectorSettings(connector.type, opts.props);
  const props = opts.taskProps ?? opts.props;
  const start: TaskStartContext = {
    name: settings.name,
    taskId: opts.taskId ?? 0,
    config: connector.configDef.parse(props),
    props,
    logger: opts.logger ?? SILENT,
  };
  const state = connector.start ? await connector.start(start) : undefined;
  return {
    id: { connector: settings.name, task: start.taskId },
    connector,
    className: settings.className,
    settings,
    start,
    state,
    clock: defaultClock(opts.clock),
  };
}

export async function startSinkTask(connector: SinkConnector, opts: TaskOptions): Promise<SinkTask> {
  return { ...(await open(connector, opts)), type: 'sink' };
}

export async function startSourceTask(connector: SourceConnector, opts: TaskOptions): Promise<SourceTask> {
  return { ...(await open(connector, opts)), type: 'source' };
}

/** The context every call of the task gets. */
export function taskContext(task: SinkTask | SourceTask, signal?: AbortSignal): TaskContext<unknown> {
  return { ...task.start, state: task.state, now: task.clock.now, ...(signal ? { signal } : {}) };
}

export async function stopTask(task: SinkTask | SourceTask): Promise<void> {
  await task.connector.stop?.(taskContext(task));
}
