// The shapes of lib/groups' surface: what join, heartbeat, commit, describe and reset
// take and answer. Kept apart from the service so the API layer and tests can name them
// without the implementation.
import type { GroupState } from './reconcile.ts';

export interface TopicAssignment {
  topic: string;
  partitions: number[];
}

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
}

export interface MemberAssignment {
  memberId: string;
  /** The member epoch; send it with heartbeats and commits. */
  generation: number;
  /** What the member may consume now. */
  assignment: TopicAssignment[];
  heartbeatIntervalMs: number;
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

export interface CommittedOffset {
  topic: string;
  partition: number;
  /** The offset in effect after the commit (a lower commit keeps the stored one). */
  offset: number;
  metadata: string;
}

export interface OffsetLag {
  topic: string;
  partition: number;
  /** Committed offset; null when the group has not committed this partition. */
  offset: number | null;
  metadata: string | null;
  /** null only when the topic no longer exists. */
  lag: number | null;
  logStartOffset: number | null;
  highWatermark: number | null;
}

export interface GroupSummary {
  group: string;
  state: GroupState;
  /** Members whose session has not expired. */
  members: number;
  generation: number;
}

export interface MemberDescription {
  memberId: string;
  topics: string[];
  generation: number;
  /** What it may consume now. */
  assignment: TopicAssignment[];
  /** Told to give up, not yet confirmed. */
  revoking: TopicAssignment[];
  /** Where reconciliation is taking it. */
  target: TopicAssignment[];
  sessionTimeoutMs: number;
  expiresAt: number;
  joinedAt: number;
}

export interface GroupDescription {
  group: string;
  state: GroupState;
  generation: number;
  members: MemberDescription[];
  offsets: OffsetLag[];
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
}
