// Produce and InitProducerId.
//
// Each partition's records are checked here, synchronously and before anything is
// queued (batch headers, CRC, codec): a bad partition is answered with its error and
// nothing of it is written, while the request's other partitions go ahead, as on a Kafka
// broker. Good partitions join the produce buffer in arrival order and are answered once
// committed; with acks=0 nothing is answered at all, as Kafka does.
//
// Idempotent producers: InitProducerId hands out a producer id the log issued
// (Log.initProducer, the path every producer id comes from); the log checks sequences per
// partition in the same transaction as the append, so a retried batch gets its first
// offsets back. A request naming the id and epoch it already has (KIP-360, after a
// sequence error) also gets a new id at epoch 0, as a Kafka broker answers producers
// without a transactional id: an epoch the log never issued is never handed out.
import { isSluiceError } from '../../core/errors.ts';
import type { AppendResult } from '../../log/index.ts';
import { readBatchHeaders } from '../../records/index.ts';
import { E, errorCodeOf, errorMessageOf } from '../protocol/errors.ts';
import type { Message } from '../protocol/schema.ts';
import { NO_RESPONSE, type Handler } from '../server/context.ts';

type PartitionOutcome = { index: number; result?: AppendResult; error?: unknown; errorCode?: number };

function partitionResponse(o: PartitionOutcome): Message {
  if (o.result) {
    return { index: o.index, errorCode: E.NONE, baseOffset: o.result.baseOffset, logAppendTimeMs: -1, logStartOffset: -1, recordErrors: [], errorMessage: null };
  }
  return {
    index: o.index,
    errorCode: o.errorCode ?? errorCodeOf(o.error),
    baseOffset: -1,
    logAppendTimeMs: -1,
    logStartOffset: -1,
    recordErrors: [],
    errorMessage: o.error === undefined ? null : errorMessageOf(o.error),
  };
}

/** Checks a partition's batches and queues them; the promise settles when they are committed. */
function queue(ctx: Parameters<Handler>[0], topic: string, p: Message): Promise<PartitionOutcome> {
  const index = p.index as number;
  try {
    const records = p.records as Buffer | null;
    if (!records || records.length === 0) return Promise.resolve({ index, errorCode: E.CORRUPT_MESSAGE, error: new Error('no record batch') });
    const headers = readBatchHeaders(records);
    const count = headers.reduce((n, h) => n + h.recordCount, 0);
    const idempotent = headers.some((h) => h.producerId >= 0n);
    return ctx.services.produce
      .add(topic, index, records, count, idempotent)
      .then((result) => ({ index, result }), (error: unknown) => ({ index, error }));
  } catch (error) {
    if (!isSluiceError(error)) throw error;
    return Promise.resolve({ index, error });
  }
}

export const handleProduce: Handler = (ctx, req) => {
  const acks = req.acks as number;
  const topics = req.topicData as Message[];
  if (acks !== 0 && acks !== 1 && acks !== -1) {
    return {
      responses: topics.map((t) => ({
        name: t.name,
        partitionResponses: (t.partitionData as Message[]).map((p) => partitionResponse({ index: p.index, errorCode: E.INVALID_REQUIRED_ACKS })),
      })),
      throttleTimeMs: 0,
    };
  }
  const pending = topics.map((t) => ({ name: t.name as string, outcomes: (t.partitionData as Message[]).map((p) => queue(ctx, t.name, p)) }));
  if (acks === 0) return NO_RESPONSE;
  return (async () => ({
    responses: await Promise.all(
      pending.map(async (t) => ({ name: t.name, partitionResponses: (await Promise.all(t.outcomes)).map(partitionResponse) })),
    ),
    throttleTimeMs: 0,
  }))();
};

export const handleInitProducerId: Handler = async (ctx, req) => {
  if (req.transactionalId !== null) {
    // Transactions are not served by this gateway yet; refuse rather than pretend.
    return { throttleTimeMs: 0, errorCode: E.INVALID_REQUEST, producerId: -1, producerEpoch: -1 };
  }
  try {
    const { producerId, producerEpoch } = await ctx.services.log.initProducer();
    return { throttleTimeMs: 0, errorCode: E.NONE, producerId, producerEpoch };
  } catch (err) {
    return { throttleTimeMs: 0, errorCode: errorCodeOf(err), producerId: -1, producerEpoch: -1 };
  }
};
