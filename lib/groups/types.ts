// The shapes of lib/groups' answers (the wire types of lib/core/wire.ts) and options;
// what its calls take is schema.ts's. Kept apart from the service so the API layer and
// tests can name them without the implementation.
import type { GroupDescription as WireGroupDescription, GroupMember, GroupOffset } from '../core/wire.ts';

export type { CommittedOffset, GroupState, GroupSummary, MemberAssignment, TopicAssignment } from '../core/wire.ts';
export type { CommitOptions, HeartbeatOptions, JoinOptions, OffsetCommit, ResetOffsetsOptions, ResetTo } from './schema.ts';
/** The API adds the total lag to a description. */
export type GroupDescription = Omit<WireGroupDescription, 'lag'>;
export type MemberDescription = GroupMember;
export type OffsetLag = GroupOffset;

export interface GroupsOptions {
  /** Clock for sessions (epoch ms). */
  now?: () => number;
  /** Attempts at a conditional write before giving up with a retriable error. */
  maxAttempts?: number;
  /** Backoff ceiling in ms; each wait is uniform in [0, min(cap, 5 * 2^attempt)]. */
  backoffCapMs?: number;
}
