// DynamoDbCdcSource against DynamoDB Local's streams: a workload of puts, updates and
// deletes with the reader crashed and restarted between and inside its steps; the
// committed records replay to exactly the table, in stream order per key, each once.
import { randomBytes } from 'node:crypto';
import { DeleteItemCommand, PutItemCommand, ScanCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { describe, expect, it } from 'vitest';
import { itemToJson } from '../../../../../lib/connect/cdc/dynamodb/attributes.ts';
import type { DynamoDbOffsets } from '../../../../../lib/connect/cdc/dynamodb/source.ts';
import type { Envelope } from '../../../../../lib/connect/cdc/envelope.ts';
import { InvalidConfigError } from '../../../../../lib/core/errors.ts';
import { useTestStorage } from '../../../../support/stack.ts';
import { emptyLog, pollAndCommit, type Committed } from '../postgres/harness.ts';
import { replay } from '../checker.ts';
import { createStreamTable, useStreamSources } from './table.ts';

const storage = useTestStorage();
const tablePrefix = `cdc${randomBytes(4).toString('hex')}`;
const { source: newSource } = useStreamSources(storage);

const createTable = (name: string, view?: 'NEW_AND_OLD_IMAGES' | 'KEYS_ONLY') => createStreamTable(storage.clients.ddb, name, view);


async function workload(table: string, round: number): Promise<void> {
  const ddb = storage.clients.ddb;
  for (let i = 0; i < 5; i++) {
    await ddb.send(new PutItemCommand({ TableName: table, Item: { pk: { S: `user#${i}` }, sk: { N: String(round) }, n: { N: String(i) }, tags: { SS: ['a', `r${round}`] }, on: { BOOL: true } } }));
  }
  await ddb.send(new UpdateItemCommand({ TableName: table, Key: { pk: { S: 'user#1' }, sk: { N: String(round) } }, UpdateExpression: 'SET n = n + :d', ExpressionAttributeValues: { ':d': { N: '100' } } }));
  await ddb.send(new DeleteItemCommand({ TableName: table, Key: { pk: { S: 'user#2' }, sk: { N: String(round) } } }));
  if (round > 0) await ddb.send(new UpdateItemCommand({ TableName: table, Key: { pk: { S: 'user#0' }, sk: { N: String(round - 1) } }, UpdateExpression: 'SET note = :n', ExpressionAttributeValues: { ':n': { S: `again ${round}` } } }));
}

describe('DynamoDbCdcSource', () => {
  it('replays to the table across crashes, in stream order per key, each change once', async () => {
    const table = `${tablePrefix}-cdc`;
    await createTable(table);
    const log: Committed<DynamoDbOffsets> = emptyLog();
    let source = newSource(table);
    const crashes = ['before-commit', undefined, 'before-commit', undefined] as const;
    for (let round = 0; round < crashes.length; round++) {
      await workload(table, round);
      for (let step = 0; step < 3; step++) {
        const crash = step === 1 ? crashes[round] : undefined;
        await pollAndCommit(source, log, { maxRecords: 3, maxMs: 2000, crash });
        if (crash) source = newSource(table);
      }
    }
    for (let i = 0; i < 30; i++) {
      const before = log.records.length;
      await pollAndCommit(source, log, { maxRecords: 10, maxMs: 2000 });
      if (log.records.length === before) break;
    }
    const items = (await storage.clients.ddb.send(new ScanCommand({ TableName: table }))).Items ?? [];
    const expected = new Map(items.map((item) => [JSON.stringify({ pk: item.pk!.S, sk: Number(item.sk!.N) }), itemToJson(item)]));
    const replayed = replay(log.records).get(`ddb.${table}`) ?? new Map();
    expect(Object.fromEntries([...replayed].sort())).toEqual(Object.fromEntries([...expected].sort()));
    // Stream order per key, and every stream record once.
    const seen = new Set<string>();
    const last = new Map<string, bigint>();
    for (const r of log.records) {
      const v = r.value as Envelope | null;
      if (!v) continue;
      const id = JSON.stringify(r.key);
      const seq = BigInt(v.source.seq as string);
      expect(seq).toBeGreaterThan(last.get(id) ?? -1n);
      last.set(id, seq);
      expect(seen.has(v.source.eventId as string)).toBe(false);
      seen.add(v.source.eventId as string);
    }
    expect(log.records.filter((r) => r.value === null)).toHaveLength(crashes.length);
  });

  it('gives the envelope of an update with both images and the item key', async () => {
    const table = `${tablePrefix}-env`;
    await createTable(table);
    await storage.clients.ddb.send(new PutItemCommand({ TableName: table, Item: { pk: { S: 'a' }, sk: { N: '1' }, v: { N: '1' } } }));
    await storage.clients.ddb.send(new PutItemCommand({ TableName: table, Item: { pk: { S: 'a' }, sk: { N: '1' }, v: { N: '2' } } }));
    const log: Committed<DynamoDbOffsets> = emptyLog();
    await pollAndCommit(newSource(table), log);
    expect(log.records.map((r) => [r.topic, r.key, (r.value as Envelope).op, (r.value as Envelope).before, (r.value as Envelope).after])).toEqual([
      [`ddb.${table}`, { pk: 'a', sk: 1 }, 'c', null, { pk: 'a', sk: 1, v: 1 }],
      [`ddb.${table}`, { pk: 'a', sk: 1 }, 'u', { pk: 'a', sk: 1, v: 1 }, { pk: 'a', sk: 1, v: 2 }],
    ]);
  });

  it('refuses a table whose stream lacks the old and new images', async () => {
    const table = `${tablePrefix}-keys`;
    await createTable(table, 'KEYS_ONLY');
    await expect(newSource(table).poll({ offsets: undefined, maxRecords: 10, maxMs: 1000 })).rejects.toBeInstanceOf(InvalidConfigError);
  });
});
