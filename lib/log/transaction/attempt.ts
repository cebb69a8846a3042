// One attempt of a transaction commit, built for the heads just read (and the judgement
// of idempotent segments at them, judge.ts): the items of one TransactWriteItems, and who
// owns each item (to read a cancellation's reasons).
//
//   per partition with segments to commit (in input order)
//     Update head   nextOffset = base + n, counters,     IF nextOffset = base (or absent)
//                   tail += one entry per segment (the head's tail, lib/storage/commit.ts)
//     Put state     per producer whose state its idempotent segments changed
//                   (lib/storage/producerStates.ts)
//   per participant (in input order): its items, each with its own condition
//
// Without idempotent segments no producer state is written; with them, each changed one
// is replaced by the state judged, read after the head. Either way the condition on
// nextOffset means no append can have changed it since the read.
import { createHash } from 'node:crypto';
import type { TransactWriteItem, TransactWriteItemsCommandInput } from '@aws-sdk/client-dynamodb';
import type { StorageClients } from '../../storage/clients.ts';
import { conditionalHeadMove } from '../../storage/conditional.ts';
import { producerStatePut } from '../../storage/producerStates.ts';
import type { PartitionHead } from '../../storage/metadata.ts';
import type { Judgement } from './judge.ts';
import type { AttemptContext, PartitionResult, SegmentResult, TxnParticipant, TxnPartition } from './types.ts';

/** Who an item of the attempt belongs to. */
export type ItemOwner = { kind: 'head'; partition: number } | { kind: 'participant'; index: number; local: number };

export interface Attempt {
  /** Heads the attempt was built on; equal state gives a byte-identical input. */
  state: string;
  input: TransactWriteItemsCommandInput;
  owners: ItemOwner[];
  ctx: AttemptContext;
  /** Every input segment's result if this attempt commits (judge.ts). */
  segments: SegmentResult[][];
  /**
   * The index entry of the attempt's first segment, and the input partition it is in:
   * found there once that head moved, it proves the attempt committed.
   */
  receipt?: { at: number; topicId: string; partition: number; base: number; lastOffset: number; objectKey: string; byteStart: number };
}

export const headState = (heads: readonly PartitionHead[]): string =>
  heads.map((h) => `${h.nextOffset}/${h.exists ? 1 : 0}/${h.maxTimestamp}`).join(',');

/** ≤ 36 chars, stable for one (transaction, heads): a resend of the same attempt is a no-op. */
const requestToken = (txnId: string, state: string): string =>
  createHash('sha256').update(`${txnId}@${state}`).digest('base64url').slice(0, 36);

const recordCount = (p: TxnPartition): number => p.segments.reduce((n, s) => n + s.recordCount, 0);

export function buildAttempt(clients: StorageClients, txnId: string, judged: Judgement, participants: readonly TxnParticipant[], state: string): Attempt {
  const { partitions, heads } = judged;
  const results: PartitionResult[] = partitions.map((p, i) => ({
    topic: p.topic.name,
    topicId: p.topic.topicId,
    partition: p.partition,
    baseOffset: heads[i]!.nextOffset,
    lastOffset: heads[i]!.nextOffset + recordCount(p) - 1,
  }));
  const lastOffsets = partitions.map((p, i) => {
    let last = heads[i]!.nextOffset - 1;
    return p.segments.map((s) => (last += s.recordCount));
  });
  const ctx: AttemptContext = { txnId, results, lastOffsets };
  const items: TransactWriteItem[] = [];
  const owners: ItemOwner[] = [];
  partitions.forEach((p, i) => {
    const head = heads[i]!;
    items.push(conditionalHeadMove(clients, p.topic.topicId, p.partition, head, p.segments));
    owners.push({ kind: 'head', partition: i });
    // Unconditional: the head move's condition is what makes them the states judged.
    for (const w of judged.producers[i] ?? []) {
      items.push(producerStatePut(clients, p.topic.topicId, p.partition, w));
      owners.push({ kind: 'head', partition: i });
    }
  });
  participants.forEach((participant, index) => {
    participant.items(ctx).forEach((item, local) => {
      items.push(item);
      owners.push({ kind: 'participant', index, local });
    });
  });
  const first = partitions[0]?.segments[0];
  const receipt = first && {
    at: judged.at[0]!,
    topicId: partitions[0]!.topic.topicId,
    partition: partitions[0]!.partition,
    base: heads[0]!.nextOffset,
    lastOffset: heads[0]!.nextOffset + first.recordCount - 1,
    objectKey: first.objectKey,
    byteStart: first.byteStart,
  };
  const input = { ClientRequestToken: requestToken(txnId, state), TransactItems: items };
  return { state, input, owners, ctx, segments: judged.segments, ...(receipt ? { receipt } : {}) };
}
