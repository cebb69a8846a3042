// DynamoDbSink against DynamoDB Local: upserts by key, deletes on tombstones, and a batch
// delivered again (a retry from the committed cursor) changes nothing.
import { randomBytes } from 'node:crypto';
import { CreateTableCommand, ScanCommand } from '@aws-sdk/client-dynamodb';
import { describe, expect, it } from 'vitest';
import { DynamoDbSink } from '../../../../../lib/connect/cdc/sqs/dynamodbSink.ts';
import { itemToJson } from '../../../../../lib/connect/cdc/dynamodb/attributes.ts';
import type { DeliveryRecord } from '../../../../../lib/connect/cdc/sink.ts';
import { useTestStorage } from '../../../../support/stack.ts';

const storage = useTestStorage();

const rec = (offset: number, id: string, value: DeliveryRecord['value']): DeliveryRecord => ({ topic: 'shop.public.accounts', partition: 0, offset, key: { id }, value });

describe('DynamoDbSink', () => {
  it('applies upserts and deletes once, however often a batch is delivered', async () => {
    const table = `sink${randomBytes(4).toString('hex')}`;
    await storage.clients.ddb.send(
      new CreateTableCommand({ TableName: table, AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }], KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }], BillingMode: 'PAY_PER_REQUEST' }),
    );
    const sink = new DynamoDbSink({ 'table.name': table, 'value.field': 'after' }, storage.clients.ddb);
    const batch = [
      rec(0, 'a', { after: { id: 'a', balance: 1 } }),
      rec(1, 'b', { after: { id: 'b', balance: 2 } }),
      rec(2, 'a', { after: { id: 'a', balance: 3 } }),
      rec(3, 'b', null),
      rec(4, 'c', { after: { id: 'c', balance: 5, tags: ['x'] } }),
    ];
    await sink.deliver(batch);
    // The runtime retries the whole batch, then its tail: nothing goes back in time.
    await sink.deliver(batch);
    await sink.deliver(batch.slice(2));
    await sink.deliver([rec(0, 'a', { after: { id: 'a', balance: 1 } })]);
    const items = (await storage.clients.ddb.send(new ScanCommand({ TableName: table }))).Items ?? [];
    expect(items.map(itemToJson).sort((x, y) => String(x.id).localeCompare(String(y.id)))).toEqual([
      { id: 'a', balance: 3, __sluice_offset: 2 },
      { id: 'c', balance: 5, tags: ['x'], __sluice_offset: 4 },
    ]);
  });
});
