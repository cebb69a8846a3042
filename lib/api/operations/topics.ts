// Topic administration: create, list, describe, alter, delete. Names, partition counts
// and configs are validated by the log (INVALID_TOPIC_EXCEPTION / INVALID_PARTITIONS /
// INVALID_CONFIG); here only the shape of the request is checked (INVALID_REQUEST).
//
// Topic administration needs the log's topic catalog and nothing else (no segment
// objects): the admin function serves it from DynamoDB alone (functions/admin.ts).
import * as z from 'zod/mini';
import type { ApiRequest } from '../http.ts';
import type { Operations } from '../operation.ts';
import type { Log } from '../../log/index.ts';
import { validateTopicName } from '../../log/topics.ts';
import { validate } from '../schema.ts';
import { parseJsonBody, queryParams, requireJsonContentType, topicParam } from '../validation.ts';

/**
 * Config values: strings, numbers or booleans, null resets to the default; the log checks each
 * key and value (INVALID_CONFIG). The request's own object is passed on, as a record
 * schema would silently drop a key like "__proto__".
 */
const config = z.record(z.string(), z.unknown());

function body<S extends z.ZodMiniType>(req: ApiRequest, schema: S): { parsed: z.output<S>; config?: Record<string, unknown> } {
  requireJsonContentType(req);
  const raw = parseJsonBody(req);
  const parsed = validate(schema, raw);
  const rawConfig = (raw as { config?: Record<string, unknown> }).config;
  return rawConfig === undefined ? { parsed } : { parsed, config: rawConfig };
}

const CreateTopic = z.strictObject({
  name: z.string(),
  partitions: z.optional(z.number()),
  config: z.optional(config),
});

const AlterTopic = z.strictObject({
  partitions: z.optional(z.number()),
  config: z.optional(config),
});

/** What topic administration needs of the log: its topic catalog. */
export type TopicsLog = Pick<Log, 'topics'>;

export const topicOperations: Operations<TopicsLog> = {
  createTopic: async (req, ctx) => {
    queryParams(req, []);
    const { parsed, config } = body(req, CreateTopic);
    const log = await ctx.log();
    const topic = await log.topics.create({
      name: parsed.name,
      ...(parsed.partitions !== undefined ? { partitions: parsed.partitions } : {}),
      ...(config !== undefined ? { config } : {}),
    });
    return { status: 201, body: topic };
  },

  listTopics: async (req, ctx) => {
    queryParams(req, []);
    const log = await ctx.log();
    return { status: 200, body: { topics: await log.topics.list() } };
  },

  describeTopic: async (req, ctx) => {
    const name = validateTopicName(topicParam(req));
    queryParams(req, []);
    const log = await ctx.log();
    return { status: 200, body: await log.topics.describe(name) };
  },

  alterTopic: async (req, ctx) => {
    const name = validateTopicName(topicParam(req));
    queryParams(req, []);
    const { parsed, config } = body(req, AlterTopic);
    const log = await ctx.log();
    const topic = await log.topics.alter(name, {
      ...(parsed.partitions !== undefined ? { partitions: parsed.partitions } : {}),
      ...(config !== undefined ? { config } : {}),
    });
    return { status: 200, body: topic };
  },

  deleteTopic: async (req, ctx) => {
    const name = validateTopicName(topicParam(req));
    queryParams(req, []);
    const log = await ctx.log();
    await log.topics.delete(name);
    return { status: 204 };
  },
};
