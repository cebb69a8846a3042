// The shapes of lib/groups' surface: what join, heartbeat, commit, describe and reset
// take and answer (the answers are the wire types of lib/core/wire.ts). Kept apart from
// the service so the API layer and tests can name them without the implementation.
import type { GroupDescription as WireGroupDescription, GroupMember, GroupOffset, TopicAssignment } from '../core/wire.ts';

export type { CommittedOffset, GroupState, GroupSummary, MemberAssignment, TopicAssignment } from '../core/wire.ts';
/** The API adds the total lag to a description. */
export type GroupDescription = Omit<WireGroupDescription, 'lag'>;
export type MemberDescription = GroupMember;
export type OffsetLag = GroupOffset;

export interface JoinOptions {
  topics: string[];
  /** 1000..300000, default 45000. */
  sessionTimeoutMs?: number;
}

export interface HeartbeatOptions {
  /** The generation of the last response the member received. */
  generation: number;
  /** Partitions the member still consumes; revoked ones listed here stay unconfirmed. */
  owned?: TopicAssignment[];
  /**
   * Server side only (never from a request body): keep the session until at least this
   * time (epoch ms), because a push connection holds it (lib/push/sessions.ts).
   */
  leaseUntil?: number;
}

export interface OffsetCommit {
  topic: string;
  partition: number;
  /** The next offset to read. */
  offset: number;
  metadata?: string;
}

export interface CommitRequest {
  memberId?: string;
  generation?: number;
  offsets: OffsetCommit[];
}

export type ResetTo =
  | { earliest: true }
  | { latest: true }
  | { datetime: number }
  | { offset: number }
  | { shiftBy: number };

export interface ResetOffsetsRequest {
  topic: string;
  to: ResetTo;
  /** Default: every partition of the topic. */
  partitions?: number[];
}

export interface GroupsOptions {
  /** Clock for sessions (epoch ms). */
  now?: () => number;
  /** Attempts at a conditional write before giving up with a retriable error. */
  maxAttempts?: number;
  /** Backoff ceiling in ms; each wait is uniform in [0, min(cap, 5 * 2^attempt)]. */
  backoffCapMs?: number;
  /**
   * Told after each write that changed the group's membership or assignment, with the
   * member whose call made it (if any): push connections of the other members are told
   * to heartbeat now (lib/push/sessions.ts). Its failures are its own to handle.
   */
  onChange?: (group: string, origin: string | undefined) => Promise<void>;
}
