// Shapes of the SDK's inputs and of the API's answers (API.md), as the SDK hands them out.
// The answers' shapes are defined once, in lib/core/wire.ts, for the server and the SDK.

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

// ---- the API's answers (lib/core/wire.ts: the server builds the same shapes) -----------

export type {
  CommittedOffset,
  CreateSubscriptionRequest,
  DeadLetterDestination,
  DeadLetterRecord,
  FetchResponse,
  GroupDescription,
  GroupMember,
  GroupOffset,
  GroupState,
  GroupSummary,
  JsonRecord,
  MaintenanceError,
  MaintenanceReport,
  MaintenanceTotals,
  MemberAssignment,
  PartitionDescription,
  PartitionPosition,
  ProcessorDescription,
  ProcessorErrorInfo,
  ProcessorPartitionLag,
  ProcessorResetResult,
  ProcessorSummary,
  ProduceRecordInput,
  ProduceResponse,
  ProduceResult,
  RecordEncoding,
  StartingPosition,
  SubscriptionDescription,
  SubscriptionSpec,
  Target,
  TopicAssignment,
  TopicDescription,
  TopicSummary,
} from '../core/wire.ts';

/** Where resetOffsets moves a group's offsets (clamped into each partition's log). */
export type ResetTarget =
  | 'earliest'
  | 'latest'
  | { datetime: number | string | Date }
  | { offset: number }
  | { shiftBy: number };

/** A position for listOffsets: log start, high watermark, or the first offset at/after a time. */
export type OffsetSpec = 'earliest' | 'latest' | number | Date;
