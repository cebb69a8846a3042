// ConsumerGroupHeartbeat (KIP-848) on lib/groups' server-side groups, the same groups the
// HTTP API serves: the server assigns, the member heartbeats with its epoch and the
// partitions it owns, and is told its assignment. Member epoch 0 joins (with the member
// id the client chose, v1, or one the server makes, v0), -1 and -2 leave, anything else
// heartbeats. Topics travel by id on this API; lib/groups speaks names.
import { isSluiceError } from '../../core/errors.ts';
import type { MemberAssignment, TopicAssignment } from '../../groups/index.ts';
import { E, errorCodeOf, errorMessageOf } from '../protocol/errors.ts';
import type { Message } from '../protocol/schema.ts';
import type { Handler, RequestContext } from '../server/context.ts';

const LEAVE = -1;
const STATIC_LEAVE = -2;

async function toIds(ctx: RequestContext, assignment: TopicAssignment[]): Promise<Message[]> {
  const out: Message[] = [];
  for (const a of assignment) {
    const t = await ctx.services.log.topics.require(a.topic).catch(() => undefined);
    if (t) out.push({ topicId: t.topicId, partitions: a.partitions });
  }
  return out;
}

async function toNames(ctx: RequestContext, owned: Message[]): Promise<TopicAssignment[]> {
  const out: TopicAssignment[] = [];
  for (const tp of owned) {
    const t = await ctx.services.topics.get(tp.topicId);
    if (t) out.push({ topic: t.name, partitions: tp.partitions });
  }
  return out;
}

async function answer(ctx: RequestContext, m: MemberAssignment): Promise<Message> {
  return {
    throttleTimeMs: 0,
    errorCode: E.NONE,
    errorMessage: null,
    memberId: m.memberId,
    memberEpoch: m.generation,
    heartbeatIntervalMs: m.heartbeatIntervalMs,
    assignment: { topicPartitions: await toIds(ctx, m.assignment) },
  };
}

export const handleConsumerGroupHeartbeat: Handler = async (ctx, req) => {
  const { groups, classic } = ctx.services;
  const group = req.groupId as string;
  const fail = (errorCode: number, message: string | null) => ({
    throttleTimeMs: 0, errorCode, errorMessage: message, memberId: req.memberId || null, memberEpoch: -1, heartbeatIntervalMs: 0, assignment: null,
  });
  try {
    const epoch = req.memberEpoch as number;
    if (epoch === LEAVE || epoch === STATIC_LEAVE) {
      await groups.leave(group, req.memberId);
      return { ...fail(E.NONE, null), memberEpoch: epoch };
    }
    if (epoch === 0) {
      if ((await classic.read(group))?.members.length) {
        return fail(E.GROUP_ID_NOT_FOUND, `Group '${group}' is a classic group with members; it cannot take consumer-protocol members.`);
      }
      const topics = (req.subscribedTopicNames as string[] | null) ?? [];
      const joined = await groups.join(group, {
        topics,
        ...(req.memberId ? { memberId: req.memberId } : {}),
      });
      return answer(ctx, joined);
    }
    const owned = req.topicPartitions === null ? undefined : await toNames(ctx, req.topicPartitions);
    const beat = await groups.heartbeat(group, req.memberId, { generation: epoch, ...(owned ? { owned } : {}) });
    return answer(ctx, beat);
  } catch (err) {
    if (!isSluiceError(err)) throw err;
    const code = err.code === 'ILLEGAL_GENERATION' ? E.FENCED_MEMBER_EPOCH : errorCodeOf(err);
    return fail(code, errorMessageOf(err));
  }
};
