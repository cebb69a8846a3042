// Topics: Kafka's naming rules, partition counts, configs, and topic ids. A topic id is
// fresh for every creation, and all data is keyed by it, so a name deleted and created
// again starts empty even while the old data is still being removed.
import { randomBytes } from 'node:crypto';
import {
  InvalidPartitionsError,
  InvalidTopicError,
  UnknownTopicOrPartitionError,
  type SluiceError,
} from '../core/errors.ts';
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
import { checkConfigCombination, effectiveConfig, mergeOverrides, parseConfigOverrides, type TopicConfig } from './config.ts';

export const MAX_PARTITIONS = 10_000;
const MAX_NAME_LENGTH = 249;

/** Topic shapes are the API's (lib/core/wire.ts), with configs by their known names. */
export type { PartitionDescription };

export interface TopicSummary extends WireTopicSummary {
  config: TopicConfig;
}

export interface TopicDescription extends WireTopicDescription {
  config: TopicConfig;
}

export interface CreateTopicInput {
  name: string;
  partitions?: number;
  config?: Record<string, unknown>;
}

export interface AlterTopicInput {
  partitions?: number;
  config?: Record<string, unknown>;
}

/**
 * Kafka's naming rule, shared by topics, groups and subscriptions: 1 to 249 of
 * [a-zA-Z0-9._-], and not "." or "..". `what` names the thing in the message; `Err` is
 * the error the caller reports (INVALID_TOPIC_EXCEPTION, INVALID_GROUP_ID, ...).
 */
export function validateKafkaName(
  name: unknown,
  what: string,
  Err: new (message: string) => SluiceError,
  opts: { allowDots?: boolean } = {},
): string {
  if (typeof name !== 'string' || name.length === 0) throw new Err(`${what} must not be empty.`);
  if (!opts.allowDots && (name === '.' || name === '..')) throw new Err(`${what} cannot be '${name}'.`);
  if (name.length > MAX_NAME_LENGTH) {
    throw new Err(`${what} is ${name.length} characters; the limit is ${MAX_NAME_LENGTH}.`);
  }
  if (!/^[a-zA-Z0-9._-]+$/.test(name)) {
    throw new Err(`${what} '${name}' is illegal: it may contain only ASCII letters, digits, '.', '_' and '-'.`);
  }
  return name;
}

export const validateTopicName = (name: unknown): string => validateKafkaName(name, 'Topic name', InvalidTopicError);

function validatePartitionCount(n: unknown): number {
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 1 || n > MAX_PARTITIONS) {
    throw new InvalidPartitionsError(`Partition count must be an integer from 1 to ${MAX_PARTITIONS}.`);
  }
  return n;
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

  async create(input: CreateTopicInput): Promise<TopicDescription> {
    const name = validateTopicName(input.name);
    const partitions = validatePartitionCount(input.partitions ?? 1);
    const overrides = mergeOverrides({}, parseConfigOverrides(input.config ?? {}));
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

  async alter(name: string, input: AlterTopicInput): Promise<TopicDescription> {
    const topic = await this.require(name, { fresh: true });
    const changes = parseConfigOverrides(input.config ?? {});
    let partitions = topic.partitions;
    if (input.partitions !== undefined) {
      partitions = validatePartitionCount(input.partitions);
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
