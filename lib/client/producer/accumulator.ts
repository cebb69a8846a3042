// The record accumulator (Kafka's RecordAccumulator): per partition, one open batch that
// records join until it is full (batchBytes, the topic's max.message.bytes, or one
// request's record or header limit: lib/core/limits.ts) or has lingered lingerMs, then a
// queue of closed batches waiting for the sender. It only
// collects; sending, numbering and retrying are the sender's (sender.ts).
//
//   send() -> open batch --(full | linger | flush)--> queue --(free slot)--> in flight
import { MAX_HEADERS_PER_REQUEST, MAX_RECORDS_PER_REQUEST } from '../../core/limits.ts';
import type { ProducerIdentity } from '../../core/wire.ts';
import { BATCH_HEADER_SIZE, type RecordInput } from '../../records/index.ts';
import { deferred, type Deferred } from '../deferred.ts';
import type { TopicMetadata } from './metadata.ts';
import type { RecordMetadata } from './records.ts';
import { SequenceState } from './sequences.ts';

export interface Waiter {
  resolve(m: RecordMetadata): void;
  reject(err: unknown): void;
}

/** A record on its way: converted, with its explicit partition and completion. */
export interface Item extends Waiter {
  topic: string;
  record: RecordInput;
  partition?: number;
  size: number;
  /** Set once the item waited for a fresh partition count. */
  refreshed?: boolean;
}

export class Batch {
  records: RecordInput[] = [];
  waiters: Waiter[] = [];
  bytes = BATCH_HEADER_SIZE;
  /** Headers of all its records together. */
  headers = 0;
  timer: NodeJS.Timeout | undefined;
  /** Linger passed; send as soon as the partition may. */
  ready = false;
  sealed = false;
  /** Set when the batch is first sent, and kept for every retry (sequences.ts). */
  identity: ProducerIdentity | undefined;
  baseSequence = -1;
  body: Buffer | undefined;
  /** Settles (never rejects) when the batch is done, either way. */
  readonly done: Deferred<void> = deferred<void>();
  constructor(readonly part: PartitionState) {}
}

export class PartitionState {
  open: Batch | undefined;
  /** Closed batches waiting for a send slot, oldest first. */
  queue: Batch[] = [];
  /** Sent and not yet answered, in sequence order. */
  inFlight: Batch[] = [];
  readonly sequence = new SequenceState();
  constructor(
    readonly topic: string,
    readonly partition: number,
  ) {}
}

export interface AccumulatorOptions {
  lingerMs: number;
  batchBytes: number;
}

export class Accumulator {
  private readonly parts = new Map<string, PartitionState>();

  /** `ready` is told when a partition has a batch to send. */
  constructor(
    private readonly opts: AccumulatorOptions,
    private readonly ready: (part: PartitionState) => void,
  ) {}

  partition(topic: string, partition: number): PartitionState {
    const key = `${topic}\u0000${partition}`;
    let p = this.parts.get(key);
    if (!p) this.parts.set(key, (p = new PartitionState(topic, partition)));
    return p;
  }

  partitions(): Iterable<PartitionState> {
    return this.parts.values();
  }

  /** Whether the item can join the batch within the batch size and one request's limits. */
  fits(t: TopicMetadata, batch: Batch, item: Item): boolean {
    if (batch.records.length === 0) return true;
    return (
      batch.bytes + item.size <= this.maxBatchBytes(t) &&
      batch.records.length < MAX_RECORDS_PER_REQUEST &&
      batch.headers + (item.record.headers?.length ?? 0) <= MAX_HEADERS_PER_REQUEST
    );
  }

  /** The partition's open batch if the item fits, else a new one (the old one is closed). */
  openBatch(t: TopicMetadata, part: PartitionState, item: Item): Batch {
    if (part.open && this.fits(t, part.open, item)) return part.open;
    if (part.open) this.seal(part.open);
    const batch = new Batch(part);
    part.open = batch;
    batch.timer = setTimeout(() => {
      batch.timer = undefined;
      batch.ready = true;
      this.ready(part);
    }, this.opts.lingerMs);
    return batch;
  }

  /** Adds the item to the batch; a batch that reached its size or record limit is closed. */
  append(t: TopicMetadata, batch: Batch, item: Item): void {
    batch.records.push(item.record);
    batch.waiters.push(item);
    batch.bytes += item.size;
    batch.headers += item.record.headers?.length ?? 0;
    if (batch.bytes >= this.maxBatchBytes(t) || batch.records.length >= MAX_RECORDS_PER_REQUEST) this.seal(batch);
  }

  /** Closes the batch: it joins its partition's queue (and the sender hears of it, unless told not to). */
  seal(batch: Batch, notify = true): void {
    if (batch.sealed) return;
    batch.sealed = true;
    if (batch.timer) clearTimeout(batch.timer);
    batch.timer = undefined;
    const part = batch.part;
    if (part.open === batch) part.open = undefined;
    part.queue.push(batch);
    if (notify) this.ready(part);
  }

  /** Closes every open batch (flush). */
  sealAll(): void {
    for (const part of this.parts.values()) if (part.open) this.seal(part.open);
  }

  clearTimers(): void {
    for (const part of this.parts.values()) if (part.open?.timer) clearTimeout(part.open.timer);
  }

  /** Fails every batch not yet sent (a fenced producer). */
  failUnsent(err: unknown): void {
    for (const part of this.parts.values()) {
      if (part.open) {
        const open = part.open;
        if (open.timer) clearTimeout(open.timer);
        part.open = undefined;
        open.sealed = true;
        failBatch(open, err);
      }
      for (const b of part.queue.splice(0)) failBatch(b, err);
    }
  }

  private maxBatchBytes(t: TopicMetadata): number {
    return Math.min(this.opts.batchBytes, t.maxMessageBytes);
  }
}

/** Rejects every send of the batch and marks it done. */
export function failBatch(batch: Batch, err: unknown): void {
  for (const w of batch.waiters) w.reject(err);
  batch.waiters = [];
  batch.done.resolve();
}
