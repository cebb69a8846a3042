// Running a gateway node as a process: options from the environment (what the container
// service sets) merged with explicit ones (the CLI's flags), storage from the same
// SLUICE_TABLE_* / SLUICE_BUCKET variables the Lambda functions read, and a clean stop on
// SIGTERM (flush the produce buffer, then close). This is the container's entry point.
//
//   SLUICE_GATEWAY_PORT            listen port (9092)
//   SLUICE_GATEWAY_HOST            bind address (127.0.0.1; the container binds 0.0.0.0)
//   SLUICE_GATEWAY_ADVERTISED_HOST what clients connect to (the load balancer's name)
//   SLUICE_GATEWAY_ADVERTISED_PORT
//   SLUICE_GATEWAY_LINGER_MS       produce linger (5)
//   SLUICE_GATEWAY_USERS           JSON {"user": "password"} for PLAIN and SCRAM
//   SLUICE_GATEWAY_IAM_REGION      accept MSK IAM auth signed for this region ...
//   SLUICE_GATEWAY_IAM_KEYS        ... with these keys: JSON {"accessKeyId": "secret"}
import { createStorageClients, destroyStorageClients, storageConfigFromEnv, type StorageConfig } from '../storage/clients.ts';
import type { AuthOptions } from './server/auth/index.ts';
import { startGateway, DEFAULT_KAFKA_PORT, type Gateway } from './server/server.ts';

export interface GatewayProcessOptions {
  port: number;
  host: string;
  advertisedHost?: string;
  advertisedPort?: number;
  nodeId: number;
  lingerMs: number;
  auth: AuthOptions;
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1']);

function json(env: NodeJS.ProcessEnv, name: string): Record<string, string> | undefined {
  const raw = env[name];
  if (!raw) return undefined;
  const parsed = JSON.parse(raw) as unknown;
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed) || Object.values(parsed).some((v) => typeof v !== 'string')) {
    throw new Error(`${name} must be a JSON object of strings`);
  }
  return parsed as Record<string, string>;
}

export function gatewayOptionsFromEnv(env: NodeJS.ProcessEnv = process.env): GatewayProcessOptions {
  const int = (name: string, dflt: number) => (env[name] ? Number.parseInt(env[name]!, 10) : dflt);
  const users = json(env, 'SLUICE_GATEWAY_USERS');
  const keys = json(env, 'SLUICE_GATEWAY_IAM_KEYS');
  const region = env.SLUICE_GATEWAY_IAM_REGION;
  const advertisedHost = env.SLUICE_GATEWAY_ADVERTISED_HOST;
  const auth: AuthOptions = {
    ...(users ? { users } : {}),
    ...(region
      ? {
          iam: {
            region,
            hosts: advertisedHost ? [advertisedHost] : [],
            resolveSecret: async (id: string) => (keys && Object.hasOwn(keys, id) ? keys[id] : undefined),
          },
        }
      : {}),
  };
  return {
    port: int('SLUICE_GATEWAY_PORT', DEFAULT_KAFKA_PORT),
    host: env.SLUICE_GATEWAY_HOST || '127.0.0.1',
    ...(advertisedHost ? { advertisedHost } : {}),
    ...(env.SLUICE_GATEWAY_ADVERTISED_PORT ? { advertisedPort: int('SLUICE_GATEWAY_ADVERTISED_PORT', DEFAULT_KAFKA_PORT) } : {}),
    nodeId: int('SLUICE_GATEWAY_NODE_ID', 0),
    lingerMs: int('SLUICE_GATEWAY_LINGER_MS', 5),
    auth,
  };
}

/**
 * Starts a node. A node that binds beyond loopback must authenticate its clients: an
 * open Kafka port on a network is refused here rather than left to configuration.
 */
export async function runGateway(opts: GatewayProcessOptions, storage: StorageConfig = storageConfigFromEnv()): Promise<Gateway & { close(): Promise<void> }> {
  if (!LOOPBACK.has(opts.host) && !opts.auth.users && !opts.auth.iam) {
    throw new Error(`Refusing to listen on ${opts.host} without authentication: configure users or IAM, or bind a loopback address.`);
  }
  const clients = createStorageClients(storage);
  const gateway = await startGateway({
    clients,
    port: opts.port,
    host: opts.host,
    nodeId: opts.nodeId,
    produce: { lingerMs: opts.lingerMs },
    auth: opts.auth,
    ...(opts.advertisedHost || opts.advertisedPort
      ? { advertised: { host: opts.advertisedHost ?? opts.host, port: opts.advertisedPort ?? opts.port } }
      : {}),
    onError: (err) => console.error(JSON.stringify({ level: 'ERROR', message: 'gateway connection failed', error: String(err) })),
  });
  return {
    ...gateway,
    close: async () => {
      await gateway.stop();
      destroyStorageClients(clients);
    },
  };
}

/** The container's main: run until SIGTERM/SIGINT. */
export async function main(): Promise<void> {
  const gateway = await runGateway(gatewayOptionsFromEnv());
  console.log(JSON.stringify({ level: 'INFO', message: 'gateway listening', port: gateway.port, host: gateway.host }));
  const stop = () => void gateway.close().finally(() => process.exit(0));
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}
