// What a consumer is configured with and what it tells the application: the options
// (checked once, defaults applied), the run() handlers, and the events.
import { InvalidRequestError } from '../../core/errors.ts';
import { FETCH_LIMITS } from '../../core/wire.ts';
import type { BackoffOptions } from '../retry.ts';
import type { ConsumedRecord, TopicPartition, TopicPartitionOffset } from '../types.ts';

export type AutoOffsetReset = 'earliest' | 'latest' | 'none';

export interface ConsumerOptions {
  groupId: string;
  topics: string[];
  /** Shorthand for autoOffsetReset 'earliest' (when autoOffsetReset is not given). */
  fromBeginning?: boolean;
  /** Where to start without a committed offset, and after OFFSET_OUT_OF_RANGE (default 'latest'). */
  autoOffsetReset?: AutoOffsetReset;
  /** Commit processed offsets every autoCommitIntervalMs, on revocation and on close (default true). */
  autoCommit?: boolean;
  /** Default 5000. */
  autoCommitIntervalMs?: number;
  /** 1000..300000; default the server's (45000). */
  sessionTimeoutMs?: number;
  /** Default: what the server says (a third of the session timeout, at most 3 s). */
  heartbeatIntervalMs?: number;
  /** Records per fetch request (default 500, at most 10000); also the most records per eachBatch call. */
  maxRecords?: number;
  /** Bytes per fetch request (default 1 MiB). */
  maxBytes?: number;
  /** Long-poll wait when a partition is caught up (ms, default 5000, at most 20000). */
  waitMs?: number;
  /** First retry backoff after a failed request (ms, default 200; doubles up to 5000). */
  retryBackoffMs?: number;
  /**
   * Use the API's push connection when it has one (default true): while idle, wait for
   * notices instead of long polls, and let the connection keep the group session alive
   * with a heartbeat a minute (push.ts). Without one, or while it is down, long polls.
   */
  push?: boolean;
}

export interface EachBatchPayload {
  topic: string;
  partition: number;
  /** In offset order; at most maxRecords. */
  records: ConsumedRecord[];
  /** The partition's high watermark as of the fetch that brought these records. */
  highWatermark: number;
}

export interface RunOptions {
  /** Called per record; the record counts as processed when the promise resolves. */
  eachRecord?: (record: ConsumedRecord) => Promise<void> | void;
  /** Called per batch of one partition; all its records count as processed when it resolves. */
  eachBatch?: (batch: EachBatchPayload) => Promise<void> | void;
}

/** Events (consumer.on(...)): what happens to membership and progress. */
export interface ConsumerEvents {
  /** Partitions that were added to this member. */
  assigned: [partitions: TopicPartition[]];
  /** Partitions this member gave up (after committing them), or lost on a rejoin. */
  revoked: [partitions: TopicPartition[]];
  /** Every owned partition has been processed up to its high watermark. */
  caughtUp: [];
  /** Offsets committed (the offsets in effect after the commit). */
  commit: [offsets: TopicPartitionOffset[]];
  /** A problem the consumer handled itself (a failed commit, a retried request). */
  warning: [error: Error];
}

/** The options, checked, with their defaults. */
export interface ConsumerSettings {
  groupId: string;
  topics: readonly string[];
  reset: AutoOffsetReset;
  autoCommit: boolean;
  autoCommitIntervalMs: number;
  sessionTimeoutMs: number | undefined;
  /** The heartbeat interval the application asked for, over the server's. */
  heartbeatIntervalMs: number | undefined;
  maxRecords: number;
  maxBytes: number;
  waitMs: number;
  backoff: Required<BackoffOptions>;
  push: boolean;
}

export function consumerSettings(opts: ConsumerOptions): ConsumerSettings {
  if (!opts || typeof opts.groupId !== 'string' || opts.groupId.length === 0) {
    throw new InvalidRequestError('consumer: groupId must be a non-empty string.');
  }
  if (!Array.isArray(opts.topics) || opts.topics.length === 0 || !opts.topics.every((t) => typeof t === 'string' && t.length > 0)) {
    throw new InvalidRequestError('consumer: topics must be a non-empty list of topic names.');
  }
  const reset = opts.autoOffsetReset ?? (opts.fromBeginning ? 'earliest' : 'latest');
  if (reset !== 'earliest' && reset !== 'latest' && reset !== 'none') {
    throw new InvalidRequestError(`consumer: autoOffsetReset must be 'earliest', 'latest' or 'none', got '${String(reset)}'.`);
  }
  return {
    groupId: opts.groupId,
    topics: [...new Set(opts.topics)],
    reset,
    autoCommit: opts.autoCommit ?? true,
    autoCommitIntervalMs: opts.autoCommitIntervalMs ?? 5_000,
    sessionTimeoutMs: opts.sessionTimeoutMs,
    heartbeatIntervalMs: opts.heartbeatIntervalMs,
    maxRecords: Math.max(1, Math.min(FETCH_LIMITS.maxRecords.max, opts.maxRecords ?? FETCH_LIMITS.maxRecords.default)),
    maxBytes: Math.max(1, opts.maxBytes ?? FETCH_LIMITS.maxBytes.default),
    waitMs: Math.max(0, Math.min(FETCH_LIMITS.waitMs.max, opts.waitMs ?? 5_000)),
    backoff: { baseMs: opts.retryBackoffMs ?? 200, maxMs: 5_000 },
    push: opts.push ?? true,
  };
}
