// How Sluice reaches DynamoDB and S3. Deployed, everything comes from the Lambda
// environment; locally, from the emulators' endpoints. With no explicit endpoint the SDK
// resolves one itself, which honours AWS_ENDPOINT_URL (and _DYNAMODB / _S3) so the same
// code runs against LocalStack. The DynamoDB half lives in tables.ts, for the functions
// that need no S3 client.
import { S3Client } from '@aws-sdk/client-s3';
import { commonClientConfig, createDynamoClient, type ClientTarget, type StorageConfig, type TableClients } from './tables.ts';

export { storageConfigFromEnv, type StorageConfig, type TableClients } from './tables.ts';

export interface StorageClients extends TableClients {
  s3: S3Client;
}

const customEndpoint = (explicit: string | undefined, service: 'DYNAMODB' | 'S3'): boolean =>
  Boolean(explicit || process.env[`AWS_ENDPOINT_URL_${service}`] || process.env.AWS_ENDPOINT_URL);

export function createStorageClients(config: StorageConfig): StorageClients {
  return { names: config.names, ddb: createDynamoClient(config), s3: createS3Client(config) };
}

export function createS3Client(config: ClientTarget): S3Client {
  const s3Custom = customEndpoint(config.endpoints?.s3, 'S3');
  return new S3Client({
    ...commonClientConfig(config),
    ...(config.endpoints?.s3 ? { endpoint: config.endpoints.s3 } : {}),
    // Emulators serve buckets by path, not by virtual host, and do not speak the
    // streaming checksum trailers newer SDKs send by default.
    ...(s3Custom
      ? { forcePathStyle: true, requestChecksumCalculation: 'WHEN_REQUIRED', responseChecksumValidation: 'WHEN_REQUIRED' }
      : {}),
  });
}

export function destroyStorageClients(clients: StorageClients): void {
  clients.ddb.destroy();
  clients.s3.destroy();
}
