// Who may write a group's offsets, and the error that says why someone may not: a member
// at its current epoch owning every partition it commits, or nobody but an admin reset
// while the group has no members. The same judgement serves the check before a commit and
// the reading of a commit whose fence failed inside its transaction (offsetStore.ts), so
// both report the same thing (UNKNOWN_MEMBER_ID, ILLEGAL_GENERATION, NON_EMPTY_GROUP).
import type { ConditionCheck } from '@aws-sdk/client-dynamodb';
import { IllegalGenerationError, NonEmptyGroupError, UnknownMemberIdError, type SluiceError } from '../core/errors.ts';
import { ownedPartitions, ownerKey, type GroupRecord } from './store.ts';

/**
 * A fence kept by another protocol's membership item in the groups table (the Kafka
 * gateway's classic groups): its condition checks go into the offsets' transaction, and
 * `explain` says why they failed (the domain error), or undefined if they no longer do.
 */
export interface ExternalFence {
  checks: ConditionCheck[];
  explain(): Promise<SluiceError | undefined>;
}

/**
 * Who may write offsets: a member at its epoch (owning every partition), nobody while the
 * group is empty, or whoever an external fence admits.
 */
export type OffsetFence = { memberId: string; epoch: number } | { empty: true } | { external: ExternalFence };

export const unknownMember = (memberId: string): SluiceError =>
  new UnknownMemberIdError(`Member '${memberId}' is not a member of the group (it left, or its session expired).`, { memberId });

/** Why `fence` may not write offsets for these partitions in this group state, or undefined if it may. */
export function fenceError(
  rec: GroupRecord | undefined,
  fence: OffsetFence,
  partitions: readonly { topic: string; partition: number }[],
): SluiceError | undefined {
  if ('external' in fence) return undefined;
  if ('empty' in fence) {
    const n = rec ? Object.keys(rec.members).length : 0;
    return n > 0
      ? new NonEmptyGroupError(
          `Group '${rec?.groupId}' has ${n} active member(s); only a member may commit, or reset, offsets while it has members.`,
          { members: n },
        )
      : undefined;
  }
  const m = rec?.members[fence.memberId];
  if (!m) return unknownMember(fence.memberId);
  if (m.epoch !== fence.epoch) {
    return new IllegalGenerationError(
      `Generation ${fence.epoch} of member '${fence.memberId}' is stale; the current generation is ${m.epoch}. Heartbeat to get the current assignment.`,
      { memberId: fence.memberId, generation: m.epoch, reason: 'STALE_GENERATION' },
    );
  }
  const owned = new Set<string>();
  for (const [t, p] of ownedPartitions(m)) owned.add(ownerKey(t, p));
  const foreign = partitions.find((tp) => !owned.has(ownerKey(tp.topic, tp.partition)));
  if (foreign) {
    return new IllegalGenerationError(
      `Partition ${foreign.partition} of '${foreign.topic}' is not assigned to member '${fence.memberId}' in generation ${m.epoch}.`,
      { memberId: fence.memberId, generation: m.epoch, topic: foreign.topic, partition: foreign.partition, reason: 'NOT_ASSIGNED' },
    );
  }
  return undefined;
}
