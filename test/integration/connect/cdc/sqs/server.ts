// A local SQS server for the SQS connectors' tests: npm local-aws-sqs, an SQS
// implementation served over HTTP (the AWS query and JSON protocols) in this process,
// on a free loopback port, reached by the real AWS SDK client.
import { CreateQueueCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { Server } from 'node:http';
import { createSqsServer } from 'local-aws-sqs';
import { afterAll, beforeAll } from 'vitest';
import { freePort } from '../../../../../lib/local/children.ts';

export interface LocalSqs {
  /** A client of the server's (readable once beforeAll has run). */
  readonly sqs: SQSClient;
  /** A new client of the server's, for a connector (the test destroys none of them). */
  client(): SQSClient;
  /** Creates a queue; answers its URL. */
  queue(name: string, attributes?: Record<string, string>): Promise<string>;
}

export function useLocalSqs(): LocalSqs {
  let server: Server | undefined;
  let endpoint = '';
  const clients: SQSClient[] = [];
  const client = () => {
    const c = new SQSClient({ region: 'us-east-1', endpoint, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
    clients.push(c);
    return c;
  };
  beforeAll(async () => {
    const port = await freePort();
    server = await createSqsServer({ port, hostname: '127.0.0.1' });
    endpoint = `http://127.0.0.1:${port}`;
  });
  afterAll(async () => {
    for (const c of clients) c.destroy();
    await new Promise((r) => (server ? server.close(r) : r(undefined)));
  });
  let shared: SQSClient | undefined;
  return {
    get sqs() {
      return (shared ??= client());
    },
    client,
    async queue(name, attributes = {}) {
      return (await (shared ??= client()).send(new CreateQueueCommand({ QueueName: name, Attributes: attributes }))).QueueUrl!;
    },
  };
}
