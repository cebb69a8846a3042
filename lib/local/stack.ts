// A whole local storage stack: endpoints (our emulators, or LocalStack when
// AWS_ENDPOINT_URL is set), clients, and Sluice's tables and bucket, ready to use.
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { createStorageClients, destroyStorageClients, type StorageClients, type StorageConfig } from '../storage/clients.ts';
import { createDynamoClient } from '../storage/tables.ts';
import { prefixedStorageNames } from '../storage/definitions.ts';
import { ensureStorage } from './bootstrap.ts';
import { confirmTransactionCommits } from './commit-barrier.ts';
import { EMULATOR_REGION, startEmulators, type Emulators } from './emulators.ts';
import { storageLayout, type StorageLayout } from './layout.ts';
import { installTaps, type StorageTap } from './taps.ts';

/** Where the local services are and how to sign requests to them. */
export interface LocalEndpoints {
  endpoints: { dynamodb: string; s3: string };
  credentials: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  region: string;
}

export const DEFAULT_PREFIX = 'sluice';

/**
 * The externally run stack (LocalStack) named by AWS_ENDPOINT_URL, if any.
 * AWS_ENDPOINT_URL_DYNAMODB / AWS_ENDPOINT_URL_S3 override it per service; credentials
 * come from AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY, else LocalStack's test/test.
 */
export function externalEndpoints(env: NodeJS.ProcessEnv = process.env): LocalEndpoints | undefined {
  const url = env.AWS_ENDPOINT_URL;
  if (!url) return undefined;
  const keyed = env.AWS_ACCESS_KEY_ID && env.AWS_SECRET_ACCESS_KEY;
  return {
    endpoints: { dynamodb: env.AWS_ENDPOINT_URL_DYNAMODB || url, s3: env.AWS_ENDPOINT_URL_S3 || url },
    credentials: keyed
      ? {
          accessKeyId: env.AWS_ACCESS_KEY_ID!,
          secretAccessKey: env.AWS_SECRET_ACCESS_KEY!,
          ...(env.AWS_SESSION_TOKEN ? { sessionToken: env.AWS_SESSION_TOKEN } : {}),
        }
      : { accessKeyId: 'test', secretAccessKey: 'test' },
    region: env.AWS_REGION || env.AWS_DEFAULT_REGION || EMULATOR_REGION,
  };
}

export function emulatorEndpoints(emulators: Pick<Emulators, 'endpoints' | 'credentials' | 'region'>): LocalEndpoints {
  return { endpoints: { ...emulators.endpoints }, credentials: { ...emulators.credentials }, region: emulators.region };
}

/** The StorageConfig for Sluice's tables and bucket under `prefix` on these endpoints. */
export function localStorageConfig(target: LocalEndpoints, prefix: string = DEFAULT_PREFIX): StorageConfig {
  return {
    names: prefixedStorageNames(prefix),
    region: target.region,
    endpoints: { ...target.endpoints },
    credentials: { ...target.credentials },
  };
}

export interface LocalStackOptions {
  /** Persist emulator data here (ignored with AWS_ENDPOINT_URL). */
  dataDir?: string;
  /** Table and bucket name prefix; default 'sluice'. */
  prefix?: string;
  /** Keep DynamoDB Local's console output to itself. */
  quiet?: boolean;
  /** Where AWS_ENDPOINT_URL and friends are read from; default process.env. */
  env?: NodeJS.ProcessEnv;
  /** Taps on the stack's storage clients, installed before their first call (taps.ts). */
  taps?: readonly StorageTap[];
}

export interface LocalStack {
  config: StorageConfig;
  clients: StorageClients;
  /** Its tables and bucket as seen from outside (layout.ts). */
  layout: StorageLayout;
  /** The emulators this stack started; undefined when AWS_ENDPOINT_URL named one. */
  emulators?: Emulators;
  /** Destroys the clients and stops the emulators it started. */
  stop(): Promise<void>;
}

export async function startLocalStack(opts: LocalStackOptions = {}): Promise<LocalStack> {
  const external = externalEndpoints(opts.env ?? process.env);
  const emulators = external ? undefined : await startEmulators({ dataDir: opts.dataDir, quiet: opts.quiet });
  const prefix = opts.prefix ?? DEFAULT_PREFIX;
  const config = localStorageConfig(external ?? emulatorEndpoints(emulators!), prefix);
  const clients = createStorageClients(config);
  const barrier = emulators ? createDynamoClient(config) : undefined;
  instrumentClients(clients, { ...(barrier ? { barrier } : {}), taps: opts.taps ?? [] });
  let stopping: Promise<void> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      destroyStorageClients(clients);
      barrier?.destroy();
      await emulators?.stop();
    })());
  try {
    await ensureStorage(clients);
  } catch (err) {
    await stop().catch(() => {});
    throw err;
  }
  return { config, clients, layout: storageLayout(prefix), ...(emulators ? { emulators } : {}), stop };
}

/**
 * The taps first, then (on our own DynamoDB Local) the commit barrier inside them: our
 * DynamoDB Local acknowledges a transaction before it is durable (commit-barrier.ts), so
 * a TransactWriteItems is done only once its barrier answered, and a tap timing the call
 * (the benchmarks' storage baselines) must see it end there. The barrier's own request
 * goes through its own client: no tap counts it as a call.
 */
export function instrumentClients(clients: Pick<StorageClients, 'ddb' | 's3'>, opts: { barrier?: DynamoDBClient; taps: readonly StorageTap[] }): void {
  if (opts.taps.length) installTaps(clients, opts.taps);
  if (opts.barrier) confirmTransactionCommits(clients.ddb, opts.barrier);
}
