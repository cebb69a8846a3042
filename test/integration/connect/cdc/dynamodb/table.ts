// A user's table with a stream, as the DynamoDB CDC tests capture it: partition key pk
// (string), sort key sk (number), on-demand.
import { CreateTableCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';

export async function createStreamTable(ddb: DynamoDBClient, name: string, view: 'NEW_AND_OLD_IMAGES' | 'KEYS_ONLY' = 'NEW_AND_OLD_IMAGES'): Promise<void> {
  await ddb.send(
    new CreateTableCommand({
      TableName: name,
      AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }, { AttributeName: 'sk', AttributeType: 'N' }],
      KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }, { AttributeName: 'sk', KeyType: 'RANGE' }],
      BillingMode: 'PAY_PER_REQUEST',
      StreamSpecification: { StreamEnabled: true, StreamViewType: view },
    }),
  );
}
