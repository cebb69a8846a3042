// Committed offsets: fenced commits, the offsets with their lag, and the admin reset.
//
// Choices:
//   * Commit fencing, all 409 and nothing written: unknown or expired member ->
//     UNKNOWN_MEMBER_ID; generation != member epoch -> ILLEGAL_GENERATION (reason
//     STALE_GENERATION); a partition the member does not own at that generation ->
//     ILLEGAL_GENERATION (reason NOT_ASSIGNED: the client's view of its assignment is
//     not the generation's, so it must heartbeat); no memberId while the group has
//     members -> NON_EMPTY_GROUP (fencing.ts).
//   * Committed offsets never move backwards except by resetOffsets: a commit below the
//     stored offset succeeds but keeps the stored one, and the response reports the
//     offset in effect (at-least-once retries stay harmless).
//   * A commit above the high watermark -> 416 OFFSET_OUT_OF_RANGE; below the log start
//     is accepted (the consumer's next fetch reports the range). Unknown topic or
//     partition -> 404. More than 99 offsets are written in several transactions, each
//     fenced on its own (offsetStore.ts).
//   * Lag = highWatermark - committed offset (never negative). Partitions of subscribed
//     topics without a commit are listed with offset null and lag = highWatermark -
//     logStartOffset (everything still in the log is unconsumed by the group).
import { InvalidTxnStateError, OffsetOutOfRangeError } from '../core/errors.ts';
import { validate } from '../core/schema.ts';
import type { Log, TxnParticipant } from '../log/index.ts';
import { getHead, getTopics, listHeads, type TopicRecord } from '../storage/metadata.ts';
import { fenceError, type ExternalFence, type OffsetFence } from './fencing.ts';
import { OFFSETS_PER_TRANSACTION, offsetsParticipant, readOffsets, writeOffsets, type OffsetWrite, type StoredOffset } from './offsetStore.ts';
import { isExpired } from './reconcile.ts';
import { CommitRequest, GroupId, ResetRequest, type ResetTo } from './schema.ts';
import { readGroup, type MemberRecord } from './store.ts';
import type { CommittedOffset, OffsetLag } from './types.ts';
import { requirePartition, type GroupUpdates } from './updates.ts';

/** How a commit is fenced and applied when another protocol's membership keeps the fence. */
export interface CommitFenceOptions {
  /** A fence kept by another membership (the Kafka gateway's classic groups) instead of this group's members. */
  fence?: ExternalFence;
  /** The stored offset may move back (Kafka's OffsetCommit sets what it is given). */
  allowBackwards?: boolean;
}

/** Commits offsets (a CommitOptions request) for a member at its generation, or while the group is empty. */
export async function commit(
  u: GroupUpdates,
  group: string,
  request: unknown,
  opts: CommitFenceOptions = {},
): Promise<{ offsets: CommittedOffset[] }> {
  validate(GroupId, group);
  const req = validate(CommitRequest, request);
  const fence: OffsetFence = opts.fence
    ? { external: opts.fence }
    : req.memberId === undefined
      ? { empty: true }
      : { memberId: req.memberId, epoch: req.generation! };
  const offsets = req.offsets;
  if (offsets.length === 0) {
    const denied = opts.fence ? await opts.fence.explain() : fenceError(await u.removeExpired(group), fence, offsets);
    if (denied) throw denied;
    return { offsets: [] };
  }
  const writes = await checkedWrites(u, group, fence, offsets);
  const stored = await writeOffsets(u.clients, group, fence, writes, { ...u.writeOpts(), allowBackwards: opts.allowBackwards ?? false });
  return { offsets: stored.map(committed) };
}

/**
 * The offsets of a transaction (API.md "Transactions": `offsets` of a one-shot or staged
 * commit) as a participant of lib/log's transaction commit: checked like a commit (the
 * request, the fence, the high watermarks) before anything is uploaded, then fenced again
 * inside the transaction. At most OFFSETS_PER_TRANSACTION offsets.
 */
export async function transactionalOffsets(u: GroupUpdates, group: string, request: unknown, opts: Pick<CommitFenceOptions, 'fence'> = {}): Promise<TxnParticipant> {
  validate(GroupId, group);
  const req = validate(CommitRequest, request);
  if (req.offsets.length > OFFSETS_PER_TRANSACTION) {
    throw new InvalidTxnStateError(`A transaction commits at most ${OFFSETS_PER_TRANSACTION} offsets; this one has ${req.offsets.length}. Nothing was written.`, {
      limit: OFFSETS_PER_TRANSACTION,
    });
  }
  const fence: OffsetFence = opts.fence
    ? { external: opts.fence }
    : req.memberId === undefined
      ? { empty: true }
      : { memberId: req.memberId, epoch: req.generation! };
  const writes = await checkedWrites(u, group, fence, req.offsets);
  return offsetsParticipant(u.clients, group, fence, writes, u.now());
}

/** The offsets as writes, once the topics, the fence and the high watermarks allow them. */
async function checkedWrites(
  u: GroupUpdates,
  group: string,
  fence: OffsetFence,
  offsets: readonly { topic: string; partition: number; offset: number; metadata?: string | null | undefined }[],
): Promise<OffsetWrite[]> {
  const topics = await u.requireTopics(offsets.map((o) => o.topic));
  for (const o of offsets) requirePartition(topics.get(o.topic)!, o.partition);
  const denied = 'external' in fence ? await fence.external.explain() : fenceError(await u.removeExpired(group), fence, offsets);
  if (denied) throw denied;
  const heads = await Promise.all(offsets.map((o) => getHead(u.clients, topics.get(o.topic)!.topicId, o.partition)));
  offsets.forEach((o, i) => {
    const head = heads[i]!;
    if (o.offset > head.nextOffset) {
      throw new OffsetOutOfRangeError(
        `Offset ${o.offset} is beyond the high watermark ${head.nextOffset} of partition ${o.partition} of '${o.topic}'.`,
        { topic: o.topic, partition: o.partition, logStartOffset: head.logStartOffset, highWatermark: head.nextOffset },
      );
    }
  });
  return offsets.map((o) => ({ topic: o.topic, topicId: topics.get(o.topic)!.topicId, partition: o.partition, offset: o.offset, metadata: o.metadata ?? '' }));
}

/** The group's offsets with their lag; reads only (expired members are ignored, not removed). */
export async function fetchOffsets(u: GroupUpdates, group: string): Promise<{ offsets: OffsetLag[] }> {
  validate(GroupId, group);
  const rec = await readGroup(u.clients, group);
  const now = u.now();
  const live = rec ? Object.values(rec.members).filter((m) => !isExpired(m, now)) : [];
  return { offsets: await offsetsWithLag(u, group, live) };
}

/**
 * Sets committed offsets of one topic while the group has no members (else
 * NON_EMPTY_GROUP), like kafka-consumer-groups --reset-offsets: the target is clamped
 * into [logStartOffset, highWatermark]. shiftBy starts from the committed offset, or
 * from the log start for a partition without one. Offsets may move backwards here.
 */
export async function resetOffsets(u: GroupUpdates, log: Log, group: string, request: unknown): Promise<{ offsets: CommittedOffset[] }> {
  validate(GroupId, group);
  const req = validate(ResetRequest, request);
  const topic = (await u.requireTopics([req.topic])).get(req.topic)!;
  const partitions = req.partitions ?? Array.from({ length: topic.partitions }, (_, p) => p);
  for (const p of partitions) requirePartition(topic, p);

  const rec = await u.removeExpired(group);
  const denied = fenceError(rec, { empty: true }, []);
  if (denied) throw denied;

  const stored = new Map(
    (await readOffsets(u.clients, group)).filter((o) => o.topic === topic.name && o.topicId === topic.topicId).map((o) => [o.partition, o]),
  );
  const writes = await Promise.all(partitions.map((p) => resetWrite(u, log, topic, p, req.to, stored.get(p))));
  const written = await writeOffsets(u.clients, group, { empty: true }, writes, { ...u.writeOpts(), allowBackwards: true });
  return { offsets: written.map(committed) };
}

/** Where a reset puts one partition, clamped into its log. */
async function resetWrite(u: GroupUpdates, log: Log, topic: TopicRecord, p: number, to: ResetTo, stored?: StoredOffset): Promise<OffsetWrite> {
  const head = await getHead(u.clients, topic.topicId, p);
  let offset: number;
  if ('earliest' in to) offset = head.logStartOffset;
  else if ('latest' in to) offset = head.nextOffset;
  else if ('datetime' in to) offset = await log.listOffsets(topic.name, p, to.datetime);
  else if ('offset' in to) offset = to.offset;
  else offset = (stored?.offset ?? head.logStartOffset) + to.shiftBy;
  offset = Math.min(head.nextOffset, Math.max(head.logStartOffset, offset));
  return { topic: topic.name, topicId: topic.topicId, partition: p, offset, metadata: stored?.metadata ?? '' };
}

/** Committed offsets and lag: partitions of subscribed topics and of topics with commits. */
export async function offsetsWithLag(u: GroupUpdates, group: string, members: readonly MemberRecord[]): Promise<OffsetLag[]> {
  const stored = await readOffsets(u.clients, group);
  const names = [...new Set([...members.flatMap((m) => m.topics), ...stored.map((o) => o.topic)])].sort();
  const topics = await getTopics(u.clients, names);
  const rows = (
    await Promise.all(names.map((name) => topicLag(u, topics.get(name), stored.filter((o) => o.topic === name), name)))
  ).flat();
  return rows.sort((a, b) => (a.topic === b.topic ? a.partition - b.partition : a.topic < b.topic ? -1 : 1));
}

async function topicLag(u: GroupUpdates, topic: TopicRecord | undefined, mine: StoredOffset[], name: string): Promise<OffsetLag[]> {
  if (!topic) {
    return mine.map((o) => ({ topic: name, partition: o.partition, offset: o.offset, metadata: o.metadata, lag: null, logStartOffset: null, highWatermark: null }));
  }
  const heads = await listHeads(u.clients, topic.topicId, topic.partitions);
  const byPartition = new Map(mine.filter((o) => o.topicId === topic.topicId).map((o) => [o.partition, o]));
  return heads.map((h) => {
    const o = byPartition.get(h.partition);
    return {
      topic: name,
      partition: h.partition,
      offset: o ? o.offset : null,
      metadata: o ? o.metadata : null,
      lag: Math.max(0, h.nextOffset - (o ? o.offset : h.logStartOffset)),
      logStartOffset: h.logStartOffset,
      highWatermark: h.nextOffset,
    };
  });
}

const committed = (o: StoredOffset | OffsetWrite): CommittedOffset => ({
  topic: o.topic,
  partition: o.partition,
  offset: o.offset,
  metadata: o.metadata,
});
