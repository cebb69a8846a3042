// The connector runtime of one container: the sink connectors' dispatcher (the
// subscription dispatcher running only the connector kind, from the partitions stream and
// sweeps) and the source connectors' runner (polled by a schedule), over one task cache.
// functions/connectorRuntime.ts runs it deployed; the dev server runs it on timers.
import { randomUUID } from 'node:crypto';
import type { Log } from '../../log/index.ts';
import { Dispatcher, type DispatcherOptions, type PartitionStreamRecord } from '../../subscriptions/dispatcher.ts';
import type { SubscriptionKind } from '../../subscriptions/kinds.ts';
import { PluginRegistry, type RegistryOptions } from '../plugins/registry.ts';
import type { ConnectorLogger } from '../plugins/define.ts';
import type { Clock } from '../errors/operator.ts';
import { customSinkWaker, type CustomSinkWakerOptions } from './customSinks.ts';
import { connectorSinkKind } from './sinkKind.ts';
import { SourceRunner, type SourceRunOptions, type SourceRunReport } from './sources.ts';
import { TaskCache } from './tasks.ts';

export { transactionalCommitter, type SourceCommit, type SourceCommitter } from './commit.ts';
export { SourceRunner, type SourceRunReport } from './sources.ts';
export { CUSTOM_SINK_FUNCTIONS_ENV, customSinkFunctions, isRunRequest, RUN_REQUEST } from './customSinks.ts';

export interface ConnectRuntimeOptions {
  registry?: RegistryOptions | PluginRegistry;
  logger?: ConnectorLogger;
  clock?: Partial<Clock>;
  /** Overrides of the sinks' dispatcher (tests: clock, budget, backoff). */
  dispatcher?: DispatcherOptions;
  sources?: SourceRunOptions;
  /** How long the list of running sinks is reused. Default 1000 ms. */
  sinkCacheMs?: number;
  workerId?: string;
  /** Run only these connectors (a custom connector's own function); default: every one whose class the registry knows. */
  only?: readonly string[];
  /** Custom sinks deployed with functions of their own, woken by wakeCustomSinks (customSinks.ts). */
  customSinks?: CustomSinkWakerOptions;
}

export interface ConnectRuntime {
  /** Runs sink connectors: handleStreamRecords for the partitions stream, sweep for the rest. */
  readonly sinks: Dispatcher;
  readonly sources: SourceRunner;
  /** The sink connectors as a subscription kind, for a dispatcher that runs subscriptions too (the dev server's). */
  readonly sinkKind: SubscriptionKind;
  /** Wakes the custom sinks (own functions) reading the topics a stream batch moved; returns their names. */
  wakeCustomSinks(records: readonly PartitionStreamRecord[]): Promise<string[]>;
  /** One scheduled run: every running source polled, then a sweep of the sinks. */
  runScheduled(opts?: { deadline?: number }): Promise<{ sources: SourceRunReport[]; sinkRuns: number }>;
  /** Forget the cached list of running sinks (after a management change in this process). */
  refresh(): void;
  stop(): Promise<void>;
}

export function createConnectRuntime(log: Log, opts: ConnectRuntimeOptions = {}): ConnectRuntime {
  const registry = opts.registry instanceof PluginRegistry ? opts.registry : new PluginRegistry(opts.registry ?? {});
  const deps = {
    clients: log.clients,
    log,
    registry,
    workerId: opts.workerId ?? `sluice-${randomUUID().slice(0, 8)}`,
    ...(opts.logger ? { logger: opts.logger } : {}),
    ...(opts.clock ? { clock: opts.clock } : {}),
    ...(opts.only ? { only: opts.only } : {}),
  };
  const tasks = new TaskCache(deps);
  const kind = connectorSinkKind(deps, tasks, { ...(opts.sinkCacheMs !== undefined ? { cacheMs: opts.sinkCacheMs } : {}), ...(opts.dispatcher?.now ? { now: opts.dispatcher.now } : {}) });
  const sinks = new Dispatcher(log.clients, { ...opts.dispatcher, subscriptions: false, kinds: [kind] });
  const sources = new SourceRunner(deps, tasks, opts.sources);
  const wake = customSinkWaker(log.clients, opts.customSinks ?? { functions: {}, invoke: async () => undefined });
  return {
    sinks,
    sources,
    sinkKind: kind,
    wakeCustomSinks: wake,
    async runScheduled(run = {}) {
      const reports = await sources.runAll(run);
      const sweep = await sinks.sweep(run);
      return { sources: reports, sinkRuns: sweep.outcomes.length };
    },
    refresh: () => kind.refresh(),
    stop: () => tasks.stopAll(),
  };
}
