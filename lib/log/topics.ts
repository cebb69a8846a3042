// Topics: Kafka's naming rules, partition counts, configs, and topic ids. A topic id is
// fresh for every creation, and all data is keyed by it, so a name deleted and created
// again starts empty even while the old data is still being removed.
import { randomBytes } from 'node:crypto';
import { InvalidPartitionsError, UnknownTopicOrPartitionError } from '../core/errors.ts';
import { validate } from '../core/schema.ts';
import type { PartitionDescription, TopicDescription as WireTopicDescription, TopicSummary as WireTopicSummary } from '../core/wire.ts';
import type { TableClients } from '../storage/tables.ts';
import {
  deleteTopicRecord,
  getTopic,
  listHeads,
  listTopicRecords,
  putTopic,
  updateTopic,
  type TopicRecord,
} from '../storage/metadata.ts';
import { checkConfigCombination, effectiveConfig, mergeOverrides, type TopicConfig } from './config.ts';
import { AlterTopicRequest, CreateTopicRequest, validateTopicName, type AlterTopicInput, type CreateTopicInput } from './schema.ts';

// The naming rule and the request shapes are schema.ts's; named here too, where they
// have always been imported from.
export { MAX_PARTITIONS, validateKafkaName, validateTopicName } from './schema.ts';
export type { AlterTopicInput, CreateTopicInput };

/** Topic shapes are the API's (lib/core/wire.ts), with configs by their known names. */
export type { PartitionDescription };

export interface TopicSummary extends WireTopicSummary {
  config: TopicConfig;
}

export interface TopicDescription extends WireTopicDescription {
  config: TopicConfig;
}

/** 16 random bytes, base64url: the same shape as Kafka's topic ids. */
const newTopicId = (): string => randomBytes(16).toString('base64url');

const summary = (t: TopicRecord): TopicSummary => ({
  name: t.name,
  topicId: t.topicId,
  partitions: t.partitions,
  config: effectiveConfig(t.config),
});

/**
 * Topic metadata seen by the data path. Appends may use a cached entry because their
 * commit transaction re-checks the topic id and partition count; anything negative
 * (unknown topic, partition out of range) is re-read before it is reported.
 */
export class TopicCatalog {
  private readonly cache = new Map<string, { topic: TopicRecord; until: number }>();

  constructor(
    private readonly clients: TableClients,
    private readonly ttlMs = 5_000,
  ) {}

  /** Creates a topic (a CreateTopicInput, checked against schema.ts). */
  async create(input: CreateTopicInput | unknown): Promise<TopicDescription> {
    const { name, partitions = 1, config = {} } = validate(CreateTopicRequest, input);
    const overrides = mergeOverrides({}, config);
    checkConfigCombination(overrides);
    const topic: TopicRecord = { name, topicId: newTopicId(), partitions, config: overrides, createdAt: Date.now() };
    await putTopic(this.clients, topic);
    this.remember(topic);
    return {
      name,
      topicId: topic.topicId,
      config: effectiveConfig(overrides),
      partitions: Array.from({ length: partitions }, (_, p) => ({
        partition: p, logStartOffset: 0, highWatermark: 0, sizeBytes: 0, segments: 0,
      })),
    };
  }

  async list(): Promise<TopicSummary[]> {
    return (await listTopicRecords(this.clients)).map(summary);
  }

  async describe(name: string): Promise<TopicDescription> {
    const topic = await this.require(name, { fresh: true });
    const heads = await listHeads(this.clients, topic.topicId, topic.partitions);
    return {
      name: topic.name,
      topicId: topic.topicId,
      config: effectiveConfig(topic.config),
      partitions: heads.map((h) => ({
        partition: h.partition,
        logStartOffset: h.logStartOffset,
        highWatermark: h.nextOffset,
        sizeBytes: h.sizeBytes,
        segments: h.segmentCount,
      })),
    };
  }

  /** Changes configs and grows partitions (an AlterTopicInput, checked against schema.ts). */
  async alter(name: string, input: AlterTopicInput | unknown): Promise<TopicDescription> {
    const topic = await this.require(name, { fresh: true });
    const { config: changes = {}, partitions: wanted } = validate(AlterTopicRequest, input);
    let partitions = topic.partitions;
    if (wanted !== undefined) {
      partitions = wanted;
      if (partitions < topic.partitions) {
        throw new InvalidPartitionsError(
          `Topic '${name}' has ${topic.partitions} partitions; the count can only grow.`,
        );
      }
    }
    const updated: TopicRecord = { ...topic, partitions, config: mergeOverrides(topic.config, changes) };
    checkConfigCombination(updated.config);
    await updateTopic(this.clients, updated);
    this.remember(updated);
    return this.describe(name);
  }

  async delete(name: string): Promise<void> {
    validateTopicName(name);
    this.cache.delete(name);
    await deleteTopicRecord(this.clients, name);
  }

  /** The topic, from cache when fresh enough and `fresh` is not asked for. */
  async require(name: string, opts: { fresh?: boolean } = {}): Promise<TopicRecord> {
    validateTopicName(name);
    const hit = this.cache.get(name);
    if (!opts.fresh && hit && hit.until > Date.now()) return hit.topic;
    const topic = await getTopic(this.clients, name);
    if (!topic) {
      this.cache.delete(name);
      throw new UnknownTopicOrPartitionError(`Topic '${name}' does not exist.`);
    }
    this.remember(topic);
    return topic;
  }

  /** The topic and a checked partition number; a miss is confirmed against the table. */
  async requirePartition(name: string, partition: number, opts: { fresh?: boolean } = {}): Promise<TopicRecord> {
    let topic = await this.require(name, opts);
    if (partition >= topic.partitions) topic = await this.require(name, { fresh: true });
    if (!Number.isInteger(partition) || partition < 0 || partition >= topic.partitions) {
      throw new UnknownTopicOrPartitionError(
        `Partition ${partition} of topic '${name}' does not exist (partitions: ${topic.partitions}).`,
      );
    }
    return topic;
  }

  forget(name: string): void {
    this.cache.delete(name);
  }

  private remember(topic: TopicRecord): void {
    this.cache.set(topic.name, { topic, until: Date.now() + this.ttlMs });
  }
}
