// Shapes of the SDK's inputs and of the API's answers (API.md), as the SDK hands them out.

/** Bytes as the SDK accepts them: a Buffer (or any Uint8Array), a string (UTF-8), or null. */
export type Bytes = Buffer | Uint8Array | string | null;

export interface TopicPartition {
  topic: string;
  partition: number;
}

export interface TopicPartitionOffset extends TopicPartition {
  offset: number;
}

/** A record as the consumer hands it to the application. */
export interface ConsumedRecord {
  topic: string;
  partition: number;
  offset: number;
  /** Epoch ms (the producer's create time, or the append time for LogAppendTime topics). */
  timestamp: number;
  key: Buffer | null;
  value: Buffer | null;
  /**
   * Header values by name. A name repeated within one record keeps its last value, as in
   * the JSON fetch API.
   */
  headers: Record<string, Buffer | null>;
}

// ---- admin ------------------------------------------------------------------------------

export interface PartitionDescription {
  partition: number;
  logStartOffset: number;
  highWatermark: number;
  sizeBytes: number;
  /** Segment index entries (stored batches) between log start and high watermark. */
  segments: number;
}

export interface TopicDescription {
  name: string;
  topicId: string;
  config: Record<string, string>;
  partitions: PartitionDescription[];
}

export interface TopicSummary {
  name: string;
  topicId: string;
  partitions: number;
  config: Record<string, string>;
}

export interface TopicAssignment {
  topic: string;
  partitions: number[];
}

export type GroupState = 'Empty' | 'Reconciling' | 'Stable';

export interface GroupSummary {
  group: string;
  state: GroupState;
  members: number;
  generation: number;
}

export interface GroupMember {
  memberId: string;
  topics: string[];
  generation: number;
  assignment: TopicAssignment[];
  revoking: TopicAssignment[];
  target: TopicAssignment[];
  sessionTimeoutMs: number;
  expiresAt: number;
  joinedAt: number;
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

export interface GroupDescription {
  group: string;
  state: GroupState;
  generation: number;
  members: GroupMember[];
  offsets: GroupOffset[];
  /** Total lag over the partitions whose topic exists. */
  lag: number;
}

export interface CommittedOffset {
  topic: string;
  partition: number;
  offset: number;
  metadata: string;
}

/** Where resetOffsets moves a group's offsets (clamped into each partition's log). */
export type ResetTarget =
  | 'earliest'
  | 'latest'
  | { datetime: number | string | Date }
  | { offset: number }
  | { shiftBy: number };

/** A position for listOffsets: log start, high watermark, or the first offset at/after a time. */
export type OffsetSpec = 'earliest' | 'latest' | number | Date;

/** The answer to join and heartbeat. */
export interface MemberAssignment {
  memberId: string;
  generation: number;
  assignment: TopicAssignment[];
  heartbeatIntervalMs: number;
}
