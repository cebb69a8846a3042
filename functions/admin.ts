// Lambda entry point of the 'admin' function (see FUNCTIONS in lib/api/routes.ts). Topic
// administration needs the topic catalog alone: DynamoDB, no segment objects (the function
// has no bucket access), so the bundle carries neither the data path nor an S3 client.
import { topicOperations, type TopicsLog } from '../lib/api/operations/topics.ts';
import { TopicCatalog } from '../lib/log/topics.ts';
import { createHttpHandler } from '../lib/runtime/http.ts';
import { tablesFromEnv } from '../lib/runtime/tables.ts';

export const handler = createHttpHandler<TopicsLog>({
  fn: 'admin',
  operations: topicOperations,
  // Built once per container, on first use (cold start).
  log: () => ({ topics: new TopicCatalog(tablesFromEnv()) }),
});
