// The Producer: Kafka's producer over the binary produce route.
//
//   send(record) -> partitioner.ts -> accumulator.ts (per-partition batch, linger / size)
//   -> sender.ts (RecordBatch v2, numbered by sequences.ts) -> offsets
//
// This class owns the options, the records on their way to a partition (waiting for the
// topic's partition count, metadata.ts), flush and close, and the fatal state of a fenced
// producer.
import { EventEmitter } from 'node:events';
import { ClientClosedError, InvalidRequestError, UnknownTopicOrPartitionError } from '../../core/errors.ts';
import { MAX_REQUEST_BYTES } from '../../core/limits.ts';
import { recordSizeBound, type Compression, type RecordInput } from '../../records/index.ts';
import { deferred } from '../deferred.ts';
import type { HttpClient } from '../http.ts';
import type { RetryPolicy } from '../retry.ts';
import { Accumulator, type Item } from './accumulator.ts';
import { MetadataCache, type TopicMetadata } from './metadata.ts';
import { batchFor } from './partitioner.ts';
import { checkRecord, type ProducerRecord, type RecordMetadata } from './records.ts';
import { Sender } from './sender.ts';
import { ProducerIds } from './sequences.ts';

export interface ProducerOptions {
  /** How long a batch waits for more records before it is sent (ms, default 5). */
  lingerMs?: number;
  /** Largest batch (bytes, estimated before compression; default 1 MiB, capped at the topic's max.message.bytes). */
  batchBytes?: number;
  /** Batch compression (default 'none'). */
  compression?: Compression;
  /** Idempotent produce: producer id + sequences, retries cannot duplicate (default true). */
  idempotent?: boolean;
  /** Requests in flight per partition (default 1: strict order). */
  maxInFlight?: number;
  /** Retries of a retriable failure per batch (default 10). */
  retries?: number;
  /** First retry backoff (ms, default 100); doubles per retry up to maxRetryBackoffMs (default 5000). */
  retryBackoffMs?: number;
  maxRetryBackoffMs?: number;
  /** Refresh cached partition counts after this long (ms, default 300000). */
  metadataMaxAgeMs?: number;
}

/** Events (producer.on(...)). */
export interface ProducerEvents {
  /** A request failed and will be retried (the send has not failed). */
  warning: [error: Error];
}

/** Room kept below one request's limit. */
const MAX_REQUEST_BATCH = MAX_REQUEST_BYTES - 4096;

export class Producer extends EventEmitter<ProducerEvents> {
  private readonly metadataMaxAgeMs: number;
  private readonly metadata: MetadataCache;
  private readonly acc: Accumulator;
  private readonly sender: Sender;
  private readonly pending = new Set<Promise<unknown>>();
  private closed = false;
  private closing: Promise<void> | undefined;
  private fatal: unknown;

  constructor(http: HttpClient, opts: ProducerOptions = {}) {
    super();
    const lingerMs = nonNegative(opts.lingerMs ?? 5, 'lingerMs');
    const batchBytes = Math.min(MAX_REQUEST_BATCH, positive(opts.batchBytes ?? 1_048_576, 'batchBytes'));
    const compression = opts.compression ?? 'none';
    if (compression !== 'none' && compression !== 'gzip') {
      throw new InvalidRequestError(`compression must be 'none' or 'gzip', got '${String(opts.compression)}'.`);
    }
    const retries = nonNegative(opts.retries ?? 10, 'retries');
    const backoff = { baseMs: opts.retryBackoffMs ?? 100, maxMs: opts.maxRetryBackoffMs ?? 5_000 };
    const retry: RetryPolicy = { retries, ...backoff, onRetry: (err) => this.warn(err) };
    this.metadataMaxAgeMs = opts.metadataMaxAgeMs ?? 300_000;
    this.metadata = new MetadataCache(http, retry);
    this.acc = new Accumulator({ lingerMs, batchBytes }, (part) => this.sender.drain(part));
    const sending = { idempotent: opts.idempotent ?? true, maxInFlight: positive(opts.maxInFlight ?? 1, 'maxInFlight'), retries, backoff, compression };
    const host = { fatal: () => this.fatal, fail: (err: unknown) => this.fail(err), warn: (err: unknown) => this.warn(err) };
    this.sender = new Sender(http, sending, this.acc, this.metadata, new ProducerIds(http, retry), host);
  }

  /** Sends one record; resolves once it is stored, with its partition and offset. */
  send(rec: ProducerRecord): Promise<RecordMetadata> {
    let record: RecordInput;
    try {
      if (this.closed) throw new ClientClosedError('The producer is closed.');
      if (this.fatal) throw this.fatal;
      record = checkRecord(rec);
    } catch (err) {
      return Promise.reject(err);
    }
    const result = deferred<RecordMetadata>();
    const item: Item = {
      topic: rec.topic,
      record,
      size: recordSizeBound(record),
      resolve: result.resolve,
      reject: result.reject,
      ...(rec.partition !== undefined ? { partition: rec.partition } : {}),
    };
    // Tracked until settled, for flush(); the caller handles the outcome.
    const tracked = result.promise.then(
      () => undefined,
      () => undefined,
    );
    this.pending.add(tracked);
    void tracked.then(() => this.pending.delete(tracked));
    this.route(item);
    return result.promise;
  }

  /** Sends what is batched now and resolves when every record sent before the call is settled. */
  async flush(): Promise<void> {
    const waiting = [...this.pending];
    this.acc.sealAll();
    await Promise.all(waiting);
  }

  /** Flushes, then refuses further sends. */
  close(): Promise<void> {
    this.closed = true;
    return (this.closing ??= (async () => {
      await this.flush();
      this.acc.clearTimers();
    })());
  }

  // ---- routing: a record waits for its topic's partition count, then joins a batch -----

  private route(item: Item): void {
    const t = this.metadata.get(item.topic);
    if (t.partitions !== undefined && t.waiting.length === 0) {
      if (Date.now() - t.fetchedAt > this.metadataMaxAgeMs) void this.metadata.load(t).catch(() => {});
      this.place(t, item);
      return;
    }
    this.waitForMetadata(t, item, false);
  }

  /** Parks the item until the topic's metadata is (re)loaded; a failed load rejects every parked item. */
  private waitForMetadata(t: TopicMetadata, item: Item, refresh: boolean): void {
    t.waiting.push(item);
    void (refresh ? this.metadata.refresh(t) : this.metadata.load(t)).then(
      () => {
        if (t.partitions === undefined) return;
        for (const i of t.waiting.splice(0)) this.place(t, i);
      },
      (err) => {
        for (const i of t.waiting.splice(0)) i.reject(err);
      },
    );
  }

  private place(t: TopicMetadata, item: Item): void {
    if (this.fatal) return item.reject(this.fatal);
    const n = t.partitions!;
    if (item.partition !== undefined && item.partition >= n) {
      // The topic may have grown since we looked: look again, once.
      if (!item.refreshed) {
        item.refreshed = true;
        return this.waitForMetadata(t, item, true);
      }
      return item.reject(new UnknownTopicOrPartitionError(`Partition ${item.partition} of topic '${t.name}' does not exist (partitions: ${n}).`));
    }
    this.acc.append(t, batchFor(this.acc, t, item), item);
  }

  private warn(err: unknown): void {
    this.emit('warning', err as Error);
  }

  /** A fatal error (a fenced producer): every pending send fails, and every later one. */
  private fail(err: unknown): void {
    if (this.fatal) return;
    this.fatal = err;
    for (const t of this.metadata.all()) for (const i of t.waiting.splice(0)) i.reject(err);
    this.acc.failUnsent(err);
  }
}

function positive(n: number, what: string): number {
  if (!Number.isFinite(n) || n <= 0) throw new InvalidRequestError(`${what} must be a positive number, got ${n}.`);
  return n;
}

function nonNegative(n: number, what: string): number {
  if (!(n >= 0)) throw new InvalidRequestError(`${what} must be zero or more, got ${n}.`);
  return n;
}
