// The log: Kafka's topic/partition/offset model over the storage layer. This is the
// surface handlers, the dev server and tests use; nothing here knows about HTTP.
import { UnknownTopicOrPartitionError } from '../core/errors.ts';
import type { StorageClients } from '../storage/clients.ts';
import type { CommitOptions } from '../storage/commit.ts';
import { allocateProducerId, claimRequestKey, completeRequestKey, releaseRequestKey } from '../storage/producers.ts';
import { appendToPartition, type AppendInput, type AppendResult } from './append.ts';
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

export type { AppendInput, AppendResult } from './append.ts';
export type { FetchBatchesResult, FetchedRecord, FetchOptions, FetchResult } from './fetch.ts';
export type { MultiFetchOptions, PartitionAnswer, PartitionRequest } from './multifetch.ts';
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
        const result = await appendToPartition(this.clients, topic, partition, input, { ...this.opts.commit, now: this.opts.now });
        this.watch.notify(topic.topicId, partition);
        return result;
      } catch (err) {
        this.topics.forget(topicName);
        if (attempt === 0 && err instanceof UnknownTopicOrPartitionError && err.details.topicChanged) continue;
        throw err;
      }
    }
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

  /** A producer id for idempotent produce: sequences per partition start at 0, epoch 0. */
  async initProducer(): Promise<{ producerId: number; producerEpoch: number }> {
    return { producerId: await allocateProducerId(this.clients), producerEpoch: 0 };
  }

  /**
   * Run `work` at most once per (scope, key) within a day: a repeat gets the first
   * answer. Work that wrote nothing (`wrote: false`) releases the key so a retry can
   * try again; a crash mid-work holds it until the lease runs out.
   */
  async once<T>(scope: string, key: string, work: () => Promise<{ response: T; wrote: boolean }>, leaseMs = 60_000): Promise<T> {
    const claim = await claimRequestKey<T>(this.clients, scope, key, this.opts.now?.() ?? Date.now(), leaseMs);
    if (!claim.claimed) return claim.response;
    let outcome: { response: T; wrote: boolean };
    try {
      outcome = await work();
    } catch (err) {
      await releaseRequestKey(this.clients, scope, key).catch(() => undefined);
      throw err;
    }
    if (outcome.wrote) await completeRequestKey(this.clients, scope, key, outcome.response);
    else await releaseRequestKey(this.clients, scope, key);
    return outcome.response;
  }

  async listOffsets(topicName: string, partition: number, at: 'earliest' | 'latest' | number): Promise<number> {
    const topic = await this.topics.requirePartition(topicName, partition, FRESH);
    return offsetForPosition(this.clients, topic, partition, at);
  }
}
