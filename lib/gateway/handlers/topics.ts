// CreateTopics, DeleteTopics and CreatePartitions over the log's topic catalog. Storage is
// replicated by S3 and DynamoDB, not by brokers, so any replication factor is accepted
// and the topic reports one replica: this node. validateOnly checks name, partition count
// and configs with the same rules the creation applies, and writes nothing.
import { InvalidPartitionsError, InvalidRequestError, isSluiceError, TopicAlreadyExistsError } from '../../core/errors.ts';
import { validateTopicName } from '../../log/index.ts';
import { MAX_PARTITIONS } from '../../log/index.ts';
import { parseConfigOverrides } from '../../log/config.ts';
import { E, errorCodeOf, errorMessageOf } from '../protocol/errors.ts';
import { ZERO_UUID } from '../protocol/primitives.ts';
import type { Message } from '../protocol/schema.ts';
import type { Handler, RequestContext } from '../server/context.ts';
import { describeTopicConfigs } from './configs.ts';

const failure = (err: unknown) => ({ errorCode: errorCodeOf(err), errorMessage: errorMessageOf(err) });
const OK = { errorCode: E.NONE, errorMessage: null };

function partitionCount(t: Message): number {
  const assigned = (t.assignments as Message[]).length;
  if (assigned > 0) {
    if (t.numPartitions !== -1) throw new InvalidRequestError('Give either numPartitions or assignments, not both.');
    return assigned;
  }
  const n = t.numPartitions === -1 ? 1 : (t.numPartitions as number);
  if (!Number.isInteger(n) || n < 1 || n > MAX_PARTITIONS) {
    throw new InvalidPartitionsError(`Partition count must be from 1 to ${MAX_PARTITIONS}.`);
  }
  return n;
}

async function createOne(ctx: RequestContext, t: Message, validateOnly: boolean): Promise<Message> {
  const name = t.name as string;
  const base = { name, topicId: ZERO_UUID, numPartitions: -1, replicationFactor: -1, configs: null };
  try {
    const partitions = partitionCount(t);
    const config = Object.fromEntries((t.configs as Message[]).map((c) => [c.name, c.value]));
    if (validateOnly) {
      validateTopicName(name);
      parseConfigOverrides(config);
      const exists = await ctx.services.log.topics.require(name).then(() => true, () => false);
      if (exists) throw new TopicAlreadyExistsError(`Topic '${name}' already exists.`);
      return { ...base, ...OK, numPartitions: partitions, replicationFactor: 1 };
    }
    const created = await ctx.services.log.createTopic({ name, partitions, config });
    const record = await ctx.services.log.topics.require(name);
    return {
      ...base,
      ...OK,
      topicId: created.topicId,
      numPartitions: partitions,
      replicationFactor: 1,
      configs: describeTopicConfigs(record.config, null, false).map((c) => ({
        name: c.name, value: c.value, readOnly: false, configSource: c.configSource, isSensitive: false,
      })),
    };
  } catch (err) {
    if (!isSluiceError(err)) throw err;
    return { ...base, ...failure(err) };
  }
}

export const handleCreateTopics: Handler = async (ctx, req) => ({
  throttleTimeMs: 0,
  topics: await Promise.all((req.topics as Message[]).map((t) => createOne(ctx, t, req.validateOnly as boolean))),
});

export const handleDeleteTopics: Handler = async (ctx, req) => {
  const named: { name: string | null; topicId: string }[] =
    ctx.apiVersion >= 6
      ? (req.topics as Message[]).map((t) => ({ name: t.name, topicId: t.topicId }))
      : (req.topicNames as string[]).map((name) => ({ name, topicId: ZERO_UUID }));
  const responses = await Promise.all(
    named.map(async ({ name, topicId }) => {
      try {
        let topic = name;
        if (topic === null) {
          const found = await ctx.services.topics.get(topicId);
          if (!found) return { name: null, topicId, errorCode: E.UNKNOWN_TOPIC_ID, errorMessage: `No topic has id ${topicId}.` };
          topic = found.name;
        }
        const record = await ctx.services.log.topics.require(topic, { fresh: true });
        await ctx.services.log.deleteTopic(topic);
        return { name: topic, topicId: record.topicId, ...OK };
      } catch (err) {
        if (!isSluiceError(err)) throw err;
        return { name, topicId, ...failure(err) };
      }
    }),
  );
  return { throttleTimeMs: 0, responses };
};

export const handleCreatePartitions: Handler = async (ctx, req) => ({
  throttleTimeMs: 0,
  results: await Promise.all(
    (req.topics as Message[]).map(async (t) => {
      try {
        const topic = await ctx.services.log.topics.require(t.name, { fresh: true });
        if (t.count <= topic.partitions) {
          throw new InvalidPartitionsError(`Topic '${t.name}' has ${topic.partitions} partitions; the count can only grow.`);
        }
        if (t.count > MAX_PARTITIONS) throw new InvalidPartitionsError(`At most ${MAX_PARTITIONS} partitions.`);
        if (!req.validateOnly) await ctx.services.log.alterTopic(t.name, { partitions: t.count });
        return { name: t.name, ...OK };
      } catch (err) {
        if (!isSluiceError(err)) throw err;
        return { name: t.name, ...failure(err) };
      }
    }),
  ),
});
