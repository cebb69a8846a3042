// A user's table with a stream, as the DynamoDB CDC tests capture it (on-demand), a
// DynamoDB Streams client for the test's DynamoDB Local, and sources reading over it.
import { CreateTableCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import { afterAll, beforeAll } from 'vitest';
import { DynamoDbCdcSource } from '../../../../../lib/connect/cdc/dynamodb/source.ts';
import type { StorageConfig } from '../../../../../lib/storage/clients.ts';
import type { TestStorage } from '../../../../support/stack.ts';

type View = 'NEW_AND_OLD_IMAGES' | 'KEYS_ONLY';

/** Keys: partition key pk (string) and sort key sk (number); or `id` (string) alone. */
export async function createStreamTable(ddb: DynamoDBClient, name: string, view: View = 'NEW_AND_OLD_IMAGES', keys: 'pk-sk' | 'id' = 'pk-sk'): Promise<void> {
  const schema =
    keys === 'id'
      ? { AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' as const }], KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' as const }] }
      : {
          AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' as const }, { AttributeName: 'sk', AttributeType: 'N' as const }],
          KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' as const }, { AttributeName: 'sk', KeyType: 'RANGE' as const }],
        };
  await ddb.send(new CreateTableCommand({ TableName: name, ...schema, BillingMode: 'PAY_PER_REQUEST', StreamSpecification: { StreamEnabled: true, StreamViewType: view } }));
}

export const streamsClient = (config: StorageConfig): DynamoDBStreamsClient =>
  new DynamoDBStreamsClient({ region: config.region!, endpoint: config.endpoints!.dynamodb!, credentials: config.credentials! });

/** For the enclosing file: a streams client on its DynamoDB Local, and a source of a table (topic prefix 'ddb') over it. */
export function useStreamSources(storage: TestStorage): { source: (table: string) => DynamoDbCdcSource } {
  let streams: DynamoDBStreamsClient | undefined;
  beforeAll(() => {
    streams = streamsClient(storage.config);
  });
  afterAll(() => streams?.destroy());
  return { source: (table) => new DynamoDbCdcSource({ 'table.name': table, 'topic.prefix': 'ddb' }, { dynamodb: storage.clients.ddb, streams: streams! }) };
}
