// Consumer groups on the wire (API.md "Consumer groups"): the answers of join, heartbeat,
// commit, list, describe and fetch offsets, as the server builds them (lib/groups) and
// the SDK hands them out (lib/client). One definition for both sides.

export interface TopicAssignment {
  topic: string;
  partitions: number[];
}

/** Empty: no members; Stable: every member owns exactly its target; else Reconciling. */
export type GroupState = 'Empty' | 'Reconciling' | 'Stable';

/** The answer to join and heartbeat. */
export interface MemberAssignment {
  memberId: string;
  /** The member epoch; send it with heartbeats and commits. */
  generation: number;
  /** What the member may consume now. */
  assignment: TopicAssignment[];
  heartbeatIntervalMs: number;
}

export interface CommittedOffset {
  topic: string;
  partition: number;
  /** The offset in effect after the commit (a lower commit keeps the stored one). */
  offset: number;
  metadata: string;
}

export interface GroupOffset {
  topic: string;
  partition: number;
  /** Committed offset (the next to read); null when the group has not committed this partition. */
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

export interface GroupMember {
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
  members: GroupMember[];
  offsets: GroupOffset[];
}
