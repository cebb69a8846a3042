// What the server and the SDK agree on over HTTP (API.md): content types, size and fetch
// limits, response headers, and the JSON shapes of requests and answers (DTOs). The server
// builds these shapes and the SDK hands them out; one definition serves both sides, so a
// field cannot drift between them. Types and constants only; the push protocol's are in
// push.ts.

// ---- content types and fetch limits ------------------------------------------------------------

export const JSON_TYPE = 'application/json';
/** Kafka RecordBatch v2 blocks: binary produce bodies, binary fetch answers, stored segments. */
export const RECORD_BATCH_TYPE = 'application/vnd.kafka.recordbatch';

/** Query limits of GET .../records: the default when a value is absent, and the largest accepted. */
export const FETCH_LIMITS = {
  maxRecords: { default: 500, max: 10_000 },
  maxBytes: { default: 1_048_576, max: 6_291_456 },
  waitMs: { default: 0, max: 20_000 },
} as const;

/** Headers of a binary fetch answer (lower case, as HTTP clients see them). */
export const FETCH_HEADERS = {
  /** Where to continue. */
  nextOffset: 'x-next-offset',
  highWatermark: 'x-high-watermark',
  logStartOffset: 'x-log-start-offset',
} as const;

// ---- multi-partition fetch ---------------------------------------------------------------

/** POST /v1/fetch: one long poll over many partitions (a member's whole assignment). */
export const MULTI_FETCH_LIMITS = {
  /** Partitions one request may name. */
  partitions: 1_000,
  /** Records and bytes of the whole answer (split among the partitions that have data). */
  maxRecords: FETCH_LIMITS.maxRecords,
  maxBytes: FETCH_LIMITS.maxBytes,
  waitMs: FETCH_LIMITS.waitMs,
} as const;

/** The binary answer of POST /v1/fetch: per-partition frames of RecordBatch v2 blocks (fetchFrames.ts). */
export const MULTI_FETCH_TYPE = 'application/vnd.sluice.partitions+recordbatch';

export interface PartitionOffset {
  topic: string;
  partition: number;
  offset: number;
}

export interface MultiFetchRequest {
  partitions: PartitionOffset[];
  /** 0..20000: wait until some partition has data (Kafka's fetch.min.bytes = 1). */
  waitMs?: number;
  maxRecords?: number;
  maxBytes?: number;
  encoding?: 'json' | 'string' | 'base64';
}

/** Where one partition stands after a multi-partition fetch. */
export interface PartitionFetchPosition {
  topic: string;
  partition: number;
  /** Where to continue. */
  nextOffset: number;
  highWatermark: number;
  logStartOffset: number;
}

/** A partition the fetch could not serve: its error (OFFSET_OUT_OF_RANGE carries the bounds). */
export interface PartitionFailure {
  topic: string;
  partition: number;
  error: { code: string; message: string } & Record<string, unknown>;
}

// ---- topics ------------------------------------------------------------------------------

export interface TopicSummary {
  name: string;
  topicId: string;
  partitions: number;
  config: Record<string, string>;
}

export interface PartitionDescription {
  partition: number;
  logStartOffset: number;
  highWatermark: number;
  sizeBytes: number;
  /** Index entries (segments) of the partition. */
  segments: number;
  /** Key compaction (compacted topics): how much is not cleaned yet, and when it last was. */
  cleaning?: PartitionCleaning;
}

export interface PartitionCleaning {
  /** Share of the partition's bytes not cleaned yet (0..1): what min.cleanable.dirty.ratio is compared with. */
  dirtyRatio: number;
  /** The first offset not cleaned yet. */
  cleanedOffset: number;
  /** When the last cleaning finished (epoch ms); null if never. */
  lastCleanedAt: number | null;
}

export interface TopicDescription {
  name: string;
  topicId: string;
  config: Record<string, string>;
  partitions: PartitionDescription[];
}

// ---- produce -----------------------------------------------------------------------------

/** POST /v1/producers: the identity an idempotent producer numbers its batches under. */
export interface ProducerIdentity {
  producerId: number;
  producerEpoch: number;
}

/** The answer to a binary produce: the offsets the batch was stored at. */
export interface ProduceBatchResponse {
  partition: number;
  baseOffset: number;
  lastOffset: number;
}

// ---- JSON records (produce and fetch) ----------------------------------------------------

/** How keys, values and header values are written in a JSON produce or read from a fetch. */
export type RecordEncoding = 'json' | 'string' | 'base64';

/** One record of a JSON produce request. */
export interface ProduceRecordInput {
  key?: unknown;
  value?: unknown;
  headers?: Record<string, string | null> | null;
  timestamp?: number | null;
  partition?: number | null;
}

/** Per record, in request order: its offset, or why its partition's append failed. */
export type ProduceResult =
  | { partition: number; offset: number }
  | { partition: number; error: { code: string; message: string } };

export interface ProduceResponse {
  offsets: ProduceResult[];
}

/** One record of a JSON fetch response. */
export interface JsonRecord {
  offset: number;
  timestamp: number;
  key: unknown;
  value: unknown;
  headers: Record<string, string | null>;
  keyEncoding?: 'base64';
  valueEncoding?: 'base64';
  headerEncoding?: 'base64';
}

export interface FetchResponse {
  records: JsonRecord[];
  /** Where to continue. */
  nextOffset: number;
  highWatermark: number;
  logStartOffset: number;
}

// ---- consumer groups ---------------------------------------------------------------------

export type GroupState = 'Empty' | 'Reconciling' | 'Stable';

export interface TopicAssignment {
  topic: string;
  partitions: number[];
}

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
  /** Total lag over the partitions whose topic exists. */
  lag: number;
}

// ---- subscriptions -----------------------------------------------------------------------

export type Target =
  | { type: 'lambda'; functionArn: string }
  | { type: 'http'; url: string }
  | { type: 'module'; path: string }
  /** A sink connector (lib/connect): never created through the subscriptions API. */
  | { type: 'connector'; connector: string };

export interface DeadLetterDestination {
  type: 'sqs';
  queueUrl: string;
}

export type StartingPosition = 'latest' | 'earliest';

/** Everything a subscription is configured with, defaults applied. */
export interface SubscriptionSpec {
  target: Target;
  /** Records per invocation at most (1..10000). */
  batchSize: number;
  /** How long a batch smaller than batchSize may wait for more records (0..300000). */
  maxBatchingWindowMs: number;
  /** Resolved to per-partition cursors when the subscription is bound to its topic. */
  startingPosition: StartingPosition;
  /** Retries of a failed batch before it is dead-lettered (0..10000). */
  maxRetries: number;
  /** Where dead letters go besides the subscription's list; default: the platform's queue, if any. */
  deadLetter?: DeadLetterDestination;
}

/** POST /v1/topics/{topic}/subscriptions: a name, a target, and the settings that differ from the defaults. */
export type CreateSubscriptionRequest = { name: string; target: Target } & Partial<Omit<SubscriptionSpec, 'target'>>;

export interface PartitionPosition {
  partition: number;
  /** The cursor: next offset to deliver. */
  position: number;
  highWatermark: number;
  lag: number;
  delivered: number;
  deadLettered: number;
  /** Failed attempts at the batch at the cursor, when it is being retried. */
  attempts?: number;
  retryAt?: number;
  lastError?: { code: string; message: string; at: number };
}

export interface SubscriptionDescription extends SubscriptionSpec {
  topic: string;
  name: string;
  subscriptionId: string;
  /** active: bound to the topic; pending: the topic does not exist (yet). */
  status: 'active' | 'pending';
  topicId: string | null;
  createdAt: number;
  deadLetter?: SubscriptionSpec['deadLetter'];
  lag: number;
  delivered: number;
  deadLettered: number;
  partitions: PartitionPosition[];
}

export interface DeadLetterRecord {
  subscription: string;
  subscriptionId: string;
  topic: string;
  topicId: string;
  partition: number;
  firstOffset: number;
  lastOffset: number;
  recordCount: number;
  error: { code: string; message: string };
  /** Delivery attempts made (0 when the records were gone before any attempt). */
  attempts: number;
  failedAt: number;
  /** The SQS copy: its message id, or why sending it failed. */
  destination?: { type: 'sqs'; queueUrl: string; messageId?: string; error?: string };
}

// ---- maintenance (wireMaintenance.ts) ---------------------------------------------------

export type {
  RetentionResult,
  CompactionResult,
  CleaningResult,
  GarbageResult,
  DeletedTopicCleanup,
  MaintenanceError,
  PartitionMaintenance,
  MaintenanceTotals,
  MaintenanceReport,
} from './wireMaintenance.ts';

export type { ProcessorDescription, ProcessorErrorInfo, ProcessorPartitionLag, ProcessorResetResult, ProcessorSummary } from './wireProcessors.ts';
