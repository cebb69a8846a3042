// How Sluice reaches DynamoDB and S3. Deployed, everything comes from the Lambda
// environment; locally, from the emulators' endpoints. With no explicit endpoint the SDK
// resolves one itself, which honours AWS_ENDPOINT_URL (and _DYNAMODB / _S3) so the same
// code runs against LocalStack.
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { storageNamesFromEnv, type StorageNames } from './definitions.ts';

export interface StorageConfig {
  names: StorageNames;
  region?: string;
  endpoints?: { dynamodb?: string; s3?: string };
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
}

export interface StorageClients {
  names: StorageNames;
  ddb: DynamoDBClient;
  s3: S3Client;
}

const customEndpoint = (explicit: string | undefined, service: 'DYNAMODB' | 'S3'): boolean =>
  Boolean(explicit || process.env[`AWS_ENDPOINT_URL_${service}`] || process.env.AWS_ENDPOINT_URL);

export function createStorageClients(config: StorageConfig): StorageClients {
  const region = config.region ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? 'us-east-1';
  const common = {
    region,
    ...(config.credentials ? { credentials: config.credentials } : {}),
    // Our own retry policy (commit protocol) decides what is safe to resend; the SDK
    // still retries throttling and transient errors on idempotent calls underneath.
    maxAttempts: 3,
  };
  const ddb = new DynamoDBClient({
    ...common,
    ...(config.endpoints?.dynamodb ? { endpoint: config.endpoints.dynamodb } : {}),
  });
  const s3Custom = customEndpoint(config.endpoints?.s3, 'S3');
  const s3 = new S3Client({
    ...common,
    ...(config.endpoints?.s3 ? { endpoint: config.endpoints.s3 } : {}),
    // Emulators serve buckets by path, not by virtual host, and do not speak the
    // streaming checksum trailers newer SDKs send by default.
    ...(s3Custom
      ? { forcePathStyle: true, requestChecksumCalculation: 'WHEN_REQUIRED', responseChecksumValidation: 'WHEN_REQUIRED' }
      : {}),
  });
  return { names: config.names, ddb, s3 };
}

export function storageConfigFromEnv(env: NodeJS.ProcessEnv = process.env): StorageConfig {
  return { names: storageNamesFromEnv(env) };
}

export function destroyStorageClients(clients: StorageClients): void {
  clients.ddb.destroy();
  clients.s3.destroy();
}
