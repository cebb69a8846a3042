// The log: Kafka's topic/partition/offset model over the storage layer. This is the
// surface handlers, the dev server and tests use; nothing here knows about HTTP.
import { UnknownTopicOrPartitionError } from '../core/errors.ts';
import type { RecordInput } from '../records/types.ts';
import type { StorageClients } from '../storage/clients.ts';
import type { CommitGuard, CommitOptions } from '../storage/commit.ts';
import type { TopicRecord } from '../storage/metadata.ts';
import { registerProducer } from '../storage/producers.ts';
import { appendToPartition, checkRecords, checkRecordSizes, type AppendInput, type AppendResult } from './append.ts';
import { produceRecords, type PreparedRecord, type ProducedRecord } from './produce.ts';
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
import { HeadWatch } from './watch.ts';

export type { AppendInput, AppendResult } from './append.ts';
export type { PreparedRecord, ProducedRecord } from './produce.ts';
/** The records an append takes, as the API's JSON produce builds them. */
export type { RecordHeader, RecordInput } from '../records/types.ts';
export type { FetchBatchesResult, FetchedRecord, FetchOptions, FetchResult } from './fetch.ts';
export type { AlterTopicInput, CreateTopicInput, PartitionDescription, TopicDescription, TopicSummary } from './topics.ts';
export { MAX_PARTITIONS, validateTopicName } from './topics.ts';
export { DEFAULT_CONFIG, TOPIC_CONFIGS, type TopicConfig } from './config.ts';

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
    // A partition beyond the cached count is confirmed before it is reported unknown.
    const highest = prepared.reduce((m, p) => Math.max(m, p.partition ?? -1), -1);
    let topic = await this.topics.require(topicName);
    if (highest >= topic.partitions) topic = await this.topics.require(topicName, FRESH);
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
    checkRecordSizes(topic, records);
    const deps = {
      clients: this.clients,
      now: () => this.opts.now?.() ?? Date.now(),
      append: (partition: number, group: RecordInput[], guard?: CommitGuard) =>
        guard ? this.appendTo(topic, partition, { records: group }, guard) : this.append(topicName, partition, { records: group }),
    };
    return produceRecords(deps, topic, prepared, opts.idempotencyKey);
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

  /**
   * A producer id for idempotent produce: random and registered, so only ids handed out
   * here are accepted. Sequences per partition start at 0, epoch 0.
   */
  async initProducer(): Promise<{ producerId: number; producerEpoch: number }> {
    return { producerId: await registerProducer(this.clients, this.opts.now?.() ?? Date.now()), producerEpoch: 0 };
  }

  async listOffsets(topicName: string, partition: number, at: 'earliest' | 'latest' | number): Promise<number> {
    const topic = await this.topics.requirePartition(topicName, partition, FRESH);
    return offsetForPosition(this.clients, topic, partition, at);
  }
}
