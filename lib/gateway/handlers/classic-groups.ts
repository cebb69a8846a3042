// JoinGroup, SyncGroup, Heartbeat and LeaveGroup on the classic coordinator
// (groups/coordinator.ts). Assignments are opaque bytes chosen by the group's leader
// with its client-side assignor; the gateway only stores and hands them out.
import { isSluiceError } from '../../core/errors.ts';
import { E, errorCodeOf } from '../protocol/errors.ts';
import type { Message } from '../protocol/schema.ts';
import type { Handler } from '../server/context.ts';
import { metadataFor } from '../groups/state.ts';

const b64 = (b: Buffer | null): string => (b ? b.toString('base64') : '');
const bytes = (s: string): Buffer => Buffer.from(s, 'base64');

/** Runs `work`, turning a dependency failure into its Kafka code. */
async function guarded<T>(work: () => Promise<T>, onError: (code: number) => T): Promise<T> {
  try {
    return await work();
  } catch (err) {
    if (!isSluiceError(err)) throw err;
    return onError(errorCodeOf(err));
  }
}

export const handleJoinGroup: Handler = (ctx, req) => {
  const failed = (errorCode: number, memberId: string) => ({
    throttleTimeMs: 0, errorCode, generationId: -1, protocolType: null, protocolName: ctx.apiVersion >= 7 ? null : '',
    leader: '', skipAssignment: false, memberId, members: [],
  });
  return guarded(async () => {
    const out = await ctx.services.classic.join(
      {
        groupId: req.groupId,
        memberId: req.memberId,
        groupInstanceId: req.groupInstanceId,
        clientId: ctx.clientId ?? '',
        clientHost: ctx.conn.remote,
        sessionTimeoutMs: req.sessionTimeoutMs,
        rebalanceTimeoutMs: req.rebalanceTimeoutMs > 0 ? req.rebalanceTimeoutMs : req.sessionTimeoutMs,
        protocolType: req.protocolType,
        protocols: (req.protocols as Message[]).map((p) => ({ name: p.name, metadata: b64(p.metadata) })),
      },
      ctx.apiVersion >= 4,
      ctx.conn.signal,
    );
    if (!('group' in out)) return failed(out.errorCode, out.memberId);
    const g = out.group;
    const leader = g.leader === out.memberId;
    return {
      throttleTimeMs: 0,
      errorCode: E.NONE,
      generationId: g.generation,
      protocolType: g.protocolType,
      protocolName: g.protocolName,
      leader: g.leader,
      skipAssignment: false,
      memberId: out.memberId,
      members: leader
        ? g.members.map((m) => ({ memberId: m.memberId, groupInstanceId: m.groupInstanceId, metadata: bytes(metadataFor(m, g.protocolName)) }))
        : [],
    };
  }, (code) => failed(code, req.memberId));
};

export const handleSyncGroup: Handler = (ctx, req) => {
  const failed = (errorCode: number) => ({ throttleTimeMs: 0, errorCode, protocolType: null, protocolName: null, assignment: Buffer.alloc(0) });
  return guarded(async () => {
    const assignments = new Map<string, string>((req.assignments as Message[]).map((a) => [a.memberId, b64(a.assignment)]));
    const out = await ctx.services.classic.sync(req.groupId, req.memberId, req.generationId, assignments, ctx.conn.signal);
    if (out.errorCode !== E.NONE) return failed(out.errorCode);
    return {
      throttleTimeMs: 0,
      errorCode: E.NONE,
      protocolType: out.group!.protocolType,
      protocolName: out.group!.protocolName,
      assignment: bytes(out.assignment),
    };
  }, failed);
};

export const handleHeartbeat: Handler = (ctx, req) =>
  guarded(
    async () => ({ throttleTimeMs: 0, errorCode: await ctx.services.classic.heartbeat(req.groupId, req.memberId, req.generationId) }),
    (errorCode) => ({ throttleTimeMs: 0, errorCode }),
  );

export const handleLeaveGroup: Handler = (ctx, req) => {
  const batch = ctx.apiVersion >= 3;
  const ids: string[] = batch ? (req.members as Message[]).map((m) => m.memberId) : [req.memberId];
  return guarded(
    async () => {
      const codes = await ctx.services.classic.leave(req.groupId, ids);
      return {
        throttleTimeMs: 0,
        errorCode: batch ? E.NONE : codes[0],
        members: batch ? (req.members as Message[]).map((m, i) => ({ memberId: m.memberId, groupInstanceId: m.groupInstanceId, errorCode: codes[i] })) : [],
      };
    },
    (errorCode) => ({ throttleTimeMs: 0, errorCode, members: [] }),
  );
};
