// Consumer groups over HTTP (API.md "Consumer groups", plus the admin offset reset
// documented in routes.ts). Here only what is HTTP's: query parameters, the media type,
// JSON. Path parameters and bodies go to lib/groups as they came; its schema
// (lib/groups/schema.ts) checks every field before anything is read or written
// (INVALID_REQUEST naming the field, INVALID_GROUP_ID, INVALID_TOPIC_EXCEPTION,
// INVALID_SESSION_TIMEOUT), then its fencing and ranges (UNKNOWN_MEMBER_ID,
// ILLEGAL_GENERATION, NON_EMPTY_GROUP, ...).
import { Groups } from '../../groups/index.ts';
import type { Log } from '../../log/index.ts';
import type { ApiRequest } from '../http.ts';
import type { OperationContext, Operations } from '../operation.ts';
import { parseJsonBody, queryParams, requireJsonContentType } from '../validation.ts';

/** One Groups per Log: a container builds its Log once, so its Groups is built once too. */
const cache = new WeakMap<Log, Groups>();

async function groupsOf(ctx: OperationContext): Promise<Groups> {
  const log = await ctx.log();
  let groups = cache.get(log);
  if (!groups) {
    groups = new Groups(log.clients, log);
    cache.set(log, groups);
  }
  return groups;
}

/** A JSON body, as it came: lib/groups checks it against its schema (lib/groups/schema.ts). */
function jsonBody(req: ApiRequest): unknown {
  requireJsonContentType(req);
  return parseJsonBody(req);
}

const groupParam = (req: ApiRequest): string => req.pathParameters.group ?? '';
const memberParam = (req: ApiRequest): string => req.pathParameters.memberId ?? '';

// ---- operations --------------------------------------------------------------------------

export const groupOperations: Operations = {
  joinGroup: async (req, ctx) => {
    queryParams(req, []);
    const body = jsonBody(req);
    const groups = await groupsOf(ctx);
    return { status: 200, body: await groups.join(groupParam(req), body) };
  },

  heartbeat: async (req, ctx) => {
    queryParams(req, []);
    const body = jsonBody(req);
    const groups = await groupsOf(ctx);
    return { status: 200, body: await groups.heartbeat(groupParam(req), memberParam(req), body) };
  },

  leaveGroup: async (req, ctx) => {
    queryParams(req, []);
    const groups = await groupsOf(ctx);
    await groups.leave(groupParam(req), memberParam(req));
    return { status: 204 };
  },

  commitOffsets: async (req, ctx) => {
    queryParams(req, []);
    const body = jsonBody(req);
    const groups = await groupsOf(ctx);
    return { status: 200, body: await groups.commit(groupParam(req), body) };
  },

  fetchOffsets: async (req, ctx) => {
    queryParams(req, []);
    const groups = await groupsOf(ctx);
    return { status: 200, body: await groups.fetchOffsets(groupParam(req)) };
  },

  listGroups: async (req, ctx) => {
    queryParams(req, []);
    const groups = await groupsOf(ctx);
    const list = await groups.list();
    list.sort((a, b) => (a.group < b.group ? -1 : a.group > b.group ? 1 : 0));
    return { status: 200, body: { groups: list } };
  },

  describeGroup: async (req, ctx) => {
    queryParams(req, []);
    const groups = await groupsOf(ctx);
    const described = await groups.describe(groupParam(req));
    // Total lag over the partitions whose topic still exists.
    const lag = described.offsets.reduce((sum, o) => sum + (o.lag ?? 0), 0);
    return { status: 200, body: { ...described, lag } };
  },

  deleteGroup: async (req, ctx) => {
    queryParams(req, []);
    const groups = await groupsOf(ctx);
    await groups.delete(groupParam(req));
    return { status: 204 };
  },

  resetOffsets: async (req, ctx) => {
    queryParams(req, []);
    const body = jsonBody(req);
    const groups = await groupsOf(ctx);
    return { status: 200, body: await groups.resetOffsets(groupParam(req), body) };
  },
};
