// The processors' DTOs (API.md "Processors"), shared by the server and the SDK; wire.ts
// re-exports them.

/** A failure of a processor or of one of its tasks. */
export interface ProcessorErrorInfo {
  code: string;
  message: string;
  at: number;
  topic?: string;
  partition?: number;
  offset?: number;
}

/** `GET /v1/processors` → {"processors": [ProcessorSummary]}. */
export interface ProcessorSummary {
  name: string;
  entry: string;
  inputs: string[];
  outputs: string[];
  /** STOPPED after `sluice processors stop` (no runtime runs it) until started again. */
  state: 'RUNNING' | 'STOPPED';
  lastError?: ProcessorErrorInfo;
}

/** Per input partition: the next offset to process, the high watermark and the lag. */
export interface ProcessorPartitionLag {
  topic: string;
  partition: number;
  offset: number;
  highWatermark: number;
  lag: number;
}

/** `GET /v1/processors/{name}`. */
export interface ProcessorDescription extends ProcessorSummary {
  incarnation: string;
  internalTopics: Array<{ name: string; partitions: number }>;
  stores: Array<{ name: string; kind: string; keyFormat: string; valueFormat: string; windowSize?: number; retentionMs?: number }>;
  tasks: Array<{
    task: string;
    streamTime: number;
    positions: Array<{ topic: string; partition: number; offset: number }>;
    metrics: Record<string, number>;
    updatedAt?: number;
    lastError?: ProcessorErrorInfo;
    /** When a tick with no new input next has work for the task (epoch ms). */
    wakeAt?: number;
  }>;
  positions: Array<{ topic: string; partition: number; offset: number }>;
  lag: ProcessorPartitionLag[];
  /** The earliest wakeAt of its tasks: a window to close or a wall-clock punctuator due, even on a quiet input. */
  wakeAt?: number;
}

/** `POST /v1/processors/{name}/reset`. */
export interface ProcessorResetResult {
  name: string;
  incarnation: string;
  deletedTasks: number;
  deletedStateItems: number;
}
