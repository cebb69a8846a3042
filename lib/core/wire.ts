// Wire shapes of the JSON record routes (API.md "Produce", "Fetch") and of subscriptions
// (API.md "Subscriptions"), shared by the server that answers them and the SDK that reads
// them: one definition for both sides. Types only.

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

// ---- subscriptions ----------------------------------------------------------------------

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
