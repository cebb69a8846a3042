// DynamoDbCdcSource run by the source runtime against DynamoDB Local's streams, under a
// workload of puts (new items and overwrites), updates and deletes over many keys, while
// the runner is crashed at every step of its runs (crashes.ts) and two runners race one
// task. Restarts are fresh runtimes on the same storage. The topic, read back from the
// log, replays (envelopes and tombstones) to exactly the table's final scan, and per key
// it holds exactly the stream's changes in the stream's order: none lost, none twice.
import { randomBytes } from 'node:crypto';
import { DeleteItemCommand, PutItemCommand, ScanCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { DescribeTableCommand } from '@aws-sdk/client-dynamodb';
import { type DynamoDBStreamsClient, GetRecordsCommand, GetShardIteratorCommand } from '@aws-sdk/client-dynamodb-streams';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { itemToJson } from '../../../../../lib/connect/cdc/dynamodb/attributes.ts';
import { listShards } from '../../../../../lib/connect/cdc/dynamodb/shards.ts';
import type { Envelope } from '../../../../../lib/connect/cdc/envelope.ts';
import { cdcPlugins, environmentAwsClients } from '../../../../../lib/connect/connectors/cdc.ts';
import { useTestStorage } from '../../../../support/stack.ts';
import { expectChangesPerKey, expectReplayEquals, keyText } from '../checker.ts';
import { crashRig, expectRun, type Crash, type CrashRig } from '../crashes.ts';
import { createStreamTable, streamsClient } from './table.ts';

const storage = useTestStorage();
const TABLE = `cdc${randomBytes(4).toString('hex')}-crash`;
const TOPIC = `ddb.${TABLE}`;
const NAME = 'ddb-crash';
const KEYS = 40;

let streams: DynamoDBStreamsClient;
let rig: CrashRig;

beforeAll(() => {
  const { config } = storage;
  streams = streamsClient(config);
  const aws = { ...environmentAwsClients(), dynamodb: () => storage.clients.ddb, streams: () => streams };
  rig = crashRig(config, cdcPlugins(aws), { clients: [streams], read: 'GetRecords' });
});

afterAll(async () => {
  await rig?.stop();
  streams?.destroy();
});

const key = (i: number) => ({ pk: { S: `user#${i % KEYS}` }, sk: { N: String(i % 3) } });

/** One round: puts (some overwrite), updates (some create), deletes (some of nothing); `round` makes values distinct. */
async function workload(round: number): Promise<void> {
  const ddb = storage.clients.ddb;
  for (let j = 0; j < 12; j++) {
    const i = round * 17 + j * 7;
    await ddb.send(new PutItemCommand({ TableName: TABLE, Item: { ...key(i), round: { N: String(round) }, tags: { SS: ['a', `r${round}`] }, on: { BOOL: j % 2 === 0 } } }));
  }
  for (let j = 0; j < 5; j++) {
    await ddb.send(new UpdateItemCommand({ TableName: TABLE, Key: key(round * 5 + j * 11), UpdateExpression: 'SET note = :n', ExpressionAttributeValues: { ':n': { S: `update ${round}.${j}` } } }));
  }
  for (let j = 0; j < 4; j++) await ddb.send(new DeleteItemCommand({ TableName: TABLE, Key: key(round * 13 + j * 9) }));
}

/** Every change of the table's stream, per key, in the stream's order (each shard read from its start). */
async function streamChanges(): Promise<Map<string, string[]>> {
  const arn = (await storage.clients.ddb.send(new DescribeTableCommand({ TableName: TABLE }))).Table!.LatestStreamArn!;
  const perKey = new Map<string, string[]>();
  for (const shard of await listShards(streams, arn)) {
    let iterator = (await streams.send(new GetShardIteratorCommand({ StreamArn: arn, ShardId: shard.ShardId!, ShardIteratorType: 'TRIM_HORIZON' }))).ShardIterator;
    while (iterator) {
      const res = await streams.send(new GetRecordsCommand({ ShardIterator: iterator }));
      for (const r of res.Records ?? []) {
        const k = keyText({ pk: r.dynamodb!.Keys!.pk!.S, sk: Number(r.dynamodb!.Keys!.sk!.N) });
        perKey.set(k, [...(perKey.get(k) ?? []), r.eventID!]);
      }
      iterator = res.Records?.length ? res.NextShardIterator : undefined;
    }
  }
  return perKey;
}

const CRASHES: (Crash | undefined)[] = ['during-poll', 'before-commit', undefined, 'refused-commit', 'lost-answer', 'lost-answer-and-die', 'before-ack', 'during-poll'];

describe('DynamoDbCdcSource through the source runtime, crashed and restarted', () => {
  it('replays to the table\'s scan, with per key exactly the stream\'s changes in its order', async () => {
    await createStreamTable(storage.clients.ddb, TABLE);
    await rig.service.create({
      name: NAME,
      config: {
        'connector.class': 'DynamoDbCdcSource',
        'table.name': TABLE,
        'topic.prefix': 'ddb',
        'poll.max.records': '7',
        'poll.max.ms': '1500',
        'key.converter': 'json',
        'key.converter.schemas.enable': 'false',
        'value.converter': 'json',
        'value.converter.schemas.enable': 'false',
      },
    });
    for (let round = 0; round < CRASHES.length; round++) {
      await workload(round);
      expectRun(rig, (await rig.restart().sources.runAll())[0], undefined);
      // A crashed runner is gone: the next run is a fresh runtime's, from the committed offsets.
      const crash = CRASHES[round];
      expectRun(rig, (await rig.restart(crash).sources.runAll())[0], crash);
      await rig.race(NAME);
    }
    for (let i = 0; i < 50 && (await rig.restart().sources.runAll())[0]!.records > 0; i++);

    const records = await rig.topic(TOPIC);
    const items = (await storage.clients.ddb.send(new ScanCommand({ TableName: TABLE }))).Items ?? [];
    expect(items.length).toBeGreaterThan(KEYS / 2);
    expectReplayEquals(records, { [TOPIC]: items.map(itemToJson) }, (row) => ({ pk: row.pk, sk: row.sk }));
    const stream = await streamChanges();
    expect([...stream.values()].flat().length).toBeGreaterThan(150);
    expectChangesPerKey(records, stream, (v: Envelope) => v.source.eventId as string);
    // Each delete is followed by its tombstone.
    records.forEach((r, i) => (r.value as Envelope | null)?.op === 'd' && expect(records[i + 1]).toMatchObject({ key: r.key, value: null }));
  });
});
