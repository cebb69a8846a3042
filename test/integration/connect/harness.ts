// A connector runtime on the test's own storage: the management service and the runtime
// (sinks driven by the dispatcher, sources by SourceRunner) over a Log, with a
// controllable clock for the dispatcher's leases, and storage clients whose DynamoDB
// calls a test can make fail (fault injection where the emulator cannot crash).
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { cdcPlugins, type AwsClients } from '../../../lib/connect/connectors/cdc.ts';
import { s3SinkPlugin } from '../../../lib/connect/connectors/s3/sink.ts';
import { createS3Sink } from '../../../lib/connect/connectors/s3/sink.ts';
import { PluginRegistry } from '../../../lib/connect/plugins/registry.ts';
import { createConnectRuntime, type ConnectRuntime } from '../../../lib/connect/runtime/index.ts';
import { ConnectorService } from '../../../lib/connect/service.ts';
import { Log } from '../../../lib/log/index.ts';
import { createStorageClients, type StorageClients, type StorageConfig } from '../../../lib/storage/clients.ts';

/** Decides per DynamoDB command whether it fails (throws) instead of being sent. */
export type Fault = (command: { constructor: { name: string }; input: Record<string, unknown> }) => boolean;

export interface Harness {
  clients: StorageClients;
  log: Log;
  service: ConnectorService;
  runtime: ConnectRuntime;
  registry: PluginRegistry;
  /** The dispatcher's clock. */
  clock: { now: number };
  /** Set to make matching DynamoDB commands of the runtime fail once each. */
  fault: { when?: Fault };
}

export function harness(config: StorageConfig, aws: AwsClients, moduleDirs: string[]): Harness {
  const clients = createStorageClients(config);
  const fault: Harness['fault'] = {};
  const ddb = clients.ddb as DynamoDBClient & { send: (c: unknown, ...rest: unknown[]) => Promise<unknown> };
  const send = ddb.send.bind(ddb);
  ddb.send = (command: unknown, ...rest: unknown[]) => {
    const when = fault.when;
    if (when && when(command as Parameters<Fault>[0])) {
      fault.when = undefined;
      return Promise.reject(Object.assign(new Error('injected crash'), { name: 'InjectedCrash' }));
    }
    return send(command, ...rest);
  };
  const s3 = { ...s3SinkPlugin, connector: createS3Sink(() => createStorageClients(config).s3) };
  const registry = new PluginRegistry({ deployed: false, moduleDirs, plugins: [s3, ...cdcPlugins(aws)] });
  const log = new Log(clients);
  const clock = { now: Date.now() };
  const runtime = createConnectRuntime(log, {
    registry,
    sinkCacheMs: 0,
    dispatcher: { now: () => clock.now, sleep: async () => undefined, backoff: { baseMs: 1, capMs: 1 }, inlineWaitMs: 0 },
  });
  return { clients, log, service: new ConnectorService(clients, registry), runtime, registry, clock, fault };
}

/** Every record of a partition, from offset 0 to the high watermark. */
export async function readAll(log: Log, topic: string, partition = 0) {
  const out = [];
  for (let offset = 0; ; ) {
    const res = await log.fetch(topic, partition, { offset, maxRecords: 1000 });
    out.push(...res.records);
    if (res.nextOffset >= res.highWatermark) return out;
    offset = res.nextOffset;
  }
}
