// Lambda entry point of the 'processors' function (see FUNCTIONS in lib/api/routes.ts):
// list, describe, interactive queries and reset of stream processors. Everything it reads
// lives in DynamoDB (processors, state, topics, partitions), so the bundle carries no S3
// client.
import { processorOperations, type ProcessorsLog } from '../lib/api/operations/processors.ts';
import { createHttpHandler } from '../lib/runtime/http.ts';
import { tablesFromEnv } from '../lib/runtime/tables.ts';

export const handler = createHttpHandler<ProcessorsLog>({
  fn: 'processors',
  operations: processorOperations,
  // Built once per container, on first use (cold start).
  log: () => ({ clients: tablesFromEnv() }),
});
