// The DynamoDB half of the storage clients (see clients.ts), on its own: a function that
// never touches segment objects (topic administration, subscriptions; neither has bucket
// access) builds only this, so its bundle carries no S3 client. Deployed, everything comes
// from the Lambda environment; locally, from the emulators' endpoints. With no explicit
// endpoint the SDK resolves one itself, which honours AWS_ENDPOINT_URL (and _DYNAMODB) so
// the same code runs against LocalStack.
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { storageNamesFromEnv, type StorageNames } from './definitions.ts';

export interface StorageConfig {
  names: StorageNames;
  region?: string;
  endpoints?: { dynamodb?: string; s3?: string };
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
}

/** What the metadata tables need: their names and a DynamoDB client. */
export interface TableClients {
  names: StorageNames;
  ddb: DynamoDBClient;
}

/** Where and as whom an SDK client calls: a storage config without its names. */
export type ClientTarget = Omit<StorageConfig, 'names'>;

/** Options every SDK client of the storage layer shares. */
export function commonClientConfig(config: ClientTarget) {
  const region = config.region ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? 'us-east-1';
  return {
    region,
    ...(config.credentials ? { credentials: config.credentials } : {}),
    // Our own retry policy (commit protocol) decides what is safe to resend; the SDK
    // still retries throttling and transient errors on idempotent calls underneath.
    maxAttempts: 3,
    // The SDK builds a redacted copy of every request and response for `logger.info`,
    // even when the default logger drops it: a fifth of a fetch's CPU. A logger without
    // `info` skips that work. Failed calls are not logged here either: every one is
    // thrown to its caller, and many are the protocol's own answers (a condition that
    // failed, a transaction cancelled by a concurrent one), which the storage boundary
    // turns into domain errors and the handlers log as such. Warnings still reach the console.
    logger: QUIET_SDK_LOGGER,
  };
}

const QUIET_SDK_LOGGER = {
  debug: () => undefined,
  warn: (...args: unknown[]) => console.warn(...args),
  error: () => undefined,
} as unknown as { debug(): void; info(): void; warn(): void; error(): void };

export function createDynamoClient(config: ClientTarget): DynamoDBClient {
  return new DynamoDBClient({
    ...commonClientConfig(config),
    ...(config.endpoints?.dynamodb ? { endpoint: config.endpoints.dynamodb } : {}),
  });
}

export function createTableClients(config: StorageConfig): TableClients {
  return { names: config.names, ddb: createDynamoClient(config) };
}

export function storageConfigFromEnv(env: NodeJS.ProcessEnv = process.env): StorageConfig {
  return { names: storageNamesFromEnv(env) };
}
