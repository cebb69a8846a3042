// The checks of lib/groups' inputs and its limits: every request is checked here before
// anything is read or written (INVALID_REQUEST naming the field, INVALID_GROUP_ID,
// INVALID_SESSION_TIMEOUT, INVALID_TOPIC_EXCEPTION), so a bad or oversized request costs
// nothing but its parsing.
import { InvalidGroupIdError, InvalidRequestError, InvalidSessionTimeoutError } from '../core/errors.ts';
import { validateKafkaName, validateTopicName } from '../log/topics.ts';
import type { OffsetFence, TopicPartitions } from '../storage/groups.ts';
import { MAX_ITEM_BYTES } from '../storage/itemSize.ts';
import { normalize } from './reconcile.ts';
import type { CommitRequest, OffsetCommit, ResetTo } from './types.ts';

export const SESSION_TIMEOUT = { min: 1_000, max: 300_000, default: 45_000 } as const;
export const MAX_HEARTBEAT_INTERVAL_MS = 3_000;
/** Kafka's offset.metadata.max.bytes default. */
export const MAX_OFFSET_METADATA_LENGTH = 4096;
/**
 * Topics one member may subscribe to. A member's topic names are stored in the group
 * item (those of existing topics once more, with their ids and partition counts): 1,000
 * of the longest names (249 bytes) take about 250 KB, most of the item's 400 KB, while
 * 1,000 names of typical length (20-30 bytes) leave room for many members. The count is
 * checked first, so a huge list costs nothing but its parsing; the item-size check
 * below then decides exactly.
 */
export const MAX_TOPICS_PER_MEMBER = 1_000;
/**
 * A join is refused when the group item would pass this size (3/4 of DynamoDB's item
 * limit): the remaining 100 KB is for what grows without a join (partitions added to
 * subscribed topics, partitions listed twice while they move between members).
 */
export const MAX_GROUP_JOIN_BYTES = (MAX_ITEM_BYTES * 3) / 4;
/** How old the topic metadata stored on a group may get before a call reads it again. */
export const TOPIC_METADATA_MAX_AGE_MS = 30_000;

/** Group ids follow Kafka's name rule (Kafka allows "." and ".." as group ids). */
export const validateGroupId = (group: unknown): string =>
  validateKafkaName(group, 'Group id', InvalidGroupIdError, { allowDots: true });

export const heartbeatIntervalMs = (sessionTimeoutMs: number): number =>
  Math.min(MAX_HEARTBEAT_INTERVAL_MS, Math.floor(sessionTimeoutMs / 3));

export const isCount = (n: unknown): n is number => typeof n === 'number' && Number.isSafeInteger(n) && n >= 0;

export function validateSubscription(topics: unknown): string[] {
  if (!Array.isArray(topics) || topics.length === 0) {
    throw new InvalidRequestError('topics must be a non-empty list of topic names.');
  }
  const distinct = [...new Set(topics)];
  if (distinct.length > MAX_TOPICS_PER_MEMBER) {
    throw new InvalidRequestError(
      `A member may subscribe to at most ${MAX_TOPICS_PER_MEMBER} topics; got ${distinct.length}.`,
      { fields: ['topics'], limit: MAX_TOPICS_PER_MEMBER, topics: distinct.length },
    );
  }
  return distinct.map((t) => validateTopicName(t)).sort();
}

export function validateSessionTimeout(ms: unknown): number {
  if (ms === undefined) return SESSION_TIMEOUT.default;
  if (typeof ms !== 'number' || !Number.isInteger(ms) || ms < SESSION_TIMEOUT.min || ms > SESSION_TIMEOUT.max) {
    throw new InvalidSessionTimeoutError(
      `sessionTimeoutMs must be an integer from ${SESSION_TIMEOUT.min} to ${SESSION_TIMEOUT.max}.`,
      { min: SESSION_TIMEOUT.min, max: SESSION_TIMEOUT.max },
    );
  }
  return ms;
}

export function validateMemberId(memberId: unknown): void {
  if (typeof memberId !== 'string' || memberId.length === 0 || memberId.length > 255) {
    throw new InvalidRequestError('memberId must be a non-empty string.');
  }
}

export function validateGeneration(g: unknown): number {
  if (!isCount(g)) throw new InvalidRequestError('generation must be a non-negative integer.');
  return g;
}

export function validatePartitionList(ps: unknown): number[] {
  if (!Array.isArray(ps) || ps.length === 0 || !ps.every(isCount)) {
    throw new InvalidRequestError('partitions must be a non-empty list of partition numbers.');
  }
  return [...new Set(ps)].sort((a, b) => a - b);
}

export function toTopicPartitions(list: unknown, field: string): TopicPartitions {
  if (!Array.isArray(list)) throw new InvalidRequestError(`${field} must be a list of {topic, partitions}.`);
  const out: TopicPartitions = {};
  for (const e of list as { topic?: unknown; partitions?: unknown }[]) {
    if (typeof e?.topic !== 'string' || !Array.isArray(e.partitions) || !e.partitions.every(isCount)) {
      throw new InvalidRequestError(`${field} must be a list of {topic, partitions}.`);
    }
    (out[e.topic] ??= []).push(...(e.partitions as number[]));
  }
  return normalize(out);
}

export function commitFence(req: CommitRequest): OffsetFence {
  if (req.memberId === undefined) {
    if (req.generation !== undefined) throw new InvalidRequestError('generation is only meaningful with memberId.');
    return { empty: true };
  }
  validateMemberId(req.memberId);
  if (req.generation === undefined) throw new InvalidRequestError('A commit with memberId needs its generation.');
  return { memberId: req.memberId, epoch: validateGeneration(req.generation) };
}

export function validateOffsets(offsets: unknown): OffsetCommit[] {
  if (!Array.isArray(offsets)) throw new InvalidRequestError('offsets must be a list.');
  const seen = new Set<string>();
  return offsets.map((entry: Partial<OffsetCommit> | null) => {
    const o = entry ?? {};
    const topic = validateTopicName(o.topic);
    if (!isCount(o.partition)) throw new InvalidRequestError('partition must be a non-negative integer.');
    if (!isCount(o.offset)) throw new InvalidRequestError('offset must be a non-negative integer.');
    if (o.metadata !== undefined && (typeof o.metadata !== 'string' || o.metadata.length > MAX_OFFSET_METADATA_LENGTH)) {
      throw new InvalidRequestError(`metadata must be a string of at most ${MAX_OFFSET_METADATA_LENGTH} characters.`);
    }
    const key = `${topic}#${o.partition}`;
    if (seen.has(key)) throw new InvalidRequestError(`Partition ${o.partition} of '${topic}' appears twice.`);
    seen.add(key);
    return { topic, partition: o.partition, offset: o.offset, ...(o.metadata !== undefined ? { metadata: o.metadata } : {}) };
  });
}

export function validateResetTo(to: unknown): ResetTo {
  const keys = to && typeof to === 'object' ? Object.keys(to) : [];
  const bad = () =>
    new InvalidRequestError('to must be exactly one of {earliest: true}, {latest: true}, {datetime: ms}, {offset: n}, {shiftBy: n}.');
  if (keys.length !== 1) throw bad();
  const [key] = keys as [string];
  const v = (to as Record<string, unknown>)[key];
  switch (key) {
    case 'earliest':
    case 'latest':
      if (v !== true) throw bad();
      return { [key]: true } as ResetTo;
    case 'datetime':
    case 'offset':
      if (!isCount(v)) throw bad();
      return { [key]: v } as ResetTo;
    case 'shiftBy':
      if (typeof v !== 'number' || !Number.isSafeInteger(v)) throw bad();
      return { shiftBy: v };
    default:
      throw bad();
  }
}

