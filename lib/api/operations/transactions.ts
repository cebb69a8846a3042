// Transactions over HTTP (API.md "Transactions"): the one-shot POST /v1/transactions and
// the staged form of transactional producers (their registration is POST /v1/producers,
// produce.ts). Here only what is HTTP's: bodies, query parameters, media types. The
// records are checked as produce checks them (prepareJsonRecords), the offsets as a
// group commit checks them (lib/groups), the limits by lib/log (INVALID_TXN_STATE naming
// the limit): a refused request writes nothing.
//
//   POST   /v1/transactions                           {"encoding","records":[{"topic",...}],"offsets"?}
//   POST   /v1/transactions/{id}/batches?topic=&partition=[&producerEpoch=]
//                                                     binary RecordBatch (producer id and epoch
//                                                     in it) or {"producerEpoch","encoding","records"}
//   POST   /v1/transactions/{id}/commit               {"producerEpoch","offsets"?}
//   DELETE /v1/transactions/{id}?producerEpoch=N      abort
import * as z from 'zod/mini';
import { InvalidRequestError, UnsupportedMediaTypeError } from '../../core/errors.ts';
import { Groups } from '../../groups/index.ts';
import { producerEpochOfBatches, validateKafkaName, validateTopicName, type Log, type PartitionResult, type TxnParticipant } from '../../log/index.ts';
import { JSON_TYPE, mediaType, RECORD_BATCH_TYPE, type ApiRequest } from '../http.ts';
import type { Operation, OperationContext, Operations } from '../operation.ts';
import { validate } from '../schema.ts';
import { parseInteger, parseJsonBody, queryParams, requireJsonContentType } from '../validation.ts';
import { checkJsonRecordCount, prepareJsonRecords } from './produce.ts';

const Offsets = z.strictObject({
  group: z.string(),
  memberId: z.optional(z.string()),
  generation: z.optional(z.number()),
  offsets: z.array(z.unknown()),
});

const OneShotBody = z.strictObject({
  encoding: z.optional(z.enum(['json', 'string', 'base64'])),
  records: z.array(z.looseObject({ topic: z.string() })),
  offsets: z.optional(Offsets),
});

const Epoch = z.number().check(z.int(), z.minimum(0), z.maximum(32_767));
const CommitBody = z.strictObject({ producerEpoch: Epoch, offsets: z.optional(Offsets) });
const StageJsonBody = z.looseObject({ producerEpoch: Epoch });

const groupsCache = new WeakMap<Log, Groups>();
function groupsOf(log: Log): Groups {
  let g = groupsCache.get(log);
  if (!g) groupsCache.set(log, (g = new Groups(log.clients, log)));
  return g;
}

/** The group offsets of a transaction as its participant (checked now, fenced in the commit). */
function offsetsParticipant(log: Log, offsets: z.infer<typeof Offsets> | undefined): Promise<TxnParticipant[]> {
  if (!offsets) return Promise.resolve([]);
  const { group, ...request } = offsets;
  return groupsOf(log).transactionalOffsets(group, request).then((p) => [p]);
}

const transactionalIdParam = (req: ApiRequest): string =>
  validateKafkaName(req.pathParameters.transactionalId ?? '', 'Transactional id', InvalidRequestError);

function jsonBody(req: ApiRequest): unknown {
  requireJsonContentType(req);
  return parseJsonBody(req);
}

const commitTransaction: Operation = async (req, ctx) => {
  queryParams(req, []);
  requireJsonContentType(req);
  checkJsonRecordCount(req.body);
  const raw = parseJsonBody(req);
  const body = validate(OneShotBody, raw);
  const records = (raw as { records: Record<string, unknown>[] }).records;
  const prepared = prepareJsonRecords({
    ...(body.encoding ? { encoding: body.encoding } : {}),
    records: records.map(({ topic: _topic, ...rest }) => rest),
  });
  const topics = body.records.map((r, i) => {
    try {
      return validateTopicName(r.topic);
    } catch (err) {
      throw Object.assign(err as Error, { message: `records[${i}].topic: ${(err as Error).message}` });
    }
  });
  const log = await ctx.log();
  const participants = await offsetsParticipant(log, body.offsets);
  const result = await log.transaction(prepared.map((p, i) => ({ topic: topics[i]!, ...p })), { participants });
  return { status: 200, body: { offsets: result.offsets } };
};

function stageInput(req: ApiRequest, q: { producerEpoch?: string | undefined }, partition: number) {
  const type = mediaType(req.headers['content-type']);
  if (type === RECORD_BATCH_TYPE) {
    if (req.body.length === 0) throw new InvalidRequestError('Staging needs a body of one or more RecordBatch v2 blocks.');
    const epoch = q.producerEpoch !== undefined ? parseInteger("'producerEpoch'", q.producerEpoch, { max: 32_767 }) : producerEpochOfBatches(req.body);
    if (epoch === undefined || epoch < 0) throw new InvalidRequestError("Give 'producerEpoch' (in the batches or as a query parameter).", { fields: ['producerEpoch'] });
    return { epoch, input: { batches: req.body } };
  }
  if (type !== undefined && type !== JSON_TYPE) {
    throw new UnsupportedMediaTypeError(`Content-Type '${type}' is not supported here; send ${JSON_TYPE} or ${RECORD_BATCH_TYPE}.`, {
      supported: [JSON_TYPE, RECORD_BATCH_TYPE],
    });
  }
  checkJsonRecordCount(req.body);
  const raw = parseJsonBody(req) as Record<string, unknown>;
  const { producerEpoch } = validate(StageJsonBody, raw);
  const { producerEpoch: _e, ...rest } = raw;
  const prepared = prepareJsonRecords(rest);
  const elsewhere = prepared.findIndex((p) => p.partition !== undefined && p.partition !== partition);
  if (elsewhere >= 0) {
    throw new InvalidRequestError(`records[${elsewhere}].partition is not ${partition}, the partition this batch is staged for.`, {
      fields: [`records[${elsewhere}].partition`],
    });
  }
  return { epoch: producerEpoch, input: { records: prepared.map((p) => p.record) } };
}

const stageTransaction: Operation = async (req, ctx) => {
  const id = transactionalIdParam(req);
  const q = queryParams(req, ['topic', 'partition', 'producerEpoch']);
  if (q.topic === undefined || q.partition === undefined) {
    throw new InvalidRequestError("Staging needs the query parameters 'topic' and 'partition'.", { fields: ['topic', 'partition'] });
  }
  const topic = validateTopicName(q.topic);
  const partition = parseInteger("'partition'", q.partition, { max: 2_147_483_647 });
  const { epoch, input } = stageInput(req, q, partition);
  const log = await ctx.log();
  return { status: 200, body: await log.stageTransaction(id, epoch, topic, partition, input) };
};

const wirePartitions = (results: readonly PartitionResult[]) =>
  results.map(({ topic, partition, baseOffset, lastOffset }) => ({ topic, partition, baseOffset, lastOffset }));

const commitStagedTransaction: Operation = async (req, ctx) => {
  const id = transactionalIdParam(req);
  queryParams(req, []);
  const body = validate(CommitBody, jsonBody(req));
  const log = await ctx.log();
  const participants = await offsetsParticipant(log, body.offsets);
  const results = await log.commitStagedTransaction(id, body.producerEpoch, participants);
  return { status: 200, body: { offsets: wirePartitions(results) } };
};

const abortTransaction: Operation = async (req, ctx: OperationContext) => {
  const id = transactionalIdParam(req);
  const q = queryParams(req, ['producerEpoch']);
  if (q.producerEpoch === undefined) throw new InvalidRequestError("Abort needs the query parameter 'producerEpoch'.", { fields: ['producerEpoch'] });
  const log = await ctx.log();
  return { status: 200, body: await log.abortTransaction(id, parseInteger("'producerEpoch'", q.producerEpoch, { max: 32_767 })) };
};

export const transactionOperations: Operations = { commitTransaction, stageTransaction, commitStagedTransaction, abortTransaction };
