// Consumer groups over HTTP (API.md "Consumer groups", plus the admin offset reset
// documented in routes.ts). Only the shape of each request is checked here (strict zod
// schemas: INVALID_REQUEST naming the field); group ids, topic names, session timeouts,
// fencing and ranges are lib/groups' checks (INVALID_GROUP_ID, INVALID_TOPIC_EXCEPTION,
// INVALID_SESSION_TIMEOUT, UNKNOWN_MEMBER_ID, ILLEGAL_GENERATION, NON_EMPTY_GROUP, ...).
// Every check runs before anything is written.
import * as z from 'zod/mini';
import { Groups, validateGroupId, type ResetTo } from '../../groups/index.ts';
import type { Log } from '../../log/index.ts';
import { InvalidRequestError } from '../../core/errors.ts';
import type { ApiRequest } from '../http.ts';
import type { OperationContext, Operations } from '../operation.ts';
import { validate } from '../schema.ts';
import { parseJsonBody, queryParams, requireJsonContentType } from '../validation.ts';

/** One Groups per Log: a container builds its Log once, so its Groups is built once too. */
const cache = new WeakMap<Log, Groups>();

/**
 * Serve `log`'s groups with this Groups (one built with options, such as the push notices
 * of lib/push/sessions.ts) instead of a plain one.
 */
export function useGroups(log: Log, groups: Groups): void {
  cache.set(log, groups);
}

async function groupsOf(ctx: OperationContext): Promise<Groups> {
  const log = await ctx.log();
  let groups = cache.get(log);
  if (!groups) {
    groups = new Groups(log.clients, log);
    cache.set(log, groups);
  }
  return groups;
}

// ---- request shapes --------------------------------------------------------------------

const count = z.number().check(z.int(), z.minimum(0));

const TopicPartitionsList = z.array(
  z.strictObject({
    topic: z.string(),
    partitions: z.array(count),
  }),
);

const JoinBody = z.strictObject({
  topics: z.array(z.string()).check(z.minLength(1)),
  sessionTimeoutMs: z.optional(z.number().check(z.int())),
});

const HeartbeatBody = z.strictObject({
  generation: count,
  owned: z.optional(TopicPartitionsList),
});

const CommitBody = z.strictObject({
  memberId: z.optional(z.string().check(z.minLength(1))),
  generation: z.optional(count),
  offsets: z.array(
    z.strictObject({
      topic: z.string(),
      partition: count,
      offset: count,
      metadata: z.optional(z.nullable(z.string())),
    }),
  ),
});

/** ISO 8601 date or date-time ("2025-06-01", "2025-06-01T12:00:00Z", "...+02:00"). */
const ISO_DATETIME = /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/i;

const ResetToSchema = z.union(
  [
    z.enum(['earliest', 'latest']),
    z.strictObject({
      datetime: z.union([count, z.string().check(z.regex(ISO_DATETIME, 'must be epoch ms or an ISO 8601 date-time'))], {
        error: 'must be epoch ms or an ISO 8601 date-time',
      }),
    }),
    z.strictObject({ offset: count }),
    z.strictObject({ shiftBy: z.number().check(z.int()) }),
  ],
  { error: 'must be "earliest", "latest", {"datetime": ms or ISO 8601}, {"offset": n} or {"shiftBy": n}' },
);

const ResetBody = z.strictObject({
  topic: z.string(),
  to: ResetToSchema,
  partitions: z.optional(z.array(count).check(z.minLength(1))),
});

function jsonBody<S extends z.ZodMiniType>(req: ApiRequest, schema: S): z.output<S> {
  requireJsonContentType(req);
  return validate(schema, parseJsonBody(req));
}

function groupParam(req: ApiRequest): string {
  return validateGroupId(req.pathParameters.group ?? '');
}

function memberParam(req: ApiRequest): string {
  const id = req.pathParameters.memberId ?? '';
  if (id.length === 0 || id.length > 255) {
    throw new InvalidRequestError('memberId must be a non-empty string of at most 255 characters.', { fields: ['memberId'] });
  }
  return id;
}

function resetTo(to: z.output<typeof ResetToSchema>): ResetTo {
  if (to === 'earliest') return { earliest: true };
  if (to === 'latest') return { latest: true };
  if ('datetime' in to) {
    if (typeof to.datetime === 'number') return { datetime: to.datetime };
    const ms = Date.parse(to.datetime);
    if (!Number.isSafeInteger(ms) || ms < 0) {
      throw new InvalidRequestError(`'to.datetime': '${to.datetime}' is not a valid date-time.`, { fields: ['to.datetime'] });
    }
    return { datetime: ms };
  }
  return to;
}

// ---- operations --------------------------------------------------------------------------

export const groupOperations: Operations = {
  joinGroup: async (req, ctx) => {
    const group = groupParam(req);
    queryParams(req, []);
    const body = jsonBody(req, JoinBody);
    const groups = await groupsOf(ctx);
    const joined = await groups.join(group, {
      topics: body.topics,
      ...(body.sessionTimeoutMs !== undefined ? { sessionTimeoutMs: body.sessionTimeoutMs } : {}),
    });
    return { status: 200, body: joined };
  },

  heartbeat: async (req, ctx) => {
    const group = groupParam(req);
    const memberId = memberParam(req);
    queryParams(req, []);
    const body = jsonBody(req, HeartbeatBody);
    const groups = await groupsOf(ctx);
    const beat = await groups.heartbeat(group, memberId, {
      generation: body.generation,
      ...(body.owned !== undefined ? { owned: body.owned } : {}),
    });
    return { status: 200, body: beat };
  },

  leaveGroup: async (req, ctx) => {
    const group = groupParam(req);
    const memberId = memberParam(req);
    queryParams(req, []);
    const groups = await groupsOf(ctx);
    await groups.leave(group, memberId);
    return { status: 204 };
  },

  commitOffsets: async (req, ctx) => {
    const group = groupParam(req);
    queryParams(req, []);
    const body = jsonBody(req, CommitBody);
    const groups = await groupsOf(ctx);
    const result = await groups.commit(group, {
      ...(body.memberId !== undefined ? { memberId: body.memberId } : {}),
      ...(body.generation !== undefined ? { generation: body.generation } : {}),
      offsets: body.offsets.map((o) => ({
        topic: o.topic,
        partition: o.partition,
        offset: o.offset,
        ...(o.metadata !== undefined && o.metadata !== null ? { metadata: o.metadata } : {}),
      })),
    });
    return { status: 200, body: result };
  },

  fetchOffsets: async (req, ctx) => {
    const group = groupParam(req);
    queryParams(req, []);
    const groups = await groupsOf(ctx);
    return { status: 200, body: await groups.fetchOffsets(group) };
  },

  listGroups: async (req, ctx) => {
    queryParams(req, []);
    const groups = await groupsOf(ctx);
    const list = await groups.list();
    list.sort((a, b) => (a.group < b.group ? -1 : a.group > b.group ? 1 : 0));
    return { status: 200, body: { groups: list } };
  },

  describeGroup: async (req, ctx) => {
    const group = groupParam(req);
    queryParams(req, []);
    const groups = await groupsOf(ctx);
    const described = await groups.describe(group);
    // Total lag over the partitions whose topic still exists.
    const lag = described.offsets.reduce((sum, o) => sum + (o.lag ?? 0), 0);
    return { status: 200, body: { ...described, lag } };
  },

  deleteGroup: async (req, ctx) => {
    const group = groupParam(req);
    queryParams(req, []);
    const groups = await groupsOf(ctx);
    await groups.delete(group);
    return { status: 204 };
  },

  resetOffsets: async (req, ctx) => {
    const group = groupParam(req);
    queryParams(req, []);
    const body = jsonBody(req, ResetBody);
    const to = resetTo(body.to);
    const groups = await groupsOf(ctx);
    const result = await groups.resetOffsets(group, {
      topic: body.topic,
      to,
      ...(body.partitions !== undefined ? { partitions: body.partitions } : {}),
    });
    return { status: 200, body: result };
  },
};
