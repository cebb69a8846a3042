// What the server and the SDK agree on over HTTP (API.md): content types, size and fetch
// limits, response headers, and the JSON shapes of answers (DTOs). The server builds
// these shapes and the SDK hands them out; one definition serves both sides, so a field
// cannot drift between them. Types and constants only.

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
  | { type: 'module'; path: string };

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

// ---- connectors (Kafka Connect's REST shapes, snake_case as Kafka writes them) -------------

export type ConnectorType = 'sink' | 'source';
/** What a connector is asked to do: run, pause (keep its tasks, deliver nothing), or stop (no tasks). */
export type TargetState = 'RUNNING' | 'PAUSED' | 'STOPPED';
/** A connector's or task's state in GET .../status. */
export type ConnectorRunState = 'UNASSIGNED' | 'RUNNING' | 'PAUSED' | 'STOPPED' | 'FAILED' | 'RESTARTING';

/** POST /v1/connectors. */
export interface CreateConnectorRequest {
  name: string;
  config: Record<string, string>;
  /** Kafka's KIP-980: start paused or stopped (default RUNNING). */
  initial_state?: TargetState;
}

export interface ConnectorTaskId {
  connector: string;
  task: number;
}

/** GET /v1/connectors/{name} (Kafka's ConnectorInfo). */
export interface ConnectorInfo {
  name: string;
  config: Record<string, string>;
  tasks: ConnectorTaskId[];
  type: ConnectorType;
}

export interface ConnectorTaskState {
  id: number;
  state: ConnectorRunState;
  worker_id: string;
  /** The error that failed the task (stack trace), when FAILED. */
  trace?: string;
}

/** GET /v1/connectors/{name}/status (Kafka's ConnectorStateInfo). */
export interface ConnectorStatus {
  name: string;
  connector: { state: ConnectorRunState; worker_id: string; trace?: string };
  tasks: ConnectorTaskState[];
  type: ConnectorType;
}

/** GET /v1/connectors?expand=status&expand=info: name to the expansions asked for. */
export type ExpandedConnectors = Record<string, { status?: ConnectorStatus; info?: ConnectorInfo }>;

/** One source partition's offset, or a sink's topic-partition position (KIP-875). */
export interface ConnectorOffset {
  partition: Record<string, unknown>;
  /** null in a PATCH removes the offset. */
  offset: Record<string, unknown> | null;
}

/** GET|PATCH /v1/connectors/{name}/offsets. */
export interface ConnectorOffsets {
  offsets: ConnectorOffset[];
}

/** GET /v1/connector-plugins (Kafka's PluginInfo). */
export interface ConnectorPluginInfo {
  class: string;
  type: ConnectorType | 'transformation' | 'predicate' | 'converter' | 'header_converter';
  version: string;
}

/** One setting's definition in a validation answer (Kafka's ConfigKeyInfo). */
export interface ConfigKeyInfo {
  name: string;
  type: string;
  required: boolean;
  default_value: string | null;
  importance: string;
  documentation: string;
  group: string | null;
  order: number;
  width: string;
  display_name: string;
  dependents: string[];
}

/** One setting's value and errors in a validation answer (Kafka's ConfigValueInfo). */
export interface ConfigValueInfo {
  name: string;
  value: string | null;
  recommended_values: string[];
  errors: string[];
  visible: boolean;
}

/** PUT /v1/connector-plugins/{plugin}/config/validate (Kafka's ConfigInfos). */
export interface ConfigInfos {
  name: string;
  error_count: number;
  groups: string[];
  configs: { definition: ConfigKeyInfo; value: ConfigValueInfo }[];
}

// ---- maintenance -------------------------------------------------------------------------

export interface RetentionResult {
  /** Index entries removed. */
  segmentsExpired: number;
  recordsExpired: number;
  /** Bytes of segment data no longer in the log (the objects go after the grace period). */
  bytesExpired: number;
  /** Transactions lost to concurrent writers (re-read and retried, up to a bound). */
  conflicts: number;
}

export interface CompactionResult {
  /** Runs merged, each into one new object. */
  runs: number;
  /** Index entries replaced. */
  segmentsCompacted: number;
  /** Index entries written in their place. */
  entriesWritten: number;
  bytesRewritten: number;
  /** Runs lost to a concurrent change (their new object is deleted at once). */
  conflicts: number;
}

export interface GarbageResult {
  /** Released objects (of expired or compacted segments) deleted after the grace period. */
  objectsDeleted: number;
  /** Never-committed uploads deleted after the grace period. */
  orphansDeleted: number;
  bytesDeleted: number;
  /** Unreferenced objects still inside their grace period. */
  objectsPending: number;
}

export interface DeletedTopicCleanup {
  topicId: string;
  /** Partitions that had a head, index entries or objects. */
  partitions: number[];
  objectsDeleted: number;
  bytesDeleted: number;
  indexEntriesDeleted: number;
  headsDeleted: number;
}

export interface MaintenanceError {
  topic?: string;
  topicId?: string;
  partition?: number;
  code: string;
  message: string;
}

export interface PartitionMaintenance {
  topic: string;
  topicId: string;
  partition: number;
  highWatermark: number;
  logStartOffset: { before: number; after: number };
  /** head.segmentCount (index entries). */
  segments: { before: number; after: number };
  sizeBytes: { before: number; after: number };
  retention: RetentionResult;
  compaction: CompactionResult;
  cleanup: GarbageResult;
  error?: MaintenanceError;
}

export interface MaintenanceTotals {
  partitionsExamined: number;
  segmentsExpired: number;
  recordsExpired: number;
  bytesExpired: number;
  logStartOffsetMoves: number;
  runsCompacted: number;
  segmentsCompacted: number;
  bytesRewritten: number;
  /** Released objects (expired or compacted segments) deleted after the grace period. */
  objectsDeleted: number;
  /** Never-committed uploads deleted after the grace period. */
  orphansDeleted: number;
  /** S3 bytes freed by both, plus deleted topics' objects. */
  bytesDeleted: number;
  objectsPending: number;
  deletedTopics: number;
  conflicts: number;
  errors: number;
}

/** The answer to POST /v1/maintenance: what one pass did. */
export interface MaintenanceReport {
  /** The pass's clock when it started. */
  startedAt: number;
  /** Wall time the pass took. */
  durationMs: number;
  graceMs: number;
  /** Partitions where something happened or is pending (or failed); quiet ones are only counted. */
  partitions: PartitionMaintenance[];
  deletedTopics: DeletedTopicCleanup[];
  errors: MaintenanceError[];
  totals: MaintenanceTotals;
}
