import { ScanCommand } from '@aws-sdk/client-dynamodb';
import { describe, expect, it } from 'vitest';
import { FakeAws } from '../../../lib/bench/profile/fakeStorage.ts';
import { applyUpdate, MemoryTables } from '../../../lib/bench/profile/memoryTables.ts';
import { seedPartition } from '../../../lib/local/seed.ts';
import { Log } from '../../../lib/log/index.ts';
import { encodeBatch } from '../../../lib/records/index.ts';

const value = (s: string) => ({ key: null, value: Buffer.from(s) });
const text = (b: Buffer | null) => b?.toString('utf8');

describe('the profiles\' in-memory storage behind a Log', () => {
  const fake = new FakeAws();
  const clients = fake.clients();

  it('serves what the Log appends, from any offset, and describes the partition', async () => {
    const log = new Log(clients);
    await log.createTopic({ name: 'orders', partitions: 1 });
    for (const v of ['a', 'b', 'c']) await log.append('orders', 0, { records: [value(v)] });

    const fetched = await log.fetch('orders', 0, { offset: 1 });

    expect(fetched.records.map((r) => [r.offset, text(r.value)])).toEqual([[1, 'b'], [2, 'c']]);
    expect(fetched.highWatermark).toBe(3);
    expect((await log.describeTopic('orders')).partitions[0]).toMatchObject({ highWatermark: 3, segments: 3 });
  });

  it('serves a partition longer than the head\'s tail: flushed entries from the table, the rest from the head', async () => {
    const log = new Log(clients);
    await log.createTopic({ name: 'long', partitions: 1 });
    for (let i = 0; i < 20; i++) await log.append('long', 0, { records: [value(`v${i}`)] });

    const fetched = await log.fetch('long', 0, { offset: 0, maxRecords: 100 });

    expect(fetched.records.map((r) => [r.offset, text(r.value)])).toEqual(Array.from({ length: 20 }, (_, i) => [i, `v${i}`]));
  });

  it('serves a partition the local stack seeded into it', async () => {
    const log = new Log(clients);
    const topic = await log.createTopic({ name: 'seeded', partitions: 1 });
    const batches = Array.from({ length: 50 }, (_, i) => encodeBatch({ records: [value(`v${i}`)] }));
    await seedPartition(clients, { topicId: topic.topicId, partition: 0 }, batches);

    const fetched = await log.fetch('seeded', 0, { offset: 20, maxRecords: 3 });

    expect(fetched.records.map((r) => text(r.value))).toEqual(['v20', 'v21', 'v22']);
  });

  it('refuses a request it does not understand, as DynamoDB refuses an invalid one', async () => {
    await expect(clients.ddb.send(new ScanCommand({ TableName: fake.names.tables.topics }))).rejects.toMatchObject({ name: 'ValidationException' });
  });

  it('pages and orders a Query by sort key', async () => {
    const table = fake.names.tables.groups;
    const tables = new MemoryTables(fake.layout.tables);
    for (const sk of ['c', 'a', 'd', 'b']) tables.handle('PutItem', { TableName: table, Item: { groupId: { S: 'g' }, sk: { S: sk } } });
    const query = (extra: Record<string, unknown>) =>
      tables.handle('Query', { TableName: table, KeyConditionExpression: 'groupId = :g AND #s BETWEEN :lo AND :hi', ExpressionAttributeNames: { '#s': 'sk' }, ExpressionAttributeValues: { ':g': { S: 'g' }, ':lo': { S: 'a' }, ':hi': { S: 'c' } }, ...extra });

    const first = query({ Limit: 2 });
    const rest = query({ Limit: 2, ExclusiveStartKey: first.LastEvaluatedKey });
    const reversed = query({ ScanIndexForward: false });

    expect(first.Items.map((i: any) => i.sk.S)).toEqual(['a', 'b']);
    expect(rest.Items.map((i: any) => i.sk.S)).toEqual(['c']);
    expect(rest.LastEvaluatedKey).toBeUndefined();
    expect(reversed.Items.map((i: any) => i.sk.S)).toEqual(['c', 'b', 'a']);
  });
});

describe('applyUpdate', () => {
  it('sets values, fills missing attributes with if_not_exists, adds, and removes', () => {
    const item = { id: { S: 'k' }, count: { N: '2' }, gone: { S: 'x' } };

    applyUpdate(
      item,
      'SET #c = if_not_exists(#c, :zero) + :one, total = if_not_exists(total, :zero) + :ten, label = :l REMOVE gone',
      { '#c': 'count' },
      { ':zero': { N: '0' }, ':one': { N: '1' }, ':ten': { N: '10' }, ':l': { S: 'hi' } },
    );

    expect(item).toEqual({ id: { S: 'k' }, count: { N: '3' }, total: { N: '10' }, label: { S: 'hi' } });
  });

  it('refuses what it does not understand', () => {
    expect(() => applyUpdate({}, 'ADD n :one', {}, { ':one': { N: '1' } })).toThrow(/not understood/);
  });
});
