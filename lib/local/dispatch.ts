// The subscription dispatcher in the local dev server: the same handler as the deployed
// 'dispatcher' function, fed the way AWS feeds it. The partitions table's stream is
// polled (lib/local/streams.ts, every 250 ms) and each page becomes a
// `{Records:[...]}` event, so delivery starts within a second of a produce; a sweep runs
// every second in place of the one-minute EventBridge schedule (batching windows,
// retries, pending subscriptions, anything the stream did not cover). Module targets
// (from the allowed directories only) and http targets on loopback are allowed here,
// and only here.
import { createDispatcherHandler, dispatcherOptionsFromEnv } from '../subscriptions/lambda.ts';
import { Dispatcher, type DispatcherLogger, type DispatcherOptions } from '../subscriptions/dispatcher.ts';
import type { LocalStack } from './stack.ts';
import { startStreamPoller, type StreamPoller } from './streams.ts';

export interface LocalDispatcherOptions {
  logger?: DispatcherLogger;
  /** Stream poll interval; default 250 ms. */
  pollIntervalMs?: number;
  /** Sweep interval; default 1 s. 0 turns the sweep off. */
  sweepIntervalMs?: number;
  /** Directories module targets must lie in (default: the working directory). */
  moduleDirs?: readonly string[];
  /** Dispatcher overrides (tests). */
  dispatcher?: DispatcherOptions;
  env?: NodeJS.ProcessEnv;
}

export interface LocalDispatcher {
  dispatcher: Dispatcher;
  poller: StreamPoller;
  stop(): Promise<void>;
}

export function startLocalDispatcher(stack: Pick<LocalStack, 'config' | 'clients'>, opts: LocalDispatcherOptions = {}): LocalDispatcher {
  const logger = opts.logger;
  const dispatcher = new Dispatcher(stack.clients, {
    allowModules: true,
    ...(opts.moduleDirs ? { moduleDirs: opts.moduleDirs } : {}),
    allowLoopback: true,
    inlineWaitMs: 1_000,
    ...dispatcherOptionsFromEnv(opts.env ?? process.env),
    ...(logger ? { logger } : {}),
    ...opts.dispatcher,
  });
  const handler = createDispatcherHandler(dispatcher, logger);
  const poller = startStreamPoller({
    config: stack.config,
    clients: stack.clients,
    tableName: stack.clients.names.tables.partitions,
    ...(opts.pollIntervalMs !== undefined ? { intervalMs: opts.pollIntervalMs } : {}),
    onRecords: async (records) => {
      const result = await handler({ Records: records });
      if (result.batchItemFailures?.length) throw new Error(`${result.batchItemFailures.length} stream records failed to dispatch`);
    },
    onError: (err) => logger?.warn('stream poll failed', { error: (err as Error)?.message ?? String(err) }),
  });

  const sweepEvery = opts.sweepIntervalMs ?? 1_000;
  let stopped = false;
  let sweeping: Promise<unknown> | undefined;
  let timer: NodeJS.Timeout | undefined;
  const schedule = () => {
    if (stopped || sweepEvery <= 0) return;
    timer = setTimeout(() => {
      sweeping = dispatcher
        .sweep()
        .catch((err: unknown) => logger?.warn('sweep failed', { error: (err as Error)?.message ?? String(err) }))
        .finally(() => {
          sweeping = undefined;
          schedule();
        });
    }, sweepEvery);
    timer.unref?.();
  };
  schedule();

  return {
    dispatcher,
    poller,
    stop: async () => {
      stopped = true;
      clearTimeout(timer);
      await poller.stop();
      await sweeping;
    },
  };
}
