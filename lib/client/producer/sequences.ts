// Idempotence, as in Kafka: the producer gets {producerId, producerEpoch} from
// POST /v1/producers once and numbers each partition's records from 0. A batch gets its
// sequence when it is first sent and is encoded then, once: every retry resends the very
// same bytes, so the server recognises a batch it already appended (the response was
// lost) and answers its original offsets. Batches are never split or merged after that.
//
// After a batch failed with an outcome that leaves the partition's sequence unknown
// (exhausted retries, an out-of-order answer), the partition continues under a new
// producer id, so later sends do not inherit the gap (as Kafka's producer bumps its epoch).
// So does a partition whose producer id the server no longer knows (UNKNOWN_PRODUCER_ID:
// its registration expired), and partitions that start sending later do not take that id.
import type { ProducerIdentity } from '../../core/wire.ts';
import { encodeBatch, type Compression } from '../../records/index.ts';
import type { HttpClient } from '../http.ts';
import { withRetries, type RetryPolicy } from '../retry.ts';
import type { Batch } from './accumulator.ts';

const SEQ_MODULUS = 2 ** 31;

/** One partition's numbering. */
export class SequenceState {
  identity: ProducerIdentity | undefined;
  nextSeq = 0;
  /** The sequence state is unknown: get a new producer id before the next batch. */
  needsNewIdentity = false;
  /** Waiting for a producer id. */
  blocked = false;

  /** True when the partition must get a producer id before it sends. */
  get wantsIdentity(): boolean {
    return !this.identity || this.needsNewIdentity;
  }

  /** Starts numbering from 0 under a (new) identity. */
  adopt(identity: ProducerIdentity): void {
    this.identity = identity;
    this.nextSeq = 0;
    this.needsNewIdentity = false;
  }

  /**
   * A batch gave up. If the server may have appended it (an ambiguous failure), or later
   * batches already carry the sequences after it, the sequence is unknown: continue under
   * a new producer id. A batch the server refused outright left no trace: its sequence is
   * free again if nothing came after it.
   */
  gaveUp(batch: Batch, refusedOutright: boolean): void {
    if (!batch.identity) return;
    const last = this.identity === batch.identity && this.nextSeq === (batch.baseSequence + batch.records.length) % SEQ_MODULUS;
    if (refusedOutright && last) this.nextSeq = batch.baseSequence;
    else this.needsNewIdentity = true;
  }
}

/** Producer ids from the server: one shared by every partition, fresh ones after a gap. */
export class ProducerIds {
  private initial: Promise<ProducerIdentity> | undefined;

  constructor(
    private readonly http: HttpClient,
    private readonly retry: RetryPolicy,
  ) {}

  /** The producer's first id (asked for once), or a new one when `fresh`. */
  get(fresh: boolean): Promise<ProducerIdentity> {
    if (fresh) return this.request();
    const getting = (this.initial ??= this.request());
    // No id even after retries: a later batch asks again.
    getting.catch(() => {
      if (this.initial === getting) this.initial = undefined;
    });
    return getting;
  }

  /** The server no longer knows `identity`: partitions that have no id yet get a new one. */
  forget(identity: ProducerIdentity): void {
    const getting = this.initial;
    void getting?.then(
      (id) => {
        if (id === identity && this.initial === getting) this.initial = undefined;
      },
      () => {},
    );
  }

  private request(): Promise<ProducerIdentity> {
    return withRetries(() => this.http.json<ProducerIdentity>({ method: 'POST', path: '/v1/producers' }), this.retry);
  }
}

/** Sequence and bytes, fixed for the batch's life (numbered only when `seq` is given). */
export function encodeOnce(batch: Batch, compression: Compression, seq?: SequenceState): void {
  if (batch.body) return;
  const n = batch.records.length;
  if (seq) {
    batch.identity = seq.identity!;
    batch.baseSequence = seq.nextSeq;
    seq.nextSeq = (seq.nextSeq + n) % SEQ_MODULUS;
  }
  batch.body = encodeBatch({
    records: batch.records,
    compression,
    ...(batch.identity
      ? { producerId: BigInt(batch.identity.producerId), producerEpoch: batch.identity.producerEpoch, baseSequence: batch.baseSequence }
      : {}),
  });
}
