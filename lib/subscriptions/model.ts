// What a subscription is: a topic, a name, a target and its delivery settings (the spec,
// checked by schema.ts), bound to one incarnation of its topic; and what its target
// receives (Lambda's Kafka event shape). Settings and dead letters are shapes of the API
// (lib/core/wire.ts).
import type { DeadLetterDestination, DeadLetterRecord, StartingPosition, SubscriptionSpec, Target } from '../core/wire.ts';

export type { DeadLetterDestination, DeadLetterRecord, StartingPosition, SubscriptionSpec, Target };

export interface SubscriptionRecord extends SubscriptionSpec {
  topic: string;
  name: string;
  /** Fresh for every creation: a re-created name never inherits cursors or dead letters. */
  subscriptionId: string;
  createdAt: number;
  /** The topic incarnation it is bound to; absent while the topic does not exist (pending). */
  topicId?: string;
  /**
   * Partitions not to drive for now (never stored): a sink connector's partitions whose
   * task failed stay where their cursors are until a restart, while its other tasks go on.
   */
  stoppedPartitions?: readonly number[];
}

/** Whether the dispatcher drives this subscription on this partition. */
export const drives = (sub: SubscriptionRecord, partition: number): boolean => !sub.stoppedPartitions?.includes(partition);

/** Env var naming the queue that receives dead letters of subscriptions without their own. */
export const DEAD_LETTER_QUEUE_ENV_VAR = 'SLUICE_DEAD_LETTER_QUEUE_URL';

/** The spec part of a record (what is stored as JSON and compared on updates). */
export function specOf(r: SubscriptionSpec): SubscriptionSpec {
  return {
    target: r.target,
    batchSize: r.batchSize,
    maxBatchingWindowMs: r.maxBatchingWindowMs,
    startingPosition: r.startingPosition,
    maxRetries: r.maxRetries,
    ...(r.deadLetter ? { deadLetter: r.deadLetter } : {}),
  };
}

// ---- the event a target receives (Lambda's Kafka event shape) ---------------------------

export interface KafkaEventRecord {
  topic: string;
  partition: number;
  offset: number;
  timestamp: number;
  timestampType: 'CREATE_TIME' | 'LOG_APPEND_TIME';
  /** Base64; null for a null key. */
  key: string | null;
  /** Base64; null for a null value (a tombstone). */
  value: string | null;
  /** One object per header, in order: {name: [byte, ...]} (null for a null value). */
  headers: Record<string, number[] | null>[];
}

export interface SluiceKafkaEvent {
  eventSource: 'sluice';
  subscription: string;
  /** "topic-partition" → records in offset order. */
  records: Record<string, KafkaEventRecord[]>;
}
