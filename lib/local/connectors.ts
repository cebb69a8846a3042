// Connectors in the local dev server: sink connectors run in the local dispatcher as a
// subscription kind (fed by the partitions stream poller and the sweep, as deployed), and
// source connectors are polled on a timer in place of the deployed schedule. Plugins
// are the built-ins (those calling AWS with clients on the local stack), the local-only
// file connectors and module connectors from the directories the server allows modules from.
import type { Logger } from '@aws-lambda-powertools/logger';
import { createConnectRuntime, type ConnectRuntime } from '../connect/runtime/index.ts';
import type { ConnectorPlugin } from '../connect/connectors/index.ts';
import type { Log } from '../log/index.ts';
import { every, type Timer } from './timers.ts';

export const DEFAULT_SOURCE_INTERVAL_MS = 1_000;

export interface LocalConnectorsOptions {
  /** How often running source connectors are polled; default 1 s. 0 turns sources off. */
  sourceIntervalMs?: number;
}

/** Where the dev server's connectors find their plugins: the module directories, and its AWS connectors (connectorClients.ts). */
export interface LocalConnectorRegistry {
  moduleDirs: readonly string[];
  plugins: readonly ConnectorPlugin[];
}

export interface LocalConnectors {
  runtime: ConnectRuntime;
  stop(): Promise<void>;
}

export function startLocalConnectors(log: Log, logger: Logger, registry: LocalConnectorRegistry, opts: LocalConnectorsOptions = {}): LocalConnectors {
  const runtime = createConnectRuntime(log, {
    registry: { deployed: false, ...registry },
    workerId: 'sluice-dev',
    logger: {
      info: (message, details) => logger.info(message, details ?? {}),
      warn: (message, details) => logger.warn(message, details ?? {}),
      error: (message, details) => logger.error(message, details ?? {}),
    },
  });
  const sources: Timer = every(
    opts.sourceIntervalMs ?? DEFAULT_SOURCE_INTERVAL_MS,
    async () => void (await runtime.sources.runAll()),
    (err) => logger.warn('source connectors run failed', { error: (err as Error)?.message ?? String(err) }),
  );
  return {
    runtime,
    stop: async () => {
      await sources.stop();
      await runtime.stop();
    },
  };
}
