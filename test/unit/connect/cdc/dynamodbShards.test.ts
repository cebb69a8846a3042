// DynamoDbCdcSource over a stream whose shards split, which DynamoDB Local never does (it
// keeps one shard): a simulated DynamoDB Streams service with a closed parent shard and
// its children. A child is read only once its parent was read to its end, so a key's
// changes keep their order across the split; a finished parent gone from the stream is
// forgotten; an unfinished one gone is a lost position.
import type { _Record, Shard } from '@aws-sdk/client-dynamodb-streams';
import { describe, expect, it } from 'vitest';
import { DynamoDbCdcSource, type DynamoDbOffsets } from '../../../../lib/connect/cdc/dynamodb/source.ts';
import type { PollResult } from '../../../../lib/connect/cdc/source.ts';
import { SourcePositionLostError } from '../../../../lib/core/errors.ts';

const ARN = 'arn:aws:dynamodb:us-east-1:123456789012:table/users/stream/2026-11-26T00:00:00.000';

interface SimShard {
  id: string;
  parent?: string;
  /** Closed shards end: their last GetRecords gives no next iterator. */
  closed: boolean;
  records: _Record[];
}

let seq = 0;
/** A change of key `id` to `name`, with the stream's next sequence number. */
const change = (id: string, name: string): _Record => ({
  eventName: 'MODIFY',
  eventID: `e${++seq}`,
  dynamodb: { SequenceNumber: String(1000 + seq).padStart(21, '0'), Keys: { id: { S: id } }, NewImage: { id: { S: id }, name: { S: name } }, OldImage: { id: { S: id } } },
});

/** DynamoDB Streams over `shards`: DescribeStream one shard per page, iterators as "shard:index". */
function simulatedStreams(shards: SimShard[]) {
  const listed = () => shards.map((s): Shard => ({ ShardId: s.id, ...(s.parent ? { ParentShardId: s.parent } : {}), SequenceNumberRange: { StartingSequenceNumber: '0', ...(s.closed ? { EndingSequenceNumber: '9' } : {}) } }));
  const shard = (id: string) => shards.find((s) => s.id === id)!;
  const send = async (command: { constructor: { name: string }; input: Record<string, unknown> }) => {
    const input = command.input;
    switch (command.constructor.name) {
      case 'DescribeStreamCommand': {
        const all = listed();
        const from = input.ExclusiveStartShardId ? all.findIndex((s) => s.ShardId === input.ExclusiveStartShardId) + 1 : 0;
        const page = all.slice(from, from + 1);
        return { StreamDescription: { Shards: page, ...(from + 1 < all.length ? { LastEvaluatedShardId: page[0]!.ShardId } : {}) } };
      }
      case 'GetShardIteratorCommand': {
        const s = shard(input.ShardId as string);
        const at = input.ShardIteratorType === 'TRIM_HORIZON' ? 0 : s.records.findIndex((r) => r.dynamodb!.SequenceNumber === input.SequenceNumber) + 1;
        return { ShardIterator: `${s.id}:${at}` };
      }
      case 'GetRecordsCommand': {
        const [id, at] = (input.ShardIterator as string).split(':');
        const s = shard(id!);
        const from = Number(at);
        const records = s.records.slice(from, from + (input.Limit as number));
        const next = from + records.length;
        return { Records: records, ...(s.closed && next >= s.records.length ? {} : { NextShardIterator: `${s.id}:${next}` }) };
      }
      default:
        throw new Error(`unexpected ${command.constructor.name}`);
    }
  };
  return { send } as never;
}

const table = { send: async () => ({ Table: { LatestStreamArn: ARN, StreamSpecification: { StreamEnabled: true, StreamViewType: 'NEW_AND_OLD_IMAGES' }, KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }] } }) } as never;

const sourceOver = (shards: SimShard[]) => new DynamoDbCdcSource({ 'table.name': 'users', 'topic.prefix': 'ddb' }, { dynamodb: table, streams: simulatedStreams(shards) });

const names = (r: PollResult<DynamoDbOffsets>) => r.records.map((x) => (x.value as { after: { name: string } }).after.name);

describe('DynamoDbCdcSource across a shard split', () => {
  it('reads a parent to its end before either child, so each key keeps its order', async () => {
    const parent: SimShard = { id: 'shard-0', closed: true, records: [change('a', 'a1'), change('b', 'b1')] };
    const left: SimShard = { id: 'shard-1', parent: 'shard-0', closed: false, records: [change('a', 'a2')] };
    const right: SimShard = { id: 'shard-2', parent: 'shard-0', closed: false, records: [change('b', 'b2')] };
    // Listed children first: the order DescribeStream gives is no reading order.
    const source = sourceOver([left, right, parent]);

    const first = await source.poll({ offsets: undefined, maxRecords: 1, maxMs: 5_000 });
    const second = await source.poll({ offsets: first.offsets, maxRecords: 10, maxMs: 5_000 });

    expect(names(first)).toEqual(['a1']);
    expect(names(second)).toEqual(['b1', 'a2', 'b2']);
    expect(second.offsets.shards['shard-0']).toEqual({ seq: parent.records[1]!.dynamodb!.SequenceNumber, done: true });
  });

  it('resumes children from the committed offsets after the parent, reading nothing twice', async () => {
    const parent: SimShard = { id: 'shard-0', closed: true, records: [change('a', 'a1')] };
    const child: SimShard = { id: 'shard-1', parent: 'shard-0', closed: false, records: [change('a', 'a2'), change('a', 'a3')] };
    const first = await sourceOver([parent, child]).poll({ offsets: undefined, maxRecords: 2, maxMs: 5_000 });

    // A restart: a new source from the committed offsets, the child having grown.
    child.records.push(change('a', 'a4'));
    const second = await sourceOver([parent, child]).poll({ offsets: first.offsets, maxRecords: 10, maxMs: 5_000 });

    expect(names(first)).toEqual(['a1', 'a2']);
    expect(names(second)).toEqual(['a3', 'a4']);
  });

  it('forgets a finished parent once the stream trims it, and goes on with its children', async () => {
    const parent: SimShard = { id: 'shard-0', closed: true, records: [change('a', 'a1')] };
    const child: SimShard = { id: 'shard-1', parent: 'shard-0', closed: false, records: [change('a', 'a2')] };
    const first = await sourceOver([parent, child]).poll({ offsets: undefined, maxRecords: 10, maxMs: 5_000 });

    child.records.push(change('a', 'a3'));
    const second = await sourceOver([child]).poll({ offsets: first.offsets, maxRecords: 10, maxMs: 5_000 });

    expect(names(second)).toEqual(['a3']);
    expect(Object.keys(second.offsets.shards)).toEqual(['shard-1']);
  });

  it('fails with a lost position when a parent not read to its end is trimmed from the stream', async () => {
    const parent: SimShard = { id: 'shard-0', closed: true, records: [change('a', 'a1'), change('a', 'a2')] };
    const child: SimShard = { id: 'shard-1', parent: 'shard-0', closed: false, records: [change('a', 'a3')] };
    const first = await sourceOver([parent, child]).poll({ offsets: undefined, maxRecords: 1, maxMs: 5_000 });

    const trimmed = sourceOver([child]).poll({ offsets: first.offsets, maxRecords: 10, maxMs: 5_000 });

    await expect(trimmed).rejects.toBeInstanceOf(SourcePositionLostError);
  });
});
