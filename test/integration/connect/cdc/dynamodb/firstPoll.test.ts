// DynamoDbCdcSource as the README walkthrough runs it: a connector created right after its
// table, so that its first poll finds the stream empty, while other tables' streams move
// on: the changes made afterwards are read, not taken for a trimmed position (DynamoDB
// Local refuses the iterator an empty shard's read returned, once other streams' writes
// have passed it, with TrimmedDataAccessException). And its images in a set order, key
// attributes first, as DynamoDB gives attributes in none.
import { randomBytes } from 'node:crypto';
import { PutItemCommand, type AttributeValue } from '@aws-sdk/client-dynamodb';
import { describe, expect, it } from 'vitest';
import type { DynamoDbOffsets } from '../../../../../lib/connect/cdc/dynamodb/source.ts';
import type { Envelope } from '../../../../../lib/connect/cdc/envelope.ts';
import { useTestStorage } from '../../../../support/stack.ts';
import { emptyLog, pollAndCommit, type Committed } from '../postgres/harness.ts';
import { createStreamTable, useStreamSources } from './table.ts';

const storage = useTestStorage();
const prefix = `empty${randomBytes(4).toString('hex')}`;
const { source: newSource } = useStreamSources(storage);

const createTable = (name: string) => createStreamTable(storage.clients.ddb, name, 'NEW_AND_OLD_IMAGES', 'id');

const put = (table: string, id: string, more: Record<string, AttributeValue> = {}) =>
  storage.clients.ddb.send(new PutItemCommand({ TableName: table, Item: { ...more, id: { S: id } } }));

describe('DynamoDbCdcSource on a stream that was empty at its first poll', () => {
  it('reads the changes made after it, however far other streams have moved on', async () => {
    const [table, other] = [`${prefix}-users`, `${prefix}-other`];
    await createTable(other);
    await createTable(table);
    const source = newSource(table);
    const log: Committed<DynamoDbOffsets> = emptyLog();
    await pollAndCommit(source, log);
    expect(log.records).toEqual([]);

    for (let i = 0; i < 5; i++) await put(other, `o${i}`);
    await put(table, 'alice');
    await pollAndCommit(source, log);

    expect(log.records.map((r) => [r.key, (r.value as Envelope).op, (r.value as Envelope).after])).toEqual([[{ id: 'alice' }, 'c', { id: 'alice' }]]);
  });
});

describe('DynamoDbCdcSource images', () => {
  it('list the key attributes first, then the others by name', async () => {
    const table = `${prefix}-order`;
    await createTable(table);
    await put(table, 'bob', { zeta: { N: '1' }, alpha: { S: 'a' }, mid: { BOOL: true } });
    await put(table, 'bob', { beta: { S: 'b' }, alpha: { S: 'a2' } });
    const log: Committed<DynamoDbOffsets> = emptyLog();

    await pollAndCommit(newSource(table), log);

    const images = log.records.flatMap((r) => [(r.value as Envelope).before, (r.value as Envelope).after]).filter((x) => x !== null);
    expect(images.map((i) => Object.keys(i!))).toEqual([['id', 'alpha', 'mid', 'zeta'], ['id', 'alpha', 'mid', 'zeta'], ['id', 'alpha', 'beta']]);
  });
});
