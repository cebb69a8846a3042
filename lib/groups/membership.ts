// Membership: join, heartbeat and leave, each one optimistic update of the group item
// (updates.ts) applying the reconciliation protocol (reconcile.ts).
//
// Choices (Kafka leaves some open or does them differently):
//   * Subscribing to a topic that does not exist is allowed (as in Kafka); it is not
//     assigned until it exists.
//   * Topic metadata (ids, partition counts) is kept on the group item, not read per
//     heartbeat: a join looks up the joiner's topics the group does not know yet, and
//     every subscribed topic is looked up again (BatchGetItem, 100 per call) by the first
//     join, heartbeat or leave that finds the stored counts older than
//     TOPIC_METADATA_MAX_AGE_MS. Targets are recomputed only when members or topics
//     changed. So a plain heartbeat costs one GetItem and at most one write whatever the
//     number of topics, and new partitions, created or deleted topics reach the
//     assignment within 30 s (Kafka's consumers notice them only at their metadata
//     refresh, metadata.max.age.ms, 5 minutes by default).
//   * A join must leave the group item within MAX_GROUP_JOIN_BYTES, checked before
//     anything is written; a write that would still pass DynamoDB's 400 KB is refused with
//     the same GROUP_MAX_SIZE_REACHED instead of failing in DynamoDB.
//   * Heartbeat with a generation lower than the member's epoch: not an error; it gets the
//     current generation and assignment and confirms nothing (KIP-848 style). Higher than
//     the epoch (never handed out): ILLEGAL_GENERATION.
//   * Expired members are removed by the first join, heartbeat, leave, commit, describe,
//     delete or reset that sees them. fetchOffsets and list only read (they ignore
//     expired members without writing).
//   * Leave of a member that is still present (even if expired) succeeds; of an unknown
//     one: UNKNOWN_MEMBER_ID.
import { randomUUID } from 'node:crypto';
import { IllegalGenerationError } from '../core/errors.ts';
import { validate } from '../core/schema.ts';
import { unknownMember } from './fencing.ts';
import { confirmRevocations, expireMembers, newGroup, newMember, normalize, reconcileMember, retarget } from './reconcile.ts';
import { GroupId, heartbeatIntervalMs, HeartbeatRequest, JoinRequest, MAX_GROUP_JOIN_BYTES, MemberId, SESSION_TIMEOUT } from './schema.ts';
import { groupItemBytes, type MemberRecord, type TopicPartitions } from './store.ts';
import type { MemberAssignment, TopicAssignment } from './types.ts';
import { groupTooLarge, type GroupUpdates } from './updates.ts';

/** Joins a new member (a JoinOptions request, checked here); answers its first assignment. */
export async function join(u: GroupUpdates, group: string, request: unknown): Promise<MemberAssignment> {
  validate(GroupId, group);
  const { topics, sessionTimeoutMs, memberId: chosen } = validate(JoinRequest, request);
  const memberId = chosen ?? randomUUID();
  return u.update(group, async (rec, now, lookup) => {
    rec ??= newGroup(group, now);
    expireMembers(rec, now);
    rec.members[memberId] = newMember(memberId, topics, sessionTimeoutMs ?? SESSION_TIMEOUT.default, now);
    await u.refreshTopics(rec, now, lookup, topics);
    retarget(rec);
    if (!reconcileMember(rec, memberId)) rec.members[memberId]!.epoch = ++rec.generation;
    const bytes = groupItemBytes(rec, now);
    if (bytes > MAX_GROUP_JOIN_BYTES) return { rec: undefined, step: { error: groupTooLarge(group, bytes, MAX_GROUP_JOIN_BYTES) } };
    return { rec, step: { result: assignmentOf(rec.members[memberId]!) } };
  });
}

/** Renews the member's session and moves it toward its target (a HeartbeatOptions request). */
export async function heartbeat(u: GroupUpdates, group: string, memberId: string, request: unknown): Promise<MemberAssignment> {
  validate(GroupId, group);
  validate(MemberId, memberId);
  const { generation, owned } = validate(HeartbeatRequest, request);
  const stillOwned = owned === undefined ? undefined : toTopicPartitions(owned);
  return u.update(group, async (rec, now, lookup) => {
    if (!rec) return { rec, step: { error: unknownMember(memberId) } };
    // Targets change only with the members or the topics: recompute them only then (the
    // assignor's cost grows with the partitions; a plain heartbeat need not pay it).
    const expired = expireMembers(rec, now).length > 0;
    if ((await u.refreshTopics(rec, now, lookup)) || expired) retarget(rec);
    const m = rec.members[memberId];
    if (!m) return { rec, step: { error: unknownMember(memberId) } };
    if (generation > m.epoch) {
      const error = new IllegalGenerationError(`Generation ${generation} was never given to member '${memberId}'; its generation is ${m.epoch}.`, {
        memberId,
        generation: m.epoch,
      });
      return { rec, step: { error } };
    }
    m.expiresAt = now + m.sessionTimeoutMs;
    if (generation === m.epoch) confirmRevocations(m, stillOwned);
    reconcileMember(rec, memberId);
    return { rec, step: { result: assignmentOf(m), touch: { memberId, epoch: m.epoch, expiresAt: m.expiresAt } } };
  });
}

export async function leave(u: GroupUpdates, group: string, memberId: string): Promise<void> {
  validate(GroupId, group);
  validate(MemberId, memberId);
  await u.update(group, async (rec, now, lookup) => {
    if (!rec?.members[memberId]) return { rec, step: { error: unknownMember(memberId) } };
    delete rec.members[memberId];
    expireMembers(rec, now);
    await u.refreshTopics(rec, now, lookup);
    retarget(rec);
    return { rec, step: { result: undefined } };
  });
}

export function toList(tps: TopicPartitions): TopicAssignment[] {
  return Object.entries(normalize(tps)).map(([topic, partitions]) => ({ topic, partitions }));
}

function toTopicPartitions(list: readonly TopicAssignment[]): TopicPartitions {
  const out: TopicPartitions = {};
  for (const e of list) (out[e.topic] ??= []).push(...e.partitions);
  return normalize(out);
}

function assignmentOf(m: MemberRecord): MemberAssignment {
  return {
    memberId: m.memberId,
    generation: m.epoch,
    assignment: toList(m.assigned),
    heartbeatIntervalMs: heartbeatIntervalMs(m.sessionTimeoutMs),
  };
}
