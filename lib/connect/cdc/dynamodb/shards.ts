// The shards of a DynamoDB stream and the order they may be read in. A table's stream is
// split into shards; a shard is closed after a while (or when the table's partitions
// split) and its records continue in child shards, which name it as ParentShardId. Items
// keep their order only along that lineage, so a child is read only once its parent is
// read to its end, or is gone from the stream (trimmed after 24 hours, so the parent's
// records are gone too, and the position check in source.ts decides what that means).
//
//   DescribeStream(StreamArn, ExclusiveStartShardId) → StreamDescription.Shards[]:
//     ShardId, ParentShardId?, SequenceNumberRange { StartingSequenceNumber, EndingSequenceNumber? }
//   paginated by LastEvaluatedShardId.
import { DescribeStreamCommand, type DynamoDBStreamsClient, type Shard } from '@aws-sdk/client-dynamodb-streams';

export interface ShardPosition {
  /** Sequence number of the last record delivered from the shard. */
  seq?: string;
  /** The shard was read to its end (it is closed and GetRecords gave no next iterator). */
  done?: boolean;
}

export async function listShards(client: DynamoDBStreamsClient, streamArn: string): Promise<Shard[]> {
  const shards: Shard[] = [];
  let start: string | undefined;
  do {
    const res = await client.send(new DescribeStreamCommand({ StreamArn: streamArn, ...(start ? { ExclusiveStartShardId: start } : {}) }));
    shards.push(...(res.StreamDescription?.Shards ?? []));
    start = res.StreamDescription?.LastEvaluatedShardId;
  } while (start);
  return shards;
}

/** Shards that may be read now: not finished, and with no unfinished parent in the stream. */
export function readyShards(shards: readonly Shard[], positions: Readonly<Record<string, ShardPosition>>): Shard[] {
  const listed = new Set(shards.map((s) => s.ShardId));
  return shards.filter((s) => {
    if (positions[s.ShardId!]?.done) return false;
    const parent = s.ParentShardId;
    return !parent || !listed.has(parent) || positions[parent]?.done === true;
  });
}

/**
 * Positions worth keeping: a finished shard's entry is needed only while the stream still
 * lists it (its children check it); entries of shards gone from the stream are dropped.
 */
export function prunePositions(shards: readonly Shard[], positions: Record<string, ShardPosition>): Record<string, ShardPosition> {
  const listed = new Set(shards.map((s) => s.ShardId));
  return Object.fromEntries(Object.entries(positions).filter(([id]) => listed.has(id)));
}
