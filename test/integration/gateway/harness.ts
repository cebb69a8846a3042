// One storage per test file and gateway nodes on it, for tests that drive the gateway
// with real Kafka clients. Clients log nothing unless a test fails loudly.
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll } from 'vitest';
import { RequestTimedOutError } from '../../../lib/core/errors.ts';
import { flushShared, type Flush } from '../../../lib/gateway/handlers/produce-buffer.ts';
import { startGateway, type Gateway, type GatewayOptions } from '../../../lib/gateway/index.ts';
import { useTestStorage, type TestStorage } from '../../support/stack.ts';

export interface GatewayHarness {
  storage: TestStorage;
  gateway: () => Gateway;
  broker: () => string;
  kafka: (extra?: Partial<ConstructorParameters<typeof Kafka>[0]>) => Kafka;
  /** A new topic of `partitions` partitions, created through the gateway (CreateTopics). */
  topicWith: (prefix: string, partitions: number) => Promise<string>;
}

/**
 * A flush that commits everything it is given but loses the first `lose` acknowledgements
 * (their clients see a timeout, as after a lost answer), counting the flushes.
 */
export function lossyFlush(): { flush: Flush; lose: number; flushes: number } {
  const state = {
    lose: 0,
    flushes: 0,
    flush: ((log, entries) => {
      state.flushes++;
      return flushShared(
        log,
        entries.map((e) => ({
          ...e,
          resolve: (r) => (state.lose > 0 ? (state.lose--, e.reject(new RequestTimedOutError('acknowledgement lost'))) : e.resolve(r)),
        })),
      );
    }) as Flush,
  };
  return state;
}

/** Storage and one gateway node for the enclosing file. */
export function useGateway(opts: Partial<Omit<GatewayOptions, 'clients'>> = {}): GatewayHarness {
  const storage = useTestStorage();
  let gw: Gateway | undefined;
  beforeAll(async () => {
    gw = await startGateway({ clients: storage.clients, port: 0, produce: { lingerMs: 2 }, ...opts });
  });
  afterAll(async () => {
    await gw?.stop();
  });
  const gateway = () => gw!;
  const broker = () => `127.0.0.1:${gw!.port}`;
  return {
    storage,
    gateway,
    broker,
    topicWith: async (prefix, partitions) => {
      const topic = uniqueName(prefix);
      const admin = new Kafka({ clientId: 'test-admin', brokers: [broker()], logLevel: logLevel.NOTHING }).admin();
      await admin.connect();
      await admin.createTopics({ topics: [{ topic, numPartitions: partitions }] });
      await admin.disconnect();
      return topic;
    },
    kafka: (extra = {}) =>
      new Kafka({ clientId: 'test', brokers: [broker()], logLevel: logLevel.NOTHING, retry: { retries: 5, initialRetryTime: 50 }, ...extra }),
  };
}

/** Storage and `count` gateway nodes (ids 1..count) on it, for the enclosing file. */
export function useGatewayNodes(count: number): { storage: TestStorage; nodes: () => Gateway[] } {
  const storage = useTestStorage();
  let nodes: Gateway[] = [];
  beforeAll(async () => {
    const ids = Array.from({ length: count }, (_, i) => i + 1);
    nodes = await Promise.all(ids.map((nodeId) => startGateway({ clients: storage.clients, port: 0, nodeId, produce: { lingerMs: 2 } })));
  });
  afterAll(async () => {
    await Promise.all(nodes.map((n) => n.stop()));
  });
  return { storage, nodes: () => nodes };
}

let counter = 0;
export const uniqueName = (prefix: string): string => `${prefix}-${Date.now().toString(36)}-${counter++}`;

/** Polls `check` until it holds; fails naming `what` after `ms`. */
export async function until(what: string, check: () => boolean, ms = 30_000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
