// Topic administration: create, list, describe, alter, delete. Here only what is HTTP's
// (query parameters, the media type, JSON); bodies and names go to the log as they came,
// and its schema (lib/log/schema.ts) checks them (INVALID_REQUEST naming the field,
// INVALID_TOPIC_EXCEPTION, INVALID_PARTITIONS, INVALID_CONFIG) before anything is written.
//
// Topic administration needs the log's topic catalog and nothing else (no segment
// objects): the admin function serves it from DynamoDB alone (functions/admin.ts).
import type { ApiRequest } from '../http.ts';
import type { Operations } from '../operation.ts';
import type { Log } from '../../log/index.ts';
import { parseJsonBody, queryParams, requireJsonContentType, topicParam } from '../validation.ts';

/** A JSON body, as it came: the log checks it against lib/log/schema.ts. */
function jsonBody(req: ApiRequest): unknown {
  requireJsonContentType(req);
  return parseJsonBody(req);
}

/** What topic administration needs of the log: its topic catalog. */
export type TopicsLog = Pick<Log, 'topics'>;

export const topicOperations: Operations<TopicsLog> = {
  createTopic: async (req, ctx) => {
    queryParams(req, []);
    const body = jsonBody(req);
    const log = await ctx.log();
    return { status: 201, body: await log.topics.create(body) };
  },

  listTopics: async (req, ctx) => {
    queryParams(req, []);
    const log = await ctx.log();
    return { status: 200, body: { topics: await log.topics.list() } };
  },

  describeTopic: async (req, ctx) => {
    queryParams(req, []);
    const log = await ctx.log();
    return { status: 200, body: await log.topics.describe(topicParam(req)) };
  },

  alterTopic: async (req, ctx) => {
    queryParams(req, []);
    const body = jsonBody(req);
    const log = await ctx.log();
    return { status: 200, body: await log.topics.alter(topicParam(req), body) };
  },

  deleteTopic: async (req, ctx) => {
    queryParams(req, []);
    const log = await ctx.log();
    await log.topics.delete(topicParam(req));
    return { status: 204 };
  },
};
