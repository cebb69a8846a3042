// The log's tables as a deployed function finds them: names from its Lambda environment
// (lib/storage/definitions.ts names the variables), a DynamoDB client over them. For the
// functions without bucket access (topic administration, subscriptions): nothing here
// reaches the S3 half of the storage clients (clientsFromEnv.ts has both).
import { createTableClients, storageConfigFromEnv, type TableClients } from '../storage/tables.ts';

export type { TableClients };

export function tableClientsFromEnv(env: NodeJS.ProcessEnv = process.env): TableClients {
  return createTableClients(storageConfigFromEnv(env));
}
