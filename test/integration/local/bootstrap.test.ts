import { DescribeTableCommand, GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { HeadBucketCommand } from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { ensureStorage } from '../../../lib/local/bootstrap.ts';
import { TABLE_IDS, TABLES } from '../../../lib/storage/definitions.ts';
import { useTestStorage } from '../../support/stack.ts';

describe('ensureStorage', () => {
  const storage = useTestStorage();

  it('creates every table as defined, and the bucket', async () => {
    const { clients, config } = storage;
    for (const id of TABLE_IDS) {
      const def = TABLES[id];
      const { Table } = await clients.ddb.send(new DescribeTableCommand({ TableName: config.names.tables[id] }));
      expect(Table?.TableStatus).toBe('ACTIVE');
      expect(Table?.KeySchema).toEqual([
        { AttributeName: def.partitionKey.name, KeyType: 'HASH' },
        ...(def.sortKey ? [{ AttributeName: def.sortKey.name, KeyType: 'RANGE' }] : []),
      ]);
      expect((Table?.LocalSecondaryIndexes ?? []).map((i) => i.IndexName)).toEqual((def.localIndexes ?? []).map((i) => i.name));
      expect(Table?.StreamSpecification?.StreamViewType).toBe(def.stream);
    }
    await clients.s3.send(new HeadBucketCommand({ Bucket: config.names.bucket }));
  });

  it('is idempotent: running again, even concurrently, changes nothing and is quick', async () => {
    const { clients, config } = storage;
    const TableName = config.names.tables.topics;
    await clients.ddb.send(new PutItemCommand({ TableName, Item: { name: { S: 'keep-me' } } }));

    const started = Date.now();
    await ensureStorage(clients);
    await Promise.all([ensureStorage(clients), ensureStorage(clients)]);
    expect(Date.now() - started).toBeLessThan(5_000);

    const { Item } = await clients.ddb.send(new GetItemCommand({ TableName, Key: { name: { S: 'keep-me' } }, ConsistentRead: true }));
    expect(Item).toBeDefined();
  });
});
