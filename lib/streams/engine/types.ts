// The shapes the engine and the runtime exchange, and the ones records take inside a
// topology. Input and output records are bytes (what topics hold); records between nodes
// are typed values. A task's committed state (TaskState) is small JSON: the runtime keeps
// it in the processor's cursor item, so position, stream time and punctuation schedule
// commit in the same transaction as the batch's outputs and store mutations.

export interface Header {
  key: string;
  value: Uint8Array | null;
}

/** A record as read from an input partition. */
export interface InputRecord {
  topic: string;
  partition: number;
  offset: number;
  timestamp: number;
  key: Uint8Array | null;
  value: Uint8Array | null;
  headers?: Header[];
}

/**
 * A record a batch produces. `partition` is set when the engine chose it (internal topics,
 * a user partitioner); otherwise the runtime partitions by key as a producer would
 * (murmur2 of the key bytes; a null key goes anywhere).
 */
export interface OutputRecord {
  topic: string;
  partition?: number;
  key: Uint8Array | null;
  value: Uint8Array | null;
  timestamp: number;
  headers: Header[];
}

/** A record flowing between nodes. */
export interface StreamRecord<K = unknown, V = unknown> {
  key: K;
  value: V;
  timestamp: number;
  headers: Header[];
}

/** Where the record being processed came from; absent during a punctuation. */
export interface RecordMetadata {
  topic: string;
  partition: number;
  offset: number;
}

/** A table's update: the row's new value and the one it replaced (null: absent). */
export interface Change<V> {
  newValue: V | null;
  oldValue: V | null;
}

/** A task: one partition number of one sub-topology, as Kafka Streams numbers them. */
export interface TaskId {
  subtopology: number;
  partition: number;
}

export const taskKey = (t: TaskId): string => `${t.subtopology}_${t.partition}`;

export const NO_TIMESTAMP = -1;

export interface TaskState {
  v: 1;
  /** Highest record timestamp the task has processed (or reached by idle advance); -1 before any. */
  streamTime: number;
  /** Highest timestamp per input partition ("topic:partition"). */
  partitionTimes: Record<string, number>;
  /** Next offset to process per input partition ("topic:partition"). */
  positions: Record<string, number>;
  /** Next due time of each punctuation schedule ("node#n"). */
  punctuations: Record<string, number>;
  /** Stream time and wall-clock time at the end of the last batch that had records. */
  anchor?: { streamTime: number; wallClockTime: number };
  /** Non-empty buckets of each time index, ascending. */
  timeIndexes: Record<string, number[]>;
  /** Counters since the task began, e.g. "dropped-late:NODE" (see BatchMetrics). */
  metrics: Record<string, number>;
}

export function initialTaskState(): TaskState {
  return { v: 1, streamTime: NO_TIMESTAMP, partitionTimes: {}, positions: {}, punctuations: {}, timeIndexes: {}, metrics: {} };
}

export function cloneState(s: TaskState): TaskState {
  return {
    v: 1,
    streamTime: s.streamTime,
    partitionTimes: { ...s.partitionTimes },
    positions: { ...s.positions },
    punctuations: { ...s.punctuations },
    ...(s.anchor ? { anchor: { ...s.anchor } } : {}),
    timeIndexes: Object.fromEntries(Object.entries(s.timeIndexes).map(([k, v]) => [k, [...v]])),
    metrics: { ...s.metrics },
  };
}

export const partitionKey = (topic: string, partition: number): string => `${topic}:${partition}`;
