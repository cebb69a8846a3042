// The local platform a benchmark run starts for itself: the dev server on a free loopback
// port over a temporary data directory (emulators included), with taps on the storage
// clients its handlers use, an HTTP client for its API, and when asked the Kafka gateway
// on another free loopback port. stop() leaves nothing behind.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HttpClient } from '../../client/index.ts';
import type { DevServer } from '../../local/devServer.ts';
import { DEFAULT_PREFIX, storageLayout, type StorageLayout, type StorageTap } from '../../local/index.ts';
import { ServerTimings, type LocalPlatform } from './context.ts';
import { Meter } from './meter.ts';
import { StorageSpans } from './spans.ts';

export interface PlatformOptions {
  /** Names the data directory (`sluice-<name>-…`) and the user agent (`sluice-<name>`). */
  name: string;
  /** Taps for the server's storage clients, made with the stack's layout. */
  taps?: (layout: StorageLayout) => StorageTap[];
  /**
   * Run the maintenance timer and the subscription dispatcher as `sluice dev` does; off by
   * default, since deployed they are other functions, and here they would add their storage
   * calls to the counts and their CPU to the latencies of the requests being measured.
   */
  background?: boolean;
  accessLog?: (line: string) => void;
  /** Serve the Kafka protocol too, on a free loopback port (DevServer.kafkaPort). */
  kafka?: boolean;
}

export interface Platform {
  server: DevServer;
  http: HttpClient;
  layout: StorageLayout;
  /** Stops the server and its emulators and removes the data directory. */
  stop(): Promise<void>;
}

export async function startPlatform(opts: PlatformOptions): Promise<Platform> {
  const { startDevServer } = await import('../../local/devServer.ts');
  const { freePort } = await import('../../local/emulators.ts');
  const layout = storageLayout(DEFAULT_PREFIX);
  const dataDir = await mkdtemp(join(tmpdir(), `sluice-${opts.name}-`));
  const removeData = () => rm(dataDir, { recursive: true, force: true }).catch(() => undefined);
  let server: DevServer;
  try {
    server = await startDevServer({
      port: await freePort(),
      dataDir,
      prefix: DEFAULT_PREFIX,
      quiet: true,
      ...(opts.accessLog ? { accessLog: opts.accessLog } : {}),
      ...(opts.background ? {} : { maintenanceIntervalMs: 0, subscriptions: false }),
      taps: opts.taps?.(layout) ?? [],
      ...(opts.kafka ? { kafkaPort: await freePort() } : {}),
    });
  } catch (err) {
    await removeData();
    throw err;
  }
  return {
    server,
    http: new HttpClient({ endpoint: server.url, headers: { 'user-agent': `sluice-${opts.name}` } }),
    layout,
    stop: async () => {
      await server.stop().catch(() => undefined);
      await removeData();
    },
  };
}

/**
 * The platform of a suite run, with the request meter (paused), storage spans and request
 * timings on it, and the Kafka gateway (idle, it costs nothing until a section connects).
 */
export async function startMeasuredPlatform(): Promise<{ platform: Platform; local: LocalPlatform }> {
  const timings = new ServerTimings();
  const spans = new StorageSpans();
  const meter = new Meter(storageLayout(DEFAULT_PREFIX).tables);
  meter.pause(true);
  const platform = await startPlatform({ name: 'bench', accessLog: timings.accessLog, taps: () => [meter.tap, spans.tap], kafka: true });
  return { platform, local: { server: platform.server, meter, spans, timings } };
}
