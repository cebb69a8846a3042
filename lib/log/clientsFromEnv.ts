// The log's storage as a deployed function finds it: table names and bucket from its
// Lambda environment (lib/storage/definitions.ts names the variables), DynamoDB and S3
// clients over them. Functions without bucket access use tablesFromEnv.ts.
import { createStorageClients, storageConfigFromEnv, type StorageClients } from '../storage/clients.ts';

export type { StorageClients };

export function storageClientsFromEnv(env: NodeJS.ProcessEnv = process.env): StorageClients {
  return createStorageClients(storageConfigFromEnv(env));
}
