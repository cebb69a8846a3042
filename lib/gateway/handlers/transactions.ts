// The transaction coordinator (AddPartitionsToTxn, AddOffsetsToTxn, EndTxn) and the
// group coordinator's TxnOffsetCommit, over lib/log's staged transactions.
//
// Every node is every transaction's coordinator: a transactional id's state is its
// producer item in lib/log (epoch, staged batches, staged offsets), so a transaction
// begun through one node can be ended through another. How Kafka's steps map:
//
//   InitProducerId(id)    Log.initTransactionalProducer: a new epoch fences the older
//                         ones and aborts their transaction in progress (produce.ts)
//   AddPartitionsToTxn    checks the producer and the partitions; nothing to record, as
//                         a batch joins the transaction when it is staged
//   Produce(id, batches)  each batch staged (uploaded, invisible) in the transaction
//   AddOffsetsToTxn       checks the producer and the group id
//   TxnOffsetCommit       the offsets checked now (fence, partitions, high watermarks)
//                         and staged in the transaction with the member that sent them
//   EndTxn(commit)        ONE TransactWriteItems: every staged batch, the staged offsets
//                         (fenced again on the member's generation) and the producer item
//   EndTxn(abort)         the staged list dropped; its objects become orphans
//
// Nothing is visible before the commit and there are no markers, so read_committed has
// nothing to filter (fetch.ts). An empty transaction (partitions added, nothing staged)
// commits or aborts as a no-op, as on a broker.
//
// Fenced epochs answer PRODUCER_FENCED from the version that knows it (KIP-588) and
// INVALID_PRODUCER_EPOCH below; a producer id that is not the transactional id's,
// INVALID_PRODUCER_ID_MAPPING.
import { InvalidRequestError } from '../../core/errors.ts';
import { validateKafkaName, type StagedOffsetCommit, type TxnParticipant } from '../../log/index.ts';
import { memberOf } from '../groups/state.ts';
import { E, errorCodeOf } from '../protocol/errors.ts';
import type { Message } from '../protocol/schema.ts';
import type { Handler, RequestContext } from '../server/context.ts';

/** The first version of each API that answers PRODUCER_FENCED (below: INVALID_PRODUCER_EPOCH). */
export const FENCED_SINCE = { InitProducerId: 4, AddPartitionsToTxn: 2, AddOffsetsToTxn: 2, EndTxn: 2, TxnOffsetCommit: 3 } as const;

/** Kafka's code for `err` at this version (fenced epochs per FENCED_SINCE). */
export function txnErrorCode(err: unknown, version: number, since: number): number {
  const code = errorCodeOf(err);
  return code === E.PRODUCER_FENCED && version < since ? E.INVALID_PRODUCER_EPOCH : code;
}

class ProducerIdMismatch extends Error {}

/** Whether the transactional id is this producer at this epoch (throws the error if not). */
async function requireProducer(ctx: RequestContext, transactionalId: string, producerId: number, producerEpoch: number) {
  validateKafkaName(transactionalId, 'Transactional id', InvalidRequestError);
  const state = await ctx.services.log.transactionalProducer(transactionalId, producerEpoch);
  if (state.producerId !== producerId) throw new ProducerIdMismatch(`Producer ${producerId} is not transactional id '${transactionalId}'s.`);
  return state;
}

const codeOf = (err: unknown, version: number, since: number): number =>
  err instanceof ProducerIdMismatch ? E.INVALID_PRODUCER_ID_MAPPING : txnErrorCode(err, version, since);

/** Per partition: NONE, UNKNOWN_TOPIC_OR_PARTITION, or the producer's error for all. */
async function addPartitions(ctx: RequestContext, txn: { id: string; producerId: number; epoch: number; topics: Message[] }): Promise<Message[]> {
  let producerError: number = E.NONE;
  try {
    await requireProducer(ctx, txn.id, txn.producerId, txn.epoch);
  } catch (err) {
    producerError = codeOf(err, ctx.apiVersion, FENCED_SINCE.AddPartitionsToTxn);
  }
  const results = await Promise.all(
    txn.topics.map(async (t) => {
      const partitions = t.partitions as number[];
      const lookup = (fresh: boolean) => ctx.services.log.topics.require(t.name as string, { fresh }).catch(() => undefined);
      // A partition beyond the cached count (grown through another node) is confirmed afresh.
      let topic = await lookup(false);
      if (!topic || partitions.some((p) => p >= topic!.partitions)) topic = await lookup(true);
      return {
        name: t.name,
        resultsByPartition: partitions.map((p) => ({
          partitionIndex: p,
          partitionErrorCode: producerError !== E.NONE ? producerError : topic && p >= 0 && p < topic.partitions ? E.NONE : E.UNKNOWN_TOPIC_OR_PARTITION,
        })),
      };
    }),
  );
  // As a broker does: when some partitions fail, the others are not added either.
  const failed = results.some((t) => t.resultsByPartition.some((p) => p.partitionErrorCode !== E.NONE));
  if (failed && producerError === E.NONE) {
    for (const t of results) for (const p of t.resultsByPartition) if (p.partitionErrorCode === E.NONE) p.partitionErrorCode = E.OPERATION_NOT_ATTEMPTED;
  }
  return results;
}

export const handleAddPartitionsToTxn: Handler = async (ctx, req) => {
  if (ctx.apiVersion < 4) {
    const txn = { id: req.v3AndBelowTransactionalId, producerId: req.v3AndBelowProducerId, epoch: req.v3AndBelowProducerEpoch, topics: req.v3AndBelowTopics };
    return { throttleTimeMs: 0, resultsByTopicV3AndBelow: await addPartitions(ctx, txn) };
  }
  const results = await Promise.all(
    (req.transactions as Message[]).map(async (t) => ({
      transactionalId: t.transactionalId,
      topicResults: await addPartitions(ctx, { id: t.transactionalId, producerId: t.producerId, epoch: t.producerEpoch, topics: t.topics }),
    })),
  );
  return { throttleTimeMs: 0, errorCode: E.NONE, resultsByTransaction: results };
};

export const handleAddOffsetsToTxn: Handler = async (ctx, req) => {
  try {
    if ((req.groupId as string).length === 0) return { throttleTimeMs: 0, errorCode: E.INVALID_GROUP_ID };
    await requireProducer(ctx, req.transactionalId, req.producerId, req.producerEpoch);
    return { throttleTimeMs: 0, errorCode: E.NONE };
  } catch (err) {
    return { throttleTimeMs: 0, errorCode: codeOf(err, ctx.apiVersion, FENCED_SINCE.AddOffsetsToTxn) };
  }
};

/**
 * The participant writing a staged offset commit: fenced on the classic member's
 * generation, or the server-side member's epoch, when the request named one (TxnOffsetCommit
 * v3+); without one (v0-v2, kafkajs) unfenced, as Kafka before KIP-447: the transactional
 * id's epoch is then the only fence.
 */
async function offsetsParticipant(ctx: RequestContext, c: StagedOffsetCommit): Promise<TxnParticipant> {
  const { classic, groups } = ctx.services;
  const offsets = c.offsets.map((o) => ({ topic: o.topic, partition: o.partition, offset: o.offset, ...(o.metadata !== undefined ? { metadata: o.metadata } : {}) }));
  if (!c.fence) return groups.transactionalOffsets(c.group, { offsets }, { fence: { checks: [], explain: async () => undefined } });
  const { memberId, generation } = c.fence;
  if (memberOf(await classic.read(c.group), memberId)) {
    return groups.transactionalOffsets(c.group, { offsets }, { fence: classic.memberFence(c.group, memberId, generation) });
  }
  return groups.transactionalOffsets(c.group, { memberId, generation, offsets });
}

export const handleTxnOffsetCommit: Handler = async (ctx, req) => {
  const topics = req.topics as Message[];
  const commit: StagedOffsetCommit = {
    group: req.groupId,
    ...(req.generationId >= 0 && req.memberId !== '' ? { fence: { memberId: req.memberId, generation: req.generationId } } : {}),
    offsets: topics.flatMap((t) =>
      (t.partitions as Message[]).map((p) => ({
        topic: t.name as string,
        partition: p.partitionIndex as number,
        offset: p.committedOffset as number,
        ...(p.committedMetadata !== null ? { metadata: p.committedMetadata as string } : {}),
      })),
    ),
  };
  let errorCode: number = E.NONE;
  try {
    await requireProducer(ctx, req.transactionalId, req.producerId, req.producerEpoch);
    await offsetsParticipant(ctx, commit); // checked now; built again, and fenced again, at the commit
    await ctx.services.log.stageTransactionOffsets(req.transactionalId, req.producerEpoch, commit);
  } catch (err) {
    errorCode = codeOf(err, ctx.apiVersion, FENCED_SINCE.TxnOffsetCommit);
  }
  return {
    throttleTimeMs: 0,
    topics: topics.map((t) => ({ name: t.name, partitions: (t.partitions as Message[]).map((p) => ({ partitionIndex: p.partitionIndex, errorCode })) })),
  };
};

export const handleEndTxn: Handler = async (ctx, req) => {
  const { log } = ctx.services;
  try {
    const state = await requireProducer(ctx, req.transactionalId, req.producerId, req.producerEpoch);
    if (!req.committed) {
      await log.abortTransaction(req.transactionalId, req.producerEpoch);
    } else if (state.inTransaction) {
      await log.commitStagedTransaction(req.transactionalId, req.producerEpoch, [], (staged) => Promise.all(staged.map((c) => offsetsParticipant(ctx, c))));
    }
    return { throttleTimeMs: 0, errorCode: E.NONE };
  } catch (err) {
    return { throttleTimeMs: 0, errorCode: codeOf(err, ctx.apiVersion, FENCED_SINCE.EndTxn) };
  }
};
