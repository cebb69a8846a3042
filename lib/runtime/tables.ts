// The DynamoDB clients of this container, from its Lambda environment, built on first use
// (cold start) and shared by every event after. For functions without bucket access
// (topic administration, subscriptions): this module reaches only the DynamoDB half of the
// storage clients (lib/log/tablesFromEnv.ts), so their bundles carry no S3 client and no Log.
// Functions that need the whole Log take it from storage.ts.
import { tableClientsFromEnv, type TableClients } from '../log/tablesFromEnv.ts';

let tables: TableClients | undefined;

export function tablesFromEnv(): TableClients {
  return (tables ??= tableClientsFromEnv());
}
