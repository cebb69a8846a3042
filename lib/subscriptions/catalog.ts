// Subscription administration: create, list, describe, delete, dead letters, and the
// binding of subscriptions to topic incarnations.
//
// Starting position. A subscription is bound to a topic id (one incarnation of a topic
// name). At creation on an existing topic it writes a cursor for every partition ever
// written: at its high watermark (`latest`) or its log start (`earliest`). A partition
// without a cursor starts at offset 0, which is right for both: a partition empty at
// creation (or added later by growing the topic) holds only records produced after the
// subscription; should retention remove some of them before delivery, they are
// dead-lettered, not skipped. Cursors are written BEFORE the binding, so the dispatcher
// can never see the subscription without them.
//
// Pending subscriptions. The CDK (`platform.addSubscription`) creates subscriptions at
// deploy time, usually before anyone created the topic. Such a subscription is stored
// unbound ("pending") and is bound when the topic appears: by the dispatcher's sweep, or
// by any read of it through the API. Its topic's whole log is newer than the
// subscription, so it starts at offset 0 whatever its startingPosition. The same
// happens when the topic is deleted and created again: the subscription follows the
// name to the new incarnation, from its start.
import { randomBytes } from 'node:crypto';
import { UnknownSubscriptionError, UnknownTopicOrPartitionError } from '../core/errors.ts';
import type { PartitionPosition, SubscriptionDescription } from '../core/wire.ts';
import { validateTopicName } from '../log/schema.ts';
import type { TableClients } from '../storage/tables.ts';
import { getTopic, listHeads, type PartitionHead, type TopicRecord } from '../storage/metadata.ts';
import { deleteCursors, listDeadLetters, putCursors, readCursors, type CursorState } from './cursorStore.ts';
import { specOf, type DeadLetterRecord, type SubscriptionRecord, type SubscriptionSpec } from './model.ts';
import { parseSubscriptionInput, validateSubscriptionName, type ValidationEnvironment } from './schema.ts';
import {
  bindSubscription,
  deleteSubscriptionRecord,
  getSubscription,
  listSubscriptionRecords,
  putSubscription,
  updateSubscriptionSpec,
} from './store.ts';

export type { PartitionPosition, SubscriptionDescription };

export interface CatalogOptions {
  now?: () => number;
  /** Where targets are validated for (deployed or local). */
  env?: ValidationEnvironment;
}

const newSubscriptionId = (): string => randomBytes(12).toString('base64url');

export class SubscriptionCatalog {
  private readonly now: () => number;

  constructor(
    readonly clients: TableClients,
    private readonly opts: CatalogOptions = {},
  ) {
    this.now = opts.now ?? Date.now;
  }

  /** `POST /v1/topics/{topic}/subscriptions`: the topic must exist (404 otherwise). */
  async create(topicName: string, input: unknown): Promise<SubscriptionDescription> {
    const topic = validateTopicName(topicName);
    const { name, spec } = parseSubscriptionInput(input, this.opts.env);
    const { record, current } = await this.insert(topic, name, spec, false);
    return this.describeRecord(record, current);
  }

  /**
   * Creates the definition; with allowPending, a missing topic leaves it pending (bound
   * later) instead of failing.
   */
  async createRecord(topic: string, name: string, spec: SubscriptionSpec, opts: { allowPending: boolean }): Promise<SubscriptionRecord> {
    return (await this.insert(topic, name, spec, opts.allowPending)).record;
  }

  private async insert(
    topic: string,
    name: string,
    spec: SubscriptionSpec,
    allowPending: boolean,
  ): Promise<{ record: SubscriptionRecord; current: TopicRecord | undefined }> {
    validateTopicName(topic);
    validateSubscriptionName(name);
    const current = await getTopic(this.clients, topic);
    if (!current && !allowPending) throw new UnknownTopicOrPartitionError(`Topic '${topic}' does not exist.`);
    const record: SubscriptionRecord = {
      ...specOf(spec),
      topic,
      name,
      subscriptionId: newSubscriptionId(),
      createdAt: this.now(),
      ...(current ? { topicId: current.topicId } : {}),
    };
    if (current) {
      const heads = await listHeads(this.clients, current.topicId, current.partitions);
      const cursors = heads
        .filter((h) => h.exists)
        .map((h) => ({ partition: h.partition, offset: spec.startingPosition === 'latest' ? h.nextOffset : h.logStartOffset }));
      await putCursors(this.clients, current.topicId, record.subscriptionId, cursors);
    }
    try {
      await putSubscription(this.clients, record);
    } catch (err) {
      if (current) await deleteCursors(this.clients, current.topicId, record.subscriptionId).catch(() => {});
      throw err;
    }
    return { record, current };
  }

  /**
   * Create, or update the spec of the existing subscription of that name (keeping its
   * cursors): what a CloudFormation custom resource does on Create and Update.
   */
  async upsert(topic: string, name: string, spec: SubscriptionSpec): Promise<SubscriptionRecord> {
    for (let attempt = 0; attempt < 5; attempt++) {
      const existing = await getSubscription(this.clients, topic, name);
      if (!existing) {
        try {
          return await this.createRecord(topic, name, spec, { allowPending: true });
        } catch (err) {
          if ((err as { code?: string }).code === 'SUBSCRIPTION_ALREADY_EXISTS') continue;
          throw err;
        }
      }
      const updated: SubscriptionRecord = { ...existing, ...specOf(spec) };
      if ((await updateSubscriptionSpec(this.clients, updated)).ok) return updated;
    }
    throw new Error(`Subscription '${name}' of topic '${topic}' kept changing during the update.`);
  }

  async list(topicName: string): Promise<SubscriptionDescription[]> {
    const topic = validateTopicName(topicName);
    const current = await getTopic(this.clients, topic);
    const records = await listSubscriptionRecords(this.clients, topic);
    if (!current && records.length === 0) throw new UnknownTopicOrPartitionError(`Topic '${topic}' does not exist.`);
    const heads = current ? await listHeads(this.clients, current.topicId, current.partitions) : [];
    return Promise.all(records.map(async (r) => this.describeRecord(await this.bound(r, current), current, heads)));
  }

  async describe(topicName: string, name: string): Promise<SubscriptionDescription> {
    const record = await this.require(topicName, name);
    const current = await getTopic(this.clients, record.topic);
    return this.describeRecord(await this.bound(record, current), current);
  }

  async delete(topicName: string, name: string): Promise<void> {
    const topic = validateTopicName(topicName);
    validateSubscriptionName(name);
    const deleted = await deleteSubscriptionRecord(this.clients, topic, name);
    if (deleted.topicId) await deleteCursors(this.clients, deleted.topicId, deleted.subscriptionId).catch(() => {});
  }

  /** Dead letters, most recent first. */
  async deadLetters(topicName: string, name: string, limit = 100): Promise<DeadLetterRecord[]> {
    const record = await this.require(topicName, name);
    return listDeadLetters(this.clients, record.subscriptionId, limit);
  }

  async require(topicName: string, name: string): Promise<SubscriptionRecord> {
    const topic = validateTopicName(topicName);
    validateSubscriptionName(name);
    const record = await getSubscription(this.clients, topic, name);
    if (!record) throw new UnknownSubscriptionError(`Subscription '${name}' of topic '${topic}' does not exist.`, { topic, subscription: name });
    return record;
  }

  /**
   * Binds every subscription whose topic exists under another id than it is bound to
   * (pending ones, and those of a deleted and re-created topic). Returns each record as
   * it is afterwards, with its topic as it is now (undefined: the topic does not exist).
   */
  async bindAll(): Promise<{ record: SubscriptionRecord; topic: TopicRecord | undefined }[]> {
    const records = await listSubscriptionRecords(this.clients);
    const topics = new Map<string, Promise<TopicRecord | undefined>>();
    return Promise.all(
      records.map(async (r) => {
        let t = topics.get(r.topic);
        if (!t) topics.set(r.topic, (t = getTopic(this.clients, r.topic)));
        const topic = await t;
        return { record: await this.bound(r, topic), topic };
      }),
    );
  }

  /** The record bound to the topic's current incarnation, binding it if needed. */
  private async bound(r: SubscriptionRecord, topic: TopicRecord | undefined): Promise<SubscriptionRecord> {
    if (!topic || r.topicId === topic.topicId) return r;
    if ((await bindSubscription(this.clients, r, topic.topicId)).ok) {
      if (r.topicId) await deleteCursors(this.clients, r.topicId, r.subscriptionId).catch(() => {});
      return { ...r, topicId: topic.topicId };
    }
    return (await getSubscription(this.clients, r.topic, r.name)) ?? r;
  }

  private async describeRecord(r: SubscriptionRecord, topic?: TopicRecord, heads?: PartitionHead[]): Promise<SubscriptionDescription> {
    const active = Boolean(topic && r.topicId === topic.topicId);
    let partitions: PartitionPosition[] = [];
    if (active && topic) {
      const [hs, cursors] = await Promise.all([
        heads && heads.length === topic.partitions ? heads : listHeads(this.clients, topic.topicId, topic.partitions),
        readCursors(this.clients, topic.topicId, r.subscriptionId),
      ]);
      partitions = hs.map((h) => position(h, cursors.get(h.partition)));
    }
    return {
      topic: r.topic,
      name: r.name,
      subscriptionId: r.subscriptionId,
      status: active ? 'active' : 'pending',
      topicId: active ? r.topicId! : null,
      createdAt: r.createdAt,
      ...specOf(r),
      lag: partitions.reduce((s, p) => s + p.lag, 0),
      delivered: partitions.reduce((s, p) => s + p.delivered, 0),
      deadLettered: partitions.reduce((s, p) => s + p.deadLettered, 0),
      partitions,
    };
  }
}

function position(h: PartitionHead, c: CursorState | undefined): PartitionPosition {
  const at = Math.max(c?.offset ?? 0, h.logStartOffset);
  return {
    partition: h.partition,
    position: c?.offset ?? 0,
    highWatermark: h.nextOffset,
    lag: Math.max(0, h.nextOffset - at),
    delivered: c?.delivered ?? 0,
    deadLettered: c?.deadLettered ?? 0,
    ...(c && c.attempts > 0 ? { attempts: c.attempts } : {}),
    ...(c?.retryAt !== undefined && c.attempts > 0 ? { retryAt: c.retryAt } : {}),
    ...(c?.lastError ? { lastError: c.lastError } : {}),
  };
}
