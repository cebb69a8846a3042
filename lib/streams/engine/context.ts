// What a node sees while a batch runs (NodeContext) and what it gives the engine
// (NodeLogic). Nodes are created per batch; whatever they keep in memory lives for one
// batch only, and everything that must outlive it goes through the write buffer (stores)
// or the task state (punctuation schedules, time-index buckets), so that the batch stays a
// function of its input and the committed state.
import type { WriteBuffer } from '../stores/buffer.ts';
import type { TimeEntry, TimeIndex } from '../stores/timeIndex.ts';
import type { TopicRef } from './topology.ts';
import type { OutputRecord, RecordMetadata, StreamRecord, TaskId } from './types.ts';

export type PunctuationType = 'stream-time' | 'wall-clock';

export interface Cancellable {
  cancel(): void;
}

/** Work a node does when stream time reaches an entry of one of its time indexes. */
export interface Timer {
  index: TimeIndex;
  /** Called inside its own unit of work; the entry is already removed. */
  fire(entry: TimeEntry): Promise<void>;
}

export interface NodeLogic {
  process(record: StreamRecord): Promise<void> | void;
  /** Stream-time work drained after each record and on wall-clock ticks. */
  timers?: readonly Timer[];
  init?(): Promise<void> | void;
  close?(): Promise<void> | void;
}

export interface NodeContext {
  readonly nodeName: string;
  readonly taskId: TaskId;
  readonly applicationId: string;
  readonly buffer: WriteBuffer;
  /** Hands a record to the node's children (or to one of them by name), depth first. */
  forward(record: StreamRecord, child?: string): Promise<void>;
  streamTime(): number;
  wallClockTime(): number;
  recordMetadata(): RecordMetadata | undefined;
  /** Adds to a counter of this node ("dropped-late", ...), reported per batch and kept in the task state. */
  count(metric: string, n?: number): void;
  /** This task's time index `name` (unique in the topology) with buckets of `bucketMs`. */
  timeIndex(name: string, bucketMs: number): TimeIndex;
  /** Registers a punctuator; only while the node is initialised. */
  schedule(intervalMs: number, type: PunctuationType, fn: (timestamp: number) => Promise<void> | void): Cancellable;
  /**
   * Bytes unique to this call within the task, and the same when the batch runs again
   * (the unit's input position or timer entry, and a counter): for store keys that must
   * not collide, such as two records of one key and timestamp in a join window.
   */
  uniqueId(): Uint8Array;
  /** Appends a record to the batch's outputs (sinks). */
  emit(record: OutputRecord): void;
  topicName(ref: TopicRef): string;
  partitionCount(topic: string): number | undefined;
}
