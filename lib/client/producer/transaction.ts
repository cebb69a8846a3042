// Transactions of a transactional producer (API.md "Transactions", staged form):
//
//   producer.transaction(async (tx) => { await tx.send(...); tx.sendOffsets({ consumer, offsets }) })
//
// The producer registers its transactionalId once (POST /v1/producers: a new epoch that
// fences every older instance). In a transaction, records are partitioned as send() does
// and buffered per partition; a full buffer, and every buffer at the end, is staged
// (POST .../batches, a RecordBatch carrying the producer id, epoch and a sequence number:
// a resent stage is deduplicated). When the function resolves, one commit makes every
// record and the offsets visible at once; when it throws, the transaction is aborted and
// the error rethrown. Nothing of an aborted or unfinished transaction is ever visible.
import { InvalidRequestError, InvalidTxnStateError, ProducerFencedError } from '../../core/errors.ts';
import { defaultPartition, encodeBatch, recordSizeBound, type RecordInput } from '../../records/index.ts';
import type { HttpClient } from '../http.ts';
import { RECORD_BATCH_TYPE } from '../wire.ts';
import { withRetries, type RetryPolicy } from '../retry.ts';
import type { TopicPartitionOffset } from '../types.ts';
import type { MetadataCache } from './metadata.ts';
import { pickStickyPartition } from './partitioner.ts';
import { checkRecord, type ProducerRecord, type RecordMetadata } from './records.ts';

/** What sendOffsets needs of a consumer: its group and its membership now. */
export interface GroupConsumer {
  readonly groupId: string;
  readonly member: { memberId: string | undefined; generation: number };
}

export interface SendOffsetsOptions {
  consumer: GroupConsumer;
  /** Next offsets to read, per partition of the consumer's topics. */
  offsets: readonly TopicPartitionOffset[];
}

export interface TransactionSettings {
  http: HttpClient;
  transactionalId: string;
  producerId: number;
  producerEpoch: number;
  metadata: MetadataCache;
  retry: RetryPolicy;
  batchBytes: number;
}

interface Buffered {
  topic: string;
  partition: number;
  records: RecordInput[];
  bytes: number;
  /** Records of this partition staged so far in this transaction (the next sequence). */
  staged: number;
}

const txnPath = (id: string, rest = '') => `/v1/transactions/${encodeURIComponent(id)}${rest}`;

export class Transaction {
  private readonly buffers = new Map<string, Buffered>();
  /** Every record sent, in order: its partition buffer and position there. */
  private readonly placed: { buffer: Buffered; position: number }[] = [];
  private readonly sticky = new Map<string, number>();
  private offsets: { group: string; memberId?: string; generation: number; offsets: TopicPartitionOffset[] } | undefined;
  private stagedAny = false;
  private ended = false;
  private committed = false;

  constructor(private readonly s: TransactionSettings) {}

  /** Adds records to the transaction; they become visible only with its commit. */
  async send(rec: ProducerRecord | readonly ProducerRecord[]): Promise<void> {
    this.requireOpen();
    for (const r of Array.isArray(rec) ? rec : [rec as ProducerRecord]) {
      const record = checkRecord(r);
      const buffer = await this.bufferFor(r, record);
      this.placed.push({ buffer, position: buffer.staged + buffer.records.length });
      buffer.records.push(record);
      buffer.bytes += recordSizeBound(record);
      if (buffer.bytes >= this.s.batchBytes) await this.stage(buffer);
    }
  }

  /** Commits these consumer offsets with the transaction (read-process-write). */
  sendOffsets(opts: SendOffsetsOptions): void {
    this.requireOpen();
    const { memberId, generation } = opts.consumer.member;
    if (this.offsets && this.offsets.group !== opts.consumer.groupId) {
      throw new InvalidRequestError('One transaction commits the offsets of one consumer group.');
    }
    const merged = new Map((this.offsets?.offsets ?? []).map((o) => [`${o.topic}#${o.partition}`, o]));
    for (const o of opts.offsets) merged.set(`${o.topic}#${o.partition}`, { topic: o.topic, partition: o.partition, offset: o.offset });
    this.offsets = { group: opts.consumer.groupId, ...(memberId ? { memberId } : {}), generation, offsets: [...merged.values()] };
  }

  /** Stages what is buffered and commits; the metadata of every record sent, in order. */
  async commit(): Promise<RecordMetadata[]> {
    this.requireOpen();
    for (const b of this.buffers.values()) if (b.records.length > 0) await this.stage(b);
    this.ended = true;
    if (!this.stagedAny && !this.offsets) return [];
    const offsets = this.offsets && { group: this.offsets.group, ...(this.offsets.memberId ? { memberId: this.offsets.memberId, generation: this.offsets.generation } : {}), offsets: this.offsets.offsets };
    const res = await withRetries(
      () => this.s.http.json<{ offsets: { topic: string; partition: number; baseOffset: number }[] }>({
        method: 'POST',
        path: txnPath(this.s.transactionalId, '/commit'),
        body: { producerEpoch: this.s.producerEpoch, ...(offsets ? { offsets } : {}) },
      }),
      this.s.retry,
    );
    this.committed = true;
    const base = new Map(res.offsets.map((o) => [`${o.topic}#${o.partition}`, o.baseOffset]));
    return this.placed.map(({ buffer, position }) => ({
      topic: buffer.topic,
      partition: buffer.partition,
      offset: base.get(`${buffer.topic}#${buffer.partition}`)! + position,
    }));
  }

  /** Drops the transaction (also after a failed commit): nothing of it becomes visible. */
  async abort(): Promise<void> {
    this.ended = true;
    if (this.committed || !this.stagedAny) return;
    await withRetries(
      () => this.s.http.request({ method: 'DELETE', path: txnPath(this.s.transactionalId), query: { producerEpoch: this.s.producerEpoch } }),
      this.s.retry,
    );
  }

  private requireOpen(): void {
    if (this.ended) throw new InvalidTxnStateError('This transaction has ended; start another with producer.transaction().');
  }

  private async bufferFor(r: ProducerRecord, record: RecordInput): Promise<Buffered> {
    const t = this.s.metadata.get(r.topic);
    if (t.partitions === undefined || (r.partition !== undefined && r.partition >= t.partitions)) await this.s.metadata.refresh(t);
    const n = t.partitions!;
    if (r.partition !== undefined && r.partition >= n) throw new InvalidRequestError(`Partition ${r.partition} of topic '${r.topic}' does not exist (partitions: ${n}).`);
    let partition = r.partition;
    if (partition === undefined && record.key !== null) partition = defaultPartition(record.key, n);
    if (partition === undefined) {
      if (!this.sticky.has(r.topic)) this.sticky.set(r.topic, pickStickyPartition(n, -1));
      partition = this.sticky.get(r.topic)!;
    }
    const key = `${r.topic}#${partition}`;
    let b = this.buffers.get(key);
    if (!b) this.buffers.set(key, (b = { topic: r.topic, partition, records: [], bytes: 0, staged: 0 }));
    return b;
  }

  private async stage(b: Buffered): Promise<void> {
    const records = b.records.splice(0);
    const body = encodeBatch({ records, producerId: BigInt(this.s.producerId), producerEpoch: this.s.producerEpoch, baseSequence: b.staged });
    b.staged += records.length;
    b.bytes = 0;
    this.stagedAny = true;
    await withRetries(
      () =>
        this.s.http.request({
          method: 'POST',
          path: txnPath(this.s.transactionalId, '/batches'),
          query: { topic: b.topic, partition: b.partition },
          headers: { 'content-type': RECORD_BATCH_TYPE },
          body,
        }),
      this.s.retry,
    );
  }
}

/** Registers the transactional id: the producer's id and its new epoch (fencing older instances). */
export async function registerTransactional(http: HttpClient, transactionalId: string, timeoutMs: number | undefined, retry: RetryPolicy) {
  return withRetries(
    () =>
      http.json<{ producerId: number; producerEpoch: number }>({
        method: 'POST',
        path: '/v1/producers',
        body: { transactionalId, ...(timeoutMs !== undefined ? { transactionTimeoutMs: timeoutMs } : {}) },
      }),
    retry,
  );
}

export const isFenced = (err: unknown): boolean => err instanceof ProducerFencedError;
