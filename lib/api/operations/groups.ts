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
import type { Operation, OperationContext, Operations } from '../operation.ts';
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

/**
 * An operation that takes no query parameters: checks them (and, with `body`, reads the
 * JSON body) before anything else, then answers 200 with what `serve` returns, or 204
 * when it returns nothing.
 */
const operation =
  (serve: (groups: Groups, req: ApiRequest, body: unknown) => Promise<unknown>, opts: { body?: boolean } = {}): Operation =>
  async (req, ctx) => {
    queryParams(req, []);
    const body = opts.body ? jsonBody(req) : undefined;
    const answer = await serve(await groupsOf(ctx), req, body);
    return answer === undefined ? { status: 204 } : { status: 200, body: answer };
  };

const BODY = { body: true };

export const groupOperations: Operations = {
  joinGroup: operation((groups, req, body) => groups.join(groupParam(req), body), BODY),
  heartbeat: operation((groups, req, body) => groups.heartbeat(groupParam(req), memberParam(req), body), BODY),
  leaveGroup: operation((groups, req) => groups.leave(groupParam(req), memberParam(req))),
  commitOffsets: operation((groups, req, body) => groups.commit(groupParam(req), body), BODY),
  fetchOffsets: operation((groups, req) => groups.fetchOffsets(groupParam(req))),
  listGroups: operation(async (groups) => {
    const list = await groups.list();
    list.sort((a, b) => (a.group < b.group ? -1 : a.group > b.group ? 1 : 0));
    return { groups: list };
  }),
  describeGroup: operation(async (groups, req) => {
    const described = await groups.describe(groupParam(req));
    // Total lag over the partitions whose topic still exists.
    const lag = described.offsets.reduce((sum, o) => sum + (o.lag ?? 0), 0);
    return { ...described, lag };
  }),
  deleteGroup: operation((groups, req) => groups.delete(groupParam(req))),
  resetOffsets: operation((groups, req, body) => groups.resetOffsets(groupParam(req), body), BODY),
};
