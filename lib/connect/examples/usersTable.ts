// The table of the README walkthrough "Capture changes from DynamoDB", made with the AWS
// SDK: `create` makes the table users (key: id) with a stream of new and old images (what
// DynamoDbCdcSource reads); `change` inserts, updates and deletes one item. The SDK takes
// its endpoint, region and credentials from the environment (AWS_ENDPOINT_URL_DYNAMODB,
// AWS_REGION, AWS_ACCESS_KEY_ID, ...), so the same script works on the dev server's
// DynamoDB (the variables in .sluice/aws.env) and on an AWS account.
import { CreateTableCommand, DeleteItemCommand, DynamoDBClient, PutItemCommand, UpdateItemCommand, waitUntilTableExists } from '@aws-sdk/client-dynamodb';

const ddb = new DynamoDBClient({});
const TableName = 'users';
const Key = { id: { S: 'alice' } };

if (process.argv[2] === 'create') {
  await ddb.send(
    new CreateTableCommand({
      TableName,
      AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
      KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
      BillingMode: 'PAY_PER_REQUEST',
      StreamSpecification: { StreamEnabled: true, StreamViewType: 'NEW_AND_OLD_IMAGES' },
    }),
  );
  await waitUntilTableExists({ client: ddb, maxWaitTime: 60 }, { TableName });
  console.log(`Created table ${TableName} with a NEW_AND_OLD_IMAGES stream.`);
} else if (process.argv[2] === 'change') {
  await ddb.send(new PutItemCommand({ TableName, Item: { ...Key, name: { S: 'Alice' }, visits: { N: '1' } } }));
  await ddb.send(new UpdateItemCommand({ TableName, Key, UpdateExpression: 'SET visits = visits + :one', ExpressionAttributeValues: { ':one': { N: '1' } } }));
  await ddb.send(new DeleteItemCommand({ TableName, Key }));
  console.log(`Inserted, updated and deleted item ${Key.id.S} of table ${TableName}.`);
} else {
  console.error('usage: usersTable.ts create | change');
  process.exitCode = 2;
}
