// Produce and InitProducerId.
//
// Transactional producers (a transactional id on InitProducerId and Produce): their
// batches are staged in their transaction (transactions.ts), never appended on their own;
// a transactional batch sent without the transactional id is INVALID_TXN_STATE.
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
// without a transactional id: an epoch the log never issued is never handed out. A
// batch of an epoch a newer one fenced is INVALID_PRODUCER_EPOCH, as a broker answers it
// on Produce (KIP-588: the producer may abort and go on, not die as if fenced).
import { InvalidRequestError, isSluiceError } from '../../core/errors.ts';
import { MAX_TRANSACTION_TIMEOUT_MS, validateKafkaName, type AppendResult } from '../../log/index.ts';
import { readBatchHeaders } from '../../records/index.ts';
import { E, errorCodeOf, errorMessageOf } from '../protocol/errors.ts';
import type { Message } from '../protocol/schema.ts';
import { NO_RESPONSE, type Handler, type RequestContext } from '../server/context.ts';
import { FENCED_SINCE, txnErrorCode } from './transactions.ts';

type PartitionOutcome = { index: number; result?: AppendResult; error?: unknown; errorCode?: number };

function partitionResponse(o: PartitionOutcome): Message {
  if (o.result) {
    return { index: o.index, errorCode: E.NONE, baseOffset: o.result.baseOffset, logAppendTimeMs: -1, logStartOffset: -1, recordErrors: [], errorMessage: null };
  }
  const code = o.errorCode ?? errorCodeOf(o.error);
  return {
    index: o.index,
    errorCode: code === E.PRODUCER_FENCED ? E.INVALID_PRODUCER_EPOCH : code,
    baseOffset: -1,
    logAppendTimeMs: -1,
    logStartOffset: -1,
    recordErrors: [],
    errorMessage: o.error === undefined ? null : errorMessageOf(o.error),
  };
}

/** A partition refused before anything of it is written. */
const refused = (index: number, errorCode: number, message: string): Promise<PartitionOutcome> =>
  Promise.resolve({ index, errorCode, error: new Error(message) });

/**
 * Checks a partition's batches and queues them; the promise settles when they are
 * committed. Batches of a transactional producer go to its transaction instead (`stage`).
 */
function queue(ctx: RequestContext, topic: string, p: Message, stage: Stage | undefined): Promise<PartitionOutcome> {
  const index = p.index as number;
  try {
    const records = p.records as Buffer | null;
    if (!records || records.length === 0) return refused(index, E.CORRUPT_MESSAGE, 'no record batch');
    const headers = readBatchHeaders(records);
    const transactional = headers.filter((h) => h.isTransactional).length;
    if (stage) {
      if (transactional < headers.length || headers.some((h) => h.producerId < 0n)) {
        return refused(index, E.INVALID_TXN_STATE, 'A transactional producer sends transactional batches carrying its producer id.');
      }
      return stage(topic, index, records);
    }
    if (transactional > 0) {
      return refused(index, E.INVALID_TXN_STATE, 'Transactional batches belong to a transaction: send them with the transactional id that began it.');
    }
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

type Stage = (topic: string, partition: number, batches: Buffer) => Promise<PartitionOutcome>;

/**
 * Stages a transactional producer's batches in its open transaction, one partition
 * after another (they update the same producer item). Offsets are only known at the
 * commit, so each is answered with base offset -1; an old epoch is INVALID_PRODUCER_EPOCH,
 * as a broker answers it on Produce.
 */
function stager(ctx: RequestContext, transactionalId: string): Stage {
  let chain: Promise<unknown> = Promise.resolve();
  try {
    validateKafkaName(transactionalId, 'Transactional id', InvalidRequestError);
  } catch (error) {
    return (_topic, partition) => Promise.resolve({ index: partition, error });
  }
  return (topic, partition, batches) => {
    const epoch = readBatchHeaders(batches)[0]!.producerEpoch;
    const staged = chain.then(() =>
      ctx.services.log.stageTransaction(transactionalId, epoch, topic, partition, { batches }).then(
        (): PartitionOutcome => ({ index: partition, result: { partition, baseOffset: -1, lastOffset: -1 } }),
        (error: unknown): PartitionOutcome => ({ index: partition, error, errorCode: txnErrorCode(error, 0, Number.MAX_SAFE_INTEGER) }),
      ),
    );
    chain = staged;
    return staged;
  };
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
  const stage = req.transactionalId === null ? undefined : stager(ctx, req.transactionalId as string);
  const pending = topics.map((t) => ({ name: t.name as string, outcomes: (t.partitionData as Message[]).map((p) => queue(ctx, t.name, p, stage)) }));
  if (acks === 0) return NO_RESPONSE;
  return (async () => ({
    responses: await Promise.all(
      pending.map(async (t) => ({ name: t.name, partitionResponses: (await Promise.all(t.outcomes)).map(partitionResponse) })),
    ),
    throttleTimeMs: 0,
  }))();
};

/** InitProducerId with a transactional id: a new epoch; KIP-360's id and epoch, when sent, must be the current ones. */
async function initTransactional(ctx: RequestContext, req: Message): Promise<Message> {
  const { log } = ctx.services;
  const id = validateKafkaName(req.transactionalId as string, 'Transactional id', InvalidRequestError);
  const timeoutMs = req.transactionTimeoutMs as number;
  if (!(timeoutMs > 0 && timeoutMs <= MAX_TRANSACTION_TIMEOUT_MS)) return { throttleTimeMs: 0, errorCode: E.INVALID_TRANSACTION_TIMEOUT, producerId: -1, producerEpoch: -1 };
  if (req.producerId >= 0) {
    // As Kafka's coordinator: an id it does not know takes any, else they must be the current ones.
    const current = await log.describeTransactionalProducer(id);
    if (current && (current.producerId !== req.producerId || current.producerEpoch !== req.producerEpoch)) {
      const code = ctx.apiVersion < FENCED_SINCE.InitProducerId ? E.INVALID_PRODUCER_EPOCH : E.PRODUCER_FENCED;
      return { throttleTimeMs: 0, errorCode: code, producerId: -1, producerEpoch: -1 };
    }
  }
  const { producerId, producerEpoch } = await log.initTransactionalProducer(id, timeoutMs);
  return { throttleTimeMs: 0, errorCode: E.NONE, producerId, producerEpoch };
}

export const handleInitProducerId: Handler = async (ctx, req) => {
  try {
    if (req.transactionalId !== null) return await initTransactional(ctx, req);
    const { producerId, producerEpoch } = await ctx.services.log.initProducer();
    return { throttleTimeMs: 0, errorCode: E.NONE, producerId, producerEpoch };
  } catch (err) {
    return { throttleTimeMs: 0, errorCode: txnErrorCode(err, ctx.apiVersion, FENCED_SINCE.InitProducerId), producerId: -1, producerEpoch: -1 };
  }
};
