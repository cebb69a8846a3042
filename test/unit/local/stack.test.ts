// How the local stack instruments its clients (lib/local/stack.ts instrumentClients): the
// taps outside the commit barrier, so a tap timing a TransactWriteItems sees it end only
// once DynamoDB Local confirmed the commit, and no tap sees the barrier's own request.
import { Readable } from 'node:stream';
import { DynamoDBClient, TransactWriteItemsCommand } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import type { HttpRequest } from '@smithy/types';
import { describe, expect, it } from 'vitest';
import { instrumentClients } from '../../../lib/local/stack.ts';

/** A DynamoDB client whose HTTP layer notes each operation it is sent in `sent` and answers {}. */
function fakeDdb(sent: string[]) {
  const handler = {
    handle: async (req: HttpRequest) => {
      sent.push(String(req.headers['x-amz-target']).split('.').at(-1) ?? '');
      const body = Buffer.from('{}');
      return { response: { statusCode: 200, headers: { 'content-type': 'application/x-amz-json-1.0', 'content-length': String(body.length) }, body: Readable.from([body]) } };
    },
    updateHttpClientConfig: () => undefined,
    httpHandlerConfigs: () => ({}),
    destroy: () => undefined,
  };
  return new DynamoDBClient({ region: 'us-east-1', credentials: { accessKeyId: 'a', secretAccessKey: 'b' }, requestHandler: handler });
}

describe('instrumentClients', () => {
  it('ends a tapped TransactWriteItems after its commit barrier answered, and taps only the transaction', async () => {
    const sent: string[] = [];
    const tapped: string[] = [];
    const clients = { ddb: fakeDdb(sent), s3: new S3Client({ region: 'us-east-1' }) };
    instrumentClients(clients, {
      barrier: fakeDdb(sent),
      taps: [
        async (call, send) => {
          await send();
          tapped.push(call.operation);
          sent.push(`tap saw ${call.operation} end`);
        },
      ],
    });

    await clients.ddb.send(new TransactWriteItemsCommand({ TransactItems: [{ ConditionCheck: { TableName: 't', Key: { k: { S: 'x' } }, ConditionExpression: 'attribute_exists(k)' } }] }));

    expect(sent).toEqual(['TransactWriteItems', 'ListTables', 'tap saw TransactWriteItems end']);
    expect(tapped).toEqual(['TransactWriteItems']);
  });
});
