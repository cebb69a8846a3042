// The subscription dispatcher in the local dev server: the same handler as the deployed
// 'dispatcher' function, fed the way AWS feeds it. The partitions table's stream is
// polled (lib/local/streams.ts, every 250 ms) and each page becomes a
// `{Records:[...]}` event, so delivery starts within a second of a produce; a sweep runs
// every second in place of the one-minute EventBridge schedule (batching windows,
// retries, pending subscriptions, anything the stream did not cover). Module targets
// (from the allowed directories only) and http targets on loopback are allowed here,
// and only here. Stream pages go through the deployed function's own stream adapter
// (lib/runtime/stream.ts) and the same dispatcher runs (runs.ts).
import { withHeadNotices, type NoticeDeps } from '../push/stream.ts';
import { createStreamHandler } from '../runtime/stream.ts';
import { Dispatcher, type DispatcherLogger, type DispatcherOptions } from '../subscriptions/dispatcher.ts';
import { dispatcherOptionsFromEnv, dispatcherRuns } from '../subscriptions/runs.ts';
import type { LocalStack } from './stack.ts';
import { startStreamPoller, type StreamPoller } from './streams.ts';
import { every } from './timers.ts';

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
  /** Where the data notices of push connections go (lib/push/stream.ts); none without. */
  notices?: () => NoticeDeps;
  /** Called after each page of the stream (heads moved): the dev server's processors run a pass. */
  onHeads?: () => void;
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
  const streamBatch = dispatcherRuns(() => dispatcher).streamBatch;
  const notices = opts.notices;
  const handler = createStreamHandler('dispatcher', notices ? withHeadNotices(streamBatch, notices) : streamBatch, logger ? { logger } : {});
  const poller = startStreamPoller({
    config: stack.config,
    clients: stack.clients,
    tableName: stack.clients.names.tables.partitions,
    ...(opts.pollIntervalMs !== undefined ? { intervalMs: opts.pollIntervalMs } : {}),
    onRecords: async (records) => {
      const result = await handler({ Records: records });
      opts.onHeads?.();
      if (result.batchItemFailures?.length) throw new Error(`${result.batchItemFailures.length} stream records failed to dispatch`);
    },
    onError: (err) => logger?.warn('stream poll failed', { error: (err as Error)?.message ?? String(err) }),
  });

  // One sweep a second (not sweepWhileDue's loop): the next is never more than a second away.
  const sweeps = every(
    opts.sweepIntervalMs ?? 1_000,
    async () => void (await dispatcher.sweep()),
    (err) => logger?.warn('sweep failed', { error: (err as Error)?.message ?? String(err) }),
  );

  return {
    dispatcher,
    poller,
    stop: async () => {
      const swept = sweeps.stop();
      await poller.stop();
      await swept;
    },
  };
}
