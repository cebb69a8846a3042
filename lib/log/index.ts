// The log: Kafka's topic/partition/offset model over the storage layer. This is the
// surface handlers, the dev server and tests use; nothing here knows about HTTP.
//
// Transactions (lib/log/transaction): `Log.transaction` commits records for many topics
// and partitions in one TransactWriteItems, together with participants: the items other
// features commit with them, each built per attempt and each with its own condition.
//   - consumer-group offsets: Groups.transactionalOffsets (lib/groups) builds the fence
//     check and the offset Puts as a participant;
//   - subscription or processor cursors: a participant whose items are the cursor's
//     conditional Update (checked against its lease), and whose `explain` says why it
//     failed (the domain error) or 'committed' when it finds the transaction's receipt;
//   - versioned items (processor state, connector source offsets): `versionedItems(
//     clients, [{ table, key, expectedVersion, attributes }])`, a Put (or, without
//     attributes, a Delete) IF version = expectedVersion (IF absent when undefined); the
//     Put stores version + 1 and the txnId as its receipt.
// Later features with data already uploaded call `commitTransaction(clients,
// { partitions: [{ topic, partition, segments }], participants })` directly. The limits
// (100 items, 4 MB) are checked before anything is uploaded (INVALID_TXN_STATE).
import { UnknownTopicOrPartitionError } from '../core/errors.ts';
import type { StorageClients } from '../storage/clients.ts';
import type { CommitGuard, CommitOptions } from '../storage/commit.ts';
import type { TopicRecord } from '../storage/metadata.ts';
import { registerProducer } from '../storage/producers.ts';
import {
  appendToPartition,
  checkKeys,
  checkRecords,
  checkRecordSizes,
  segmentFromRecords,
  type AppendInput,
  type AppendResult,
} from './append.ts';
import { appendBatchesMany, type BatchesFor } from './appendMany.ts';
import { appendShared } from './sharedAppend.ts';
import { produceRecords, type PartitionRecords, type PreparedRecord, type ProduceDeps, type ProducedRecord } from './produce.ts';
import {
  fetchBatches,
  fetchRecords,
  offsetForPosition,
  type FetchBatchesResult,
  type FetchOptions,
  type FetchResult,
} from './fetch.ts';
import {
  TopicCatalog,
  type AlterTopicInput,
  type CreateTopicInput,
  type TopicDescription,
  type TopicSummary,
} from './topics.ts';
import { multiFetch, type MultiFetchOptions, type PartitionAnswer, type PartitionRequest } from './multifetch.ts';
import { HeadWatch } from './watch.ts';
import {
  abortStaged,
  commitParts,
  commitRecords,
  commitStaged,
  describeTxnProducer,
  type EncodedPart,
  registerTxnProducer,
  stageBatch,
  stageOffsets,
  txnProducerState,
  type OneShotResult,
  type PartitionResult,
  type StagedOffsetCommit,
  type StageResult,
  type TxnParticipant,
  type TxnProducerState,
  type TxnRecord,
} from './transaction/index.ts';

export type { AppendInput, AppendResult } from './append.ts';
export type { BatchesFor } from './appendMany.ts';
export type { PreparedRecord, ProducedRecord } from './produce.ts';
/** The records an append takes, as the API's JSON produce builds them. */
export type { RecordHeader, RecordInput } from '../records/types.ts';
export type { FetchBatchesResult, FetchedRecord, FetchOptions, FetchResult } from './fetch.ts';
export type { MultiFetchOptions, PartitionAnswer, PartitionRequest } from './multifetch.ts';
export type { AlterTopicInput, CreateTopicInput, PartitionDescription, TopicDescription, TopicSummary } from './topics.ts';
export { MAX_PARTITIONS, validateKafkaName, validateTopicName } from './topics.ts';
export { DEFAULT_CONFIG, TOPIC_CONFIGS, type TopicConfig } from './config.ts';
export * from './transaction/index.ts';

/**
 * Reads resolve the name to its topic id afresh: a cached id could belong to a topic
 * deleted and created again, whose old data must never be served. Appends may use the
 * cache because their commit re-checks the id.
 */
const FRESH = { fresh: true } as const;

export interface LogOptions {
  commit?: CommitOptions;
  /** Clock for timestamps (LogAppendTime, records without one). */
  now?: () => number;
  topicCacheTtlMs?: number;
}

export class Log {
  readonly topics: TopicCatalog;
  private readonly watch: HeadWatch;

  constructor(
    readonly clients: StorageClients,
    private readonly opts: LogOptions = {},
  ) {
    this.topics = new TopicCatalog(clients, opts.topicCacheTtlMs);
    this.watch = new HeadWatch(clients);
  }

  createTopic(input: CreateTopicInput): Promise<TopicDescription> {
    return this.topics.create(input);
  }

  listTopics(): Promise<TopicSummary[]> {
    return this.topics.list();
  }

  describeTopic(name: string): Promise<TopicDescription> {
    return this.topics.describe(name);
  }

  alterTopic(name: string, input: AlterTopicInput): Promise<TopicDescription> {
    return this.topics.alter(name, input);
  }

  deleteTopic(name: string): Promise<void> {
    return this.topics.delete(name);
  }

  /** Append to one partition; resolves once the records are committed (acknowledged). */
  async append(topicName: string, partition: number, input: AppendInput): Promise<AppendResult> {
    // A cached topic that turns out to be stale (re-created under the same name) is read
    // afresh and the append made once more, to the topic that has the name now.
    for (let attempt = 0; ; attempt++) {
      const topic = await this.topics.requirePartition(topicName, partition, attempt > 0 ? FRESH : {});
      try {
        return await this.appendTo(topic, partition, input);
      } catch (err) {
        if (attempt === 0 && err instanceof UnknownTopicOrPartitionError && err.details.topicChanged) continue;
        throw err;
      }
    }
  }

  /** Append to this very topic (never to one re-created under its name since). */
  private async appendTo(topic: TopicRecord, partition: number, input: AppendInput, guard?: CommitGuard): Promise<AppendResult> {
    try {
      const result = await appendToPartition(this.clients, topic, partition, input, {
        ...this.opts.commit,
        now: this.opts.now,
        ...(guard ? { guard } : {}),
      });
      this.watch.notify(topic.topicId, partition);
      return result;
    } catch (err) {
      this.topics.forget(topic.name);
      throw err;
    }
  }

  /**
   * Produce a request's records, spread over partitions as Kafka's partitioner does;
   * every record's answer is its offset or its partition's error. Nothing is written
   * unless every record passes validation. With `idempotencyKey` the request happens
   * once per key within a day, whatever crashes: a repeat gets the same offsets.
   */
  async produce(topicName: string, prepared: readonly PreparedRecord[], opts: { idempotencyKey?: string } = {}): Promise<ProducedRecord[]> {
    // A cached topic that turns out to be stale (re-created under the same name) is read
    // afresh and the request made once more, unless a key ties it to the topic's id.
    for (let attempt = 0; ; attempt++) {
      const topic = await this.producibleTopic(topicName, prepared, attempt > 0);
      try {
        return await produceRecords(this.produceDeps(topic), topic, prepared, opts.idempotencyKey);
      } catch (err) {
        const stale = err instanceof UnknownTopicOrPartitionError && err.details.topicChanged;
        if (attempt === 0 && stale && opts.idempotencyKey === undefined) continue;
        throw err;
      }
    }
  }

  /** The topic, once every named partition exists in it and every record fits it. */
  private async producibleTopic(topicName: string, prepared: readonly PreparedRecord[], fresh: boolean): Promise<TopicRecord> {
    // A partition beyond the cached count is confirmed before it is reported unknown.
    const highest = prepared.reduce((m, p) => Math.max(m, p.partition ?? -1), -1);
    let topic = await this.topics.require(topicName, fresh ? FRESH : {});
    if (highest >= topic.partitions && !fresh) topic = await this.topics.require(topicName, FRESH);
    prepared.forEach((p, i) => {
      if (p.partition !== undefined && p.partition >= topic.partitions) {
        throw new UnknownTopicOrPartitionError(
          `records[${i}]: partition ${p.partition} of topic '${topicName}' does not exist (partitions: ${topic.partitions}). Nothing was written.`,
          { record: i },
        );
      }
    });
    const records = prepared.map((p) => p.record);
    checkRecords(records);
    checkKeys(topic, records);
    checkRecordSizes(topic, records);
    return topic;
  }

  private produceDeps(topic: TopicRecord): ProduceDeps {
    const encode = (groups: readonly PartitionRecords[], now: number): EncodedPart[] =>
      groups.map((g) => ({ topic, partition: g.partition, segment: segmentFromRecords(topic, g.records, now) }));
    return {
      clients: this.clients,
      now: () => this.now(),
      append: (partition, group, guard) => this.appendTo(topic, partition, { records: group }, guard),
      appendMany: (groups, participants) => this.appendParts(encode(groups, this.now()), participants),
      appendShared: async (groups) => {
        const now = this.now();
        const parts = encode(groups, now);
        try {
          const settled = await appendShared(this.clients, parts, { ...this.opts.commit, now });
          settled.forEach((s, i) => s.status === 'fulfilled' && this.watch.notify(topic.topicId, groups[i]!.partition));
          if (settled.some((s) => s.status === 'rejected')) this.topics.forget(topic.name);
          return settled;
        } catch (err) {
          this.topics.forget(topic.name);
          throw err;
        }
      },
    };
  }

  /**
   * Several partitions' encoded data as one object in one commit (commitParts), with the
   * participants' items. Resolves once committed, with each partition's offsets.
   */
  async appendParts(parts: readonly EncodedPart[], participants: readonly TxnParticipant[] = []): Promise<AppendResult[]> {
    try {
      const results = await commitParts(this.clients, parts, { participants, ...(this.opts.commit ? { commit: this.opts.commit } : {}) });
      for (const r of results) this.watch.notify(r.topicId, r.partition);
      return results.map((r) => ({ partition: r.partition, baseOffset: r.baseOffset, lastOffset: r.lastOffset }));
    } catch (err) {
      for (const name of new Set(parts.map((p) => p.topic.name))) this.topics.forget(name);
      throw err;
    }
  }

  /**
   * Raw batches for several partitions, a partition possibly several times (its items take
   * its offsets in the order given): one object and one commit per as many partitions as
   * one commit holds (appendMany.ts). Each item's outcome, in order: refused alone when its
   * batches are invalid or an idempotent producer's sequence refuses them (nothing of it
   * written), its earlier offsets when it duplicates an idempotent producer's batch, else
   * its commit's.
   */
  appendBatchesMany(items: readonly BatchesFor[]): Promise<PromiseSettledResult<AppendResult>[]> {
    const deps = {
      clients: this.clients,
      topics: this.topics,
      now: this.now(),
      ...(this.opts.commit ? { commit: this.opts.commit } : {}),
      written: (topic: TopicRecord, partition: number) => this.watch.notify(topic.topicId, partition),
    };
    return appendBatchesMany(deps, items);
  }

  /** Records from `offset` with absolute offsets, never beyond the high watermark. */
  async fetch(topicName: string, partition: number, opts: FetchOptions): Promise<FetchResult> {
    const topic = await this.topics.requirePartition(topicName, partition, FRESH);
    return fetchRecords(this.clients, this.watch, topic, partition, opts);
  }

  /** Whole stored batches from `offset`, base offsets absolute. */
  async fetchBatches(topicName: string, partition: number, opts: FetchOptions): Promise<FetchBatchesResult> {
    const topic = await this.topics.requirePartition(topicName, partition, FRESH);
    return fetchBatches(this.clients, this.watch, topic, partition, opts);
  }

  /** Many partitions at once, answered when any has data or waitMs ran out (multifetch.ts). */
  multiFetch(requests: readonly PartitionRequest[], opts: MultiFetchOptions): Promise<PartitionAnswer[]> {
    return multiFetch(this.clients, this.watch, requests, opts);
  }

  /**
   * A producer id for idempotent produce: random and registered, so only ids handed out
   * here are accepted. Sequences per partition start at 0, epoch 0.
   */
  async initProducer(): Promise<{ producerId: number; producerEpoch: number }> {
    return { producerId: await registerProducer(this.clients, this.opts.now?.() ?? Date.now()), producerEpoch: 0 };
  }

  /**
   * One-shot transaction: every record (for any topics and partitions) and every
   * participant's items become visible together, or none does. Offsets in request order.
   */
  async transaction(records: readonly TxnRecord[], opts: { participants?: readonly TxnParticipant[] } = {}): Promise<OneShotResult> {
    const topics = new Map<string, TopicRecord>();
    for (const name of new Set(records.map((r) => r.topic))) {
      const highest = records.reduce((m, r) => (r.topic === name ? Math.max(m, r.partition ?? -1) : m), -1);
      let topic = await this.topics.require(name);
      if (highest >= topic.partitions) topic = await this.topics.require(name, FRESH);
      topics.set(name, topic);
    }
    try {
      const result = await commitRecords(this.clients, topics, records, { ...opts, now: this.now(), ...(this.opts.commit ? { commit: this.opts.commit } : {}) });
      for (const p of result.partitions) this.watch.notify(p.topicId, p.partition);
      return result;
    } catch (err) {
      for (const name of topics.keys()) this.topics.forget(name);
      throw err;
    }
  }

  /** Registers a transactional producer: a new epoch, which fences every older one. */
  initTransactionalProducer(transactionalId: string, transactionTimeoutMs: number): Promise<{ producerId: number; producerEpoch: number }> {
    return registerTxnProducer(this.clients, transactionalId, transactionTimeoutMs, this.now());
  }

  /** Stages a batch in the producer's transaction (uploaded, invisible until the commit). */
  async stageTransaction(transactionalId: string, producerEpoch: number, topicName: string, partition: number, input: AppendInput): Promise<StageResult> {
    const topic = await this.topics.requirePartition(topicName, partition);
    return stageBatch(this.clients, { transactionalId, producerEpoch, topic, partition, input }, this.now());
  }

  /** The transactional producer at this epoch (PRODUCER_FENCED for an older one), and whether a transaction is open. */
  transactionalProducer(transactionalId: string, producerEpoch: number): Promise<TxnProducerState> {
    return txnProducerState(this.clients, transactionalId, producerEpoch, this.now());
  }

  /** The transactional producer whatever its epoch; undefined for an id never registered (or expired). */
  describeTransactionalProducer(transactionalId: string): Promise<TxnProducerState | undefined> {
    return describeTxnProducer(this.clients, transactionalId);
  }

  /** Stages a group's offsets in the producer's transaction (Kafka's TxnOffsetCommit). */
  stageTransactionOffsets(transactionalId: string, producerEpoch: number, commit: StagedOffsetCommit): Promise<void> {
    return stageOffsets(this.clients, { transactionalId, producerEpoch, commit }, this.now());
  }

  /**
   * Commits the producer's staged transaction, with the participants' items, and those
   * `stagedParticipants` builds for its staged offsets.
   */
  async commitStagedTransaction(
    transactionalId: string,
    producerEpoch: number,
    participants: TxnParticipant[] = [],
    stagedParticipants?: (offsets: readonly StagedOffsetCommit[]) => Promise<TxnParticipant[]>,
  ): Promise<PartitionResult[]> {
    const request = { transactionalId, producerEpoch, participants, ...(stagedParticipants ? { stagedParticipants } : {}) };
    const results = await commitStaged(this.clients, request, this.now(), this.opts.commit);
    for (const p of results) this.watch.notify(p.topicId, p.partition);
    return results;
  }

  /** Aborts the producer's transaction in progress, if any. */
  abortTransaction(transactionalId: string, producerEpoch: number): Promise<{ aborted: boolean }> {
    return abortStaged(this.clients, transactionalId, producerEpoch);
  }

  private now(): number {
    return this.opts.now?.() ?? Date.now();
  }

  async listOffsets(topicName: string, partition: number, at: 'earliest' | 'latest' | number): Promise<number> {
    const topic = await this.topics.requirePartition(topicName, partition, FRESH);
    return offsetForPosition(this.clients, topic, partition, at);
  }
}
