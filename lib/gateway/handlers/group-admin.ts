// ListGroups, DescribeGroups and DeleteGroups across both kinds of group: classic groups
// (this gateway's coordinator) and lib/groups' server-side groups (the HTTP API's and
// KIP-848 consumers'). A group id names one group; a group that has only committed
// offsets lists as Empty.
import { isSluiceError, NonEmptyGroupError } from '../../core/errors.ts';
import type { GroupState } from '../../groups/index.ts';
import { encodeAssignment } from '../groups/consumer-protocol.ts';
import type { ClassicGroup } from '../groups/state.ts';
import { deleteClassic, scanClassic } from '../groups/store.ts';
import { E, errorCodeOf } from '../protocol/errors.ts';
import type { Message } from '../protocol/schema.ts';
import type { Handler, RequestContext } from '../server/context.ts';

const CONSUMER_STATES: Record<GroupState, string> = { Empty: 'Empty', Reconciling: 'Reconciling', Stable: 'Stable' };
const isLiveClassic = (g: ClassicGroup | undefined): boolean => !!g && g.members.length > 0;

export const handleListGroups: Handler = async (ctx, req) => {
  try {
    const [classic, consumer] = await Promise.all([scanClassic(ctx.services.log.clients), ctx.services.groups.list()]);
    const rows = new Map<string, Message>();
    for (const g of consumer) {
      rows.set(g.group, { groupId: g.group, protocolType: 'consumer', groupState: CONSUMER_STATES[g.state], groupType: g.members > 0 ? 'consumer' : 'classic' });
    }
    for (const g of classic) {
      if (g.members.length === 0 && rows.has(g.groupId)) continue;
      rows.set(g.groupId, { groupId: g.groupId, protocolType: g.protocolType || 'consumer', groupState: g.state, groupType: 'classic' });
    }
    const states = (req.statesFilter as string[]).map((s) => s.toLowerCase());
    const types = (req.typesFilter as string[]).map((s) => s.toLowerCase());
    const groups = [...rows.values()].filter(
      (r) => (states.length === 0 || states.includes(r.groupState.toLowerCase())) && (types.length === 0 || types.includes(r.groupType)),
    );
    return { throttleTimeMs: 0, errorCode: E.NONE, groups };
  } catch (err) {
    if (!isSluiceError(err)) throw err;
    return { throttleTimeMs: 0, errorCode: errorCodeOf(err), groups: [] };
  }
};

function describeClassic(g: ClassicGroup): Message {
  return {
    errorCode: E.NONE,
    groupId: g.groupId,
    groupState: g.state,
    protocolType: g.protocolType,
    protocolData: g.protocolName,
    members: g.members.map((m) => ({
      memberId: m.memberId,
      groupInstanceId: m.groupInstanceId,
      clientId: m.clientId,
      clientHost: m.clientHost,
      memberMetadata: Buffer.from(m.protocols.find((p) => p.name === g.protocolName)?.metadata ?? '', 'base64'),
      memberAssignment: Buffer.from(m.assignment, 'base64'),
    })),
  };
}

async function describeOne(ctx: RequestContext, groupId: string): Promise<Message> {
  const dead = { errorCode: E.NONE, groupId, groupState: 'Dead', protocolType: '', protocolData: '', members: [] };
  try {
    const classic = await ctx.services.classic.read(groupId);
    if (classic && isLiveClassic(classic)) return describeClassic(classic);
    const d = await ctx.services.groups.describe(groupId).catch((err: unknown) => {
      if (isSluiceError(err) && err.code === 'GROUP_ID_NOT_FOUND') return undefined;
      throw err;
    });
    if (!d) return classic ? describeClassic(classic) : dead;
    return {
      errorCode: E.NONE,
      groupId,
      groupState: CONSUMER_STATES[d.state],
      protocolType: 'consumer',
      protocolData: d.members.length ? 'uniform' : '',
      members: d.members.map((m) => ({
        memberId: m.memberId,
        groupInstanceId: null,
        clientId: '',
        clientHost: '',
        memberMetadata: Buffer.alloc(0),
        memberAssignment: encodeAssignment(m.assignment),
      })),
    };
  } catch (err) {
    if (!isSluiceError(err)) throw err;
    return { ...dead, errorCode: errorCodeOf(err), groupState: '' };
  }
}

export const handleDescribeGroups: Handler = async (ctx, req) => ({
  throttleTimeMs: 0,
  groups: await Promise.all((req.groups as string[]).map((g) => describeOne(ctx, g))),
});

async function deleteOne(ctx: RequestContext, groupId: string): Promise<number> {
  try {
    const classic = await ctx.services.classic.read(groupId);
    if (classic && isLiveClassic(classic)) throw new NonEmptyGroupError(`Group '${groupId}' has ${classic.members.length} member(s).`);
    const removedClassic = classic ? await deleteClassic(ctx.services.log.clients, groupId, classic.version) : false;
    if (classic && !removedClassic) throw new NonEmptyGroupError(`Group '${groupId}' changed while being deleted; try again.`);
    try {
      await ctx.services.groups.delete(groupId);
    } catch (err) {
      if (!(removedClassic && isSluiceError(err) && err.code === 'GROUP_ID_NOT_FOUND')) throw err;
    }
    return E.NONE;
  } catch (err) {
    if (!isSluiceError(err)) throw err;
    return errorCodeOf(err);
  }
}

export const handleDeleteGroups: Handler = async (ctx, req) => ({
  throttleTimeMs: 0,
  results: await Promise.all((req.groupsNames as string[]).map(async (groupId) => ({ groupId, errorCode: await deleteOne(ctx, groupId) }))),
});
