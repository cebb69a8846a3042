// One attempt of a transaction commit, built for the heads just read: the items of one
// TransactWriteItems, and who owns each item (to read a cancellation's reasons).
//
//   per partition (in input order)
//     Update head   nextOffset = base + n, counters,     IF nextOffset = base (or absent)
//                   tail += one entry per segment (the head's tail, lib/storage/commit.ts)
//   per participant (in input order): its items, each with its own condition
//
// The head update sets only what the commit protocol sets (counters, the tail): an
// idempotent producer's state on the head (`producers`) is left as it is, and the
// condition on nextOffset means no append can have changed it since the read.
import { createHash } from 'node:crypto';
import type { TransactWriteItem, TransactWriteItemsCommandInput } from '@aws-sdk/client-dynamodb';
import type { StorageClients } from '../../storage/clients.ts';
import { headKey, N, tailEntryValue, type PartitionHead } from '../../storage/metadata.ts';
import type { AttemptContext, PartitionResult, TxnParticipant, TxnPartition } from './types.ts';

/** Who an item of the attempt belongs to. */
export type ItemOwner = { kind: 'head'; partition: number } | { kind: 'participant'; index: number; local: number };

export interface Attempt {
  /** Heads the attempt was built on; equal state gives a byte-identical input. */
  state: string;
  input: TransactWriteItemsCommandInput;
  owners: ItemOwner[];
  ctx: AttemptContext;
}

export const headState = (heads: readonly PartitionHead[]): string =>
  heads.map((h) => `${h.nextOffset}/${h.exists ? 1 : 0}/${h.maxTimestamp}`).join(',');

/** ≤ 36 chars, stable for one (transaction, heads): a resend of the same attempt is a no-op. */
const requestToken = (txnId: string, state: string): string =>
  createHash('sha256').update(`${txnId}@${state}`).digest('base64url').slice(0, 36);

const recordCount = (p: TxnPartition): number => p.segments.reduce((n, s) => n + s.recordCount, 0);

export function buildAttempt(
  clients: StorageClients,
  txnId: string,
  partitions: readonly TxnPartition[],
  heads: readonly PartitionHead[],
  participants: readonly TxnParticipant[],
): Attempt {
  const results: PartitionResult[] = partitions.map((p, i) => ({
    topic: p.topic.name,
    topicId: p.topic.topicId,
    partition: p.partition,
    baseOffset: heads[i]!.nextOffset,
    lastOffset: heads[i]!.nextOffset + recordCount(p) - 1,
  }));
  const ctx: AttemptContext = { txnId, results };
  const items: TransactWriteItem[] = [];
  const owners: ItemOwner[] = [];
  partitions.forEach((p, i) => {
    const head = heads[i]!;
    items.push(headUpdate(clients, p, head));
    owners.push({ kind: 'head', partition: i });
  });
  participants.forEach((participant, index) => {
    participant.items(ctx).forEach((item, local) => {
      items.push(item);
      owners.push({ kind: 'participant', index, local });
    });
  });
  const state = headState(heads);
  return { state, input: { ClientRequestToken: requestToken(txnId, state), TransactItems: items }, owners, ctx };
}

function headUpdate(clients: StorageClients, p: TxnPartition, head: PartitionHead): TransactWriteItem {
  const n = recordCount(p);
  const bytes = p.segments.reduce((b, s) => b + s.byteLength, 0);
  return {
    Update: {
      TableName: clients.names.tables.partitions,
      Key: headKey(p.topic.topicId, p.partition),
      UpdateExpression:
        'SET nextOffset = :next, tailBase = if_not_exists(tailBase, :base), tail = list_append(if_not_exists(tail, :none), :entries), ' +
        'logStartOffset = if_not_exists(logStartOffset, :zero), sizeBytes = if_not_exists(sizeBytes, :zero) + :bytes, ' +
        'segmentCount = if_not_exists(segmentCount, :zero) + :segments',
      ConditionExpression: head.exists ? 'nextOffset = :base' : 'attribute_not_exists(nextOffset)',
      ExpressionAttributeValues: {
        ':next': N(head.nextOffset + n),
        ':base': N(head.nextOffset),
        ':none': { L: [] },
        ':entries': { L: p.segments.map((s) => tailEntryValue(p.topic.topicId, p.partition, s)) },
        ':zero': N(0),
        ':segments': N(p.segments.length),
        ':bytes': N(bytes),
      },
    },
  };
}
