// The sender: takes closed batches from the accumulator and POSTs them as RecordBatch v2
// to /v1/topics/{t}/records?partition=N. Per partition, batches go in the order they were
// closed, at most maxInFlight at a time (default 1: strict order even across retries).
//
// Failures: retriable errors (network, 429, 503 with Retry-After, CONCURRENT_TRANSACTIONS,
// UNKNOWN_TOPIC_OR_PARTITION while the topic still exists) are retried with exponential
// backoff up to `retries` times. Then, or on any other error, the batch's sends reject
// with the typed error. OUT_OF_ORDER_SEQUENCE_NUMBER fails the batch (and the batches sent
// behind it on that partition, which the server refuses the same way), and so does
// UNKNOWN_PRODUCER_ID (a producer id whose registration expired); either way the
// partition continues under a new producer id. PRODUCER_FENCED fails every pending send
// and the producer.
import {
  OutOfOrderSequenceError,
  ProducerFencedError,
  UnknownProducerIdError,
  UnknownTopicOrPartitionError,
} from '../../core/errors.ts';
import { sleep } from '../../core/time.ts';
import { RECORD_BATCH_TYPE, type ProduceBatchResponse } from '../../core/wire.ts';
import type { Compression } from '../../records/index.ts';
import type { HttpClient } from '../http.ts';
import { topicPath } from '../paths.ts';
import { backoffDelay, isRetriable, type BackoffOptions } from '../retry.ts';
import { failBatch, type Accumulator, type Batch, type PartitionState } from './accumulator.ts';
import type { MetadataCache } from './metadata.ts';
import { encodeOnce, type ProducerIds } from './sequences.ts';

export interface SenderOptions {
  compression: Compression;
  idempotent: boolean;
  maxInFlight: number;
  retries: number;
  backoff: BackoffOptions;
}

/** What the sender needs of its producer: the fatal error, and a way to report one. */
export interface SenderHost {
  fatal(): unknown;
  fail(err: unknown): void;
  /** A failed request that will be retried. */
  warn(err: unknown): void;
}

export class Sender {
  constructor(
    private readonly http: HttpClient,
    private readonly opts: SenderOptions,
    private readonly acc: Accumulator,
    private readonly metadata: MetadataCache,
    private readonly ids: ProducerIds,
    private readonly host: SenderHost,
  ) {}

  /** Starts sends while the partition has free slots. */
  drain(part: PartitionState): void {
    while (!part.sequence.blocked && part.inFlight.length < this.opts.maxInFlight) {
      // A lingered open batch goes only when there is a slot: until then it keeps growing.
      if (part.queue.length === 0 && part.open?.ready) this.acc.seal(part.open, false);
      const batch = part.queue[0];
      if (!batch) return;
      if (this.host.fatal()) {
        part.queue.shift();
        failBatch(batch, this.host.fatal());
        continue;
      }
      if (this.opts.idempotent && part.sequence.wantsIdentity) {
        this.acquireIdentity(part);
        return;
      }
      part.queue.shift();
      encodeOnce(batch, this.opts.compression, this.opts.idempotent ? part.sequence : undefined);
      part.inFlight.push(batch);
      void this.send(part, batch);
    }
  }

  private acquireIdentity(part: PartitionState): void {
    const seq = part.sequence;
    seq.blocked = true;
    this.ids.get(seq.needsNewIdentity || seq.identity !== undefined).then(
      (identity) => {
        seq.adopt(identity);
        seq.blocked = false;
        this.drain(part);
      },
      (err) => {
        seq.blocked = false;
        // No producer id even after retries: what waits to be sent fails; a later batch tries again.
        if (part.open?.ready) this.acc.seal(part.open, false);
        for (const b of part.queue.splice(0)) failBatch(b, err);
      },
    );
  }

  private async send(part: PartitionState, batch: Batch): Promise<void> {
    try {
      const res = await this.attempts(part, batch);
      batch.waiters.forEach((w, i) => w.resolve({ topic: part.topic, partition: part.partition, offset: res.baseOffset + i }));
    } catch (err) {
      failBatch(batch, err);
    } finally {
      part.inFlight.splice(part.inFlight.indexOf(batch), 1);
      batch.done.resolve();
      this.drain(part);
    }
  }

  /** The batch's requests until one is answered; throws what made it give up. */
  private async attempts(part: PartitionState, batch: Batch): Promise<ProduceBatchResponse> {
    for (let attempt = 1; ; attempt++) {
      try {
        const answer = await this.http.request({
          method: 'POST',
          path: topicPath(part.topic, '/records'),
          query: { partition: part.partition },
          headers: { 'content-type': RECORD_BATCH_TYPE, accept: 'application/json' },
          body: batch.body!,
        });
        return JSON.parse(answer.body.toString('utf8')) as ProduceBatchResponse;
      } catch (err) {
        if (this.host.fatal()) throw this.host.fatal();
        if (err instanceof ProducerFencedError) {
          this.host.fail(err);
          throw err;
        }
        if (err instanceof UnknownProducerIdError) {
          // The server no longer knows this producer (its registration expired): nothing
          // was written; later batches go under a new producer id.
          part.sequence.needsNewIdentity = true;
          if (batch.identity) this.ids.forget(batch.identity);
          throw err;
        }
        if (err instanceof OutOfOrderSequenceError) {
          // With several requests in flight, an earlier batch may simply not have landed
          // yet: wait for it, then try again. Otherwise the sequence really has a gap.
          const earlier = part.inFlight.slice(0, part.inFlight.indexOf(batch)).filter((b) => b.identity === batch.identity);
          if (earlier.length > 0 && attempt <= this.opts.retries + this.opts.maxInFlight) {
            await Promise.all(earlier.map((b) => b.done.promise));
            continue;
          }
          part.sequence.needsNewIdentity = true;
          throw err;
        }
        const unknownTopic = err instanceof UnknownTopicOrPartitionError;
        if ((isRetriable(err) || unknownTopic) && attempt <= this.opts.retries) {
          if (unknownTopic && !(await this.partitionExists(part))) throw err;
          this.host.warn(err);
          await sleep(backoffDelay(err, attempt, this.opts.backoff));
          continue;
        }
        part.sequence.gaveUp(batch, !isRetriable(err) && !unknownTopic);
        throw err;
      }
    }
  }

  /** After UNKNOWN_TOPIC_OR_PARTITION: retry only while the topic and partition still exist. */
  private async partitionExists(part: PartitionState): Promise<boolean> {
    const t = this.metadata.get(part.topic);
    try {
      await this.metadata.refresh(t);
    } catch {
      return false;
    }
    return part.partition < (t.partitions ?? 0);
  }
}
