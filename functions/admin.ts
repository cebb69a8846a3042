// Lambda entry point of the 'admin' function (see FUNCTIONS in lib/api/routes.ts). Topic
// administration needs the topic catalog alone: DynamoDB, no segment objects (the function
// has no bucket access). So it is served from the catalog over a DynamoDB client rather
// than from a whole Log, and the bundle carries neither the data path nor an S3 client.
import { createLambdaHandler } from '../lib/api/lambda.ts';
import { topicOperations, type TopicsLog } from '../lib/api/operations/topics.ts';
import { TopicCatalog } from '../lib/log/topics.ts';
import { createTableClients, storageConfigFromEnv } from '../lib/storage/tables.ts';

export const handler = createLambdaHandler<TopicsLog>({
  fn: 'admin',
  operations: topicOperations,
  // Built once per container, on first use (cold start).
  log: () => ({ topics: new TopicCatalog(createTableClients(storageConfigFromEnv())) }),
});
