// Consumer groups: membership with sessions, server-side balanced and sticky assignment
// with KIP-848-style reconciliation (see reconcile.ts for the protocol), fenced offset
// commits, lag, and the admin operations (describe, list, delete, reset offsets). This is
// the surface the HTTP API and the CLI use; nothing here knows about HTTP.
//
// Storage (lib/storage/groups.ts): one group item changed only by optimistic conditional
// writes (read consistent -> compute -> Put IF version = read; on a lost race, jittered
// backoff and recompute, bounded; REQUEST_TIMED_OUT (retriable) when exhausted), and one
// item per committed offset, written in a transaction with a ConditionCheck on the
// committing member's ownership entries in the group item.
//
// Choices (Kafka leaves some open or does them differently):
//   * Subscribing to a topic that does not exist is allowed (as in Kafka); it is not
//     assigned until it exists.
//   * Topic metadata (ids, partition counts) is kept on the group item, not read per
//     heartbeat: a join looks up the joiner's topics the group does not know yet, and
//     every subscribed topic is looked up again (BatchGetItem, 100 per call) by the first
//     join, heartbeat or leave that finds the stored counts older than
//     TOPIC_METADATA_MAX_AGE_MS. Targets are recomputed only when members or topics
//     changed. So a plain heartbeat costs one GetItem and at most one write whatever the
//     number of topics, and new partitions, created or deleted topics reach the
//     assignment within 30 s (Kafka's consumers notice them only at their metadata
//     refresh, metadata.max.age.ms, 5 minutes by default).
//   * Bounds (Kafka has none, but one group is one DynamoDB item of at most 400 KB): at
//     most MAX_TOPICS_PER_MEMBER topics per member (INVALID_REQUEST), and a join must
//     leave the group item within MAX_GROUP_JOIN_BYTES (GROUP_MAX_SIZE_REACHED); both
//     are checked before anything is written. The rest of the item limit is headroom for
//     what changes without a join (partitions added to subscribed topics, partitions
//     listed twice while they move); a write that would still pass 400 KB is refused
//     with the same GROUP_MAX_SIZE_REACHED instead of failing in DynamoDB.
//   * Heartbeat with a generation lower than the member's epoch: not an error; it gets the
//     current generation and assignment and confirms nothing (KIP-848 style). Higher than
//     the epoch (never handed out): ILLEGAL_GENERATION.
//   * Expired members are removed by the first join, heartbeat, leave, commit, describe,
//     delete or reset that sees them. fetchOffsets and list only read (they ignore
//     expired members without writing).
//   * Leave of a member that is still present (even if expired) succeeds; of an unknown
//     one: UNKNOWN_MEMBER_ID.
//   * Commit fencing, all 409 and nothing written: unknown or expired member ->
//     UNKNOWN_MEMBER_ID; generation != member epoch -> ILLEGAL_GENERATION (reason
//     STALE_GENERATION); a partition the member does not own at that generation ->
//     ILLEGAL_GENERATION (reason NOT_ASSIGNED: the client's view of its assignment is
//     not the generation's, so it must heartbeat); no memberId while the group has
//     members -> NON_EMPTY_GROUP.
//   * Committed offsets never move backwards except by resetOffsets: a commit below the
//     stored offset succeeds but keeps the stored one, and the response reports the
//     offset in effect (at-least-once retries stay harmless).
//   * A commit above the high watermark -> 416 OFFSET_OUT_OF_RANGE; below the log start
//     is accepted (the consumer's next fetch reports the range). Unknown topic or
//     partition -> 404. More than 99 offsets are written in several transactions, each
//     fenced on its own.
//   * Lag = highWatermark - committed offset (never negative). Partitions of subscribed
//     topics without a commit are listed with offset null and lag = highWatermark -
//     logStartOffset (everything still in the log is unconsumed by the group).
import { randomUUID } from 'node:crypto';
import {
  GroupIdNotFoundError,
  GroupMaxSizeReachedError,
  OffsetOutOfRangeError,
  RequestTimedOutError,
  UnknownMemberIdError,
  UnknownTopicOrPartitionError,
  IllegalGenerationError,
  type SluiceError,
} from '../core/errors.ts';
import { fullJitter, sleep } from '../core/time.ts';
import type { Log } from '../log/index.ts';
import { validateTopicName } from '../log/topics.ts';
import type { StorageClients } from '../storage/clients.ts';
import {
  deleteGroupItem,
  deleteOffsets,
  fenceError,
  groupItemBytes,
  readGroup,
  readOffsets,
  scanGroups,
  touchMember,
  writeGroup,
  writeOffsets,
  type GroupRecord,
  type MemberRecord,
  type OffsetWrite,
  type StoredOffset,
  type TopicInfo,
  type TopicPartitions,
} from '../storage/groups.ts';
import { MAX_ITEM_BYTES } from '../storage/itemSize.ts';
import { getHead, getTopics, listHeads, type PartitionHead, type TopicRecord } from '../storage/metadata.ts';
import {
  confirmRevocations,
  expireMembers,
  groupState,
  isExpired,
  mergeTopics,
  newGroup,
  newMember,
  normalize,
  reconcileMember,
  retarget,
  structure,
  subscribedTopics,
} from './reconcile.ts';
import type {
  CommitRequest,
  CommittedOffset,
  GroupDescription,
  GroupsOptions,
  GroupSummary,
  HeartbeatOptions,
  JoinOptions,
  MemberAssignment,
  OffsetLag,
  ResetOffsetsRequest,
  TopicAssignment,
} from './types.ts';
import {
  commitFence,
  heartbeatIntervalMs,
  MAX_GROUP_JOIN_BYTES,
  TOPIC_METADATA_MAX_AGE_MS,
  toTopicPartitions,
  validateGeneration,
  validateGroupId,
  validateMemberId,
  validateOffsets,
  validatePartitionList,
  validateResetTo,
  validateSessionTimeout,
  validateSubscription,
} from './validation.ts';

export { assignPartitions, type AssignorInput, type AssignorMember } from './assignor.ts';
export type { GroupState } from './reconcile.ts';
export type { TopicPartitions } from '../storage/groups.ts';
export type * from './types.ts';
export {
  heartbeatIntervalMs,
  MAX_GROUP_JOIN_BYTES,
  MAX_HEARTBEAT_INTERVAL_MS,
  MAX_OFFSET_METADATA_LENGTH,
  MAX_TOPICS_PER_MEMBER,
  SESSION_TIMEOUT,
  TOPIC_METADATA_MAX_AGE_MS,
  validateGroupId,
} from './validation.ts';

/** What one attempt of an update decided. */
interface Step<T> {
  /** Result (or error) once the write, if any, succeeded. */
  result?: T;
  error?: SluiceError;
  /** If only this member's lease changed, update just that (see touchMember); `ifLease`: only if it still is that. */
  touch?: { memberId: string; epoch: number; expiresAt: number; ifLease?: number };
}

type TopicLookup = (names: readonly string[]) => Promise<Map<string, TopicInfo | undefined>>;

export class Groups {
  private readonly now: () => number;
  private readonly maxAttempts: number;
  private readonly backoffCapMs: number;
  private readonly onChange: GroupsOptions['onChange'];

  constructor(
    readonly clients: StorageClients,
    readonly log: Log,
    opts: GroupsOptions = {},
  ) {
    this.now = opts.now ?? Date.now;
    this.maxAttempts = opts.maxAttempts ?? 40;
    this.backoffCapMs = opts.backoffCapMs ?? 200;
    this.onChange = opts.onChange;
  }

  // ---- membership -------------------------------------------------------------------------

  async join(group: string, opts: JoinOptions): Promise<MemberAssignment> {
    validateGroupId(group);
    const topics = validateSubscription(opts.topics);
    const sessionTimeoutMs = validateSessionTimeout(opts.sessionTimeoutMs);
    const memberId = randomUUID();
    return this.update(group, async (rec, now, lookup) => {
      rec ??= newGroup(group, now);
      expireMembers(rec, now);
      rec.members[memberId] = newMember(memberId, topics, sessionTimeoutMs, now);
      await this.refreshTopics(rec, now, lookup, topics);
      retarget(rec);
      if (!reconcileMember(rec, memberId)) rec.members[memberId]!.epoch = ++rec.generation;
      const bytes = groupItemBytes(rec, now);
      if (bytes > MAX_GROUP_JOIN_BYTES) return { rec: undefined, step: { error: groupTooLarge(group, bytes, MAX_GROUP_JOIN_BYTES) } };
      return { rec, step: { result: assignmentOf(rec.members[memberId]!) } };
    }, memberId);
  }

  async heartbeat(group: string, memberId: string, opts: HeartbeatOptions): Promise<MemberAssignment> {
    validateGroupId(group);
    validateMemberId(memberId);
    const generation = validateGeneration(opts.generation);
    const owned = opts.owned === undefined ? undefined : toTopicPartitions(opts.owned, 'owned');
    return this.update(group, async (rec, now, lookup) => {
      if (!rec) return { rec, step: { error: unknownMember(memberId) } };
      // Targets change only with the members or the topics: recompute them only then (the
      // assignor's cost grows with the partitions; a plain heartbeat need not pay it).
      const expired = expireMembers(rec, now).length > 0;
      if ((await this.refreshTopics(rec, now, lookup)) || expired) retarget(rec);
      const m = rec.members[memberId];
      if (!m) return { rec, step: { error: unknownMember(memberId) } };
      if (generation > m.epoch) {
        return {
          rec,
          step: {
            error: new IllegalGenerationError(
              `Generation ${generation} was never given to member '${memberId}'; its generation is ${m.epoch}.`,
              { memberId, generation: m.epoch },
            ),
          },
        };
      }
      m.expiresAt = Math.max(now + m.sessionTimeoutMs, opts.leaseUntil ?? 0);
      if (generation === m.epoch) confirmRevocations(m, owned);
      reconcileMember(rec, memberId);
      return {
        rec,
        step: { result: assignmentOf(m), touch: { memberId, epoch: m.epoch, expiresAt: m.expiresAt } },
      };
    }, memberId);
  }

  /**
   * Ends what a push hold gave a member (lib/push/sessions.ts): its session then lasts at
   * most its session timeout from now, as after its last heartbeat, unless a later hold
   * or heartbeat already set another lease (`heldUntil` is the lease the hold set; a
   * lease past it was set since). Returns the member's new expiry, or undefined when
   * nothing changed (gone, or held again).
   */
  async release(group: string, memberId: string, heldUntil: number): Promise<number | undefined> {
    validateGroupId(group);
    validateMemberId(memberId);
    return this.update(group, async (rec, now) => {
      const m = rec?.members[memberId];
      if (!m || m.expiresAt > heldUntil || m.expiresAt <= now + m.sessionTimeoutMs) return { rec, step: { result: undefined } };
      const lease = m.expiresAt;
      m.expiresAt = now + m.sessionTimeoutMs;
      return { rec, step: { result: m.expiresAt, touch: { memberId, epoch: m.epoch, expiresAt: m.expiresAt, ifLease: lease } } };
    });
  }

  async leave(group: string, memberId: string): Promise<void> {
    validateGroupId(group);
    validateMemberId(memberId);
    await this.update(group, async (rec, now, lookup) => {
      if (!rec?.members[memberId]) return { rec, step: { error: unknownMember(memberId) } };
      delete rec.members[memberId];
      expireMembers(rec, now);
      await this.refreshTopics(rec, now, lookup);
      retarget(rec);
      return { rec, step: { result: undefined } };
    }, memberId);
  }

  // ---- offsets -------------------------------------------------------------------------------

  async commit(group: string, req: CommitRequest): Promise<{ offsets: CommittedOffset[] }> {
    validateGroupId(group);
    const fence = commitFence(req);
    const offsets = validateOffsets(req.offsets);
    const topics = await this.requireTopics(offsets.map((o) => o.topic));
    for (const o of offsets) requirePartition(topics.get(o.topic)!, o.partition);

    const rec = await this.removeExpired(group);
    const denied = fenceError(rec, fence, offsets);
    if (denied) throw denied;
    if (offsets.length === 0) return { offsets: [] };

    const heads = await Promise.all(offsets.map((o) => getHead(this.clients, topics.get(o.topic)!.topicId, o.partition)));
    offsets.forEach((o, i) => {
      const head = heads[i]!;
      if (o.offset > head.nextOffset) {
        throw new OffsetOutOfRangeError(
          `Offset ${o.offset} is beyond the high watermark ${head.nextOffset} of partition ${o.partition} of '${o.topic}'.`,
          { topic: o.topic, partition: o.partition, logStartOffset: head.logStartOffset, highWatermark: head.nextOffset },
        );
      }
    });
    const writes: OffsetWrite[] = offsets.map((o) => ({
      topic: o.topic,
      topicId: topics.get(o.topic)!.topicId,
      partition: o.partition,
      offset: o.offset,
      metadata: o.metadata ?? '',
    }));
    const stored = await writeOffsets(this.clients, group, fence, writes, this.writeOpts());
    return { offsets: stored.map(committed) };
  }

  async fetchOffsets(group: string): Promise<{ offsets: OffsetLag[] }> {
    validateGroupId(group);
    const rec = await readGroup(this.clients, group);
    const now = this.now();
    const live = rec ? Object.values(rec.members).filter((m) => !isExpired(m, now)) : [];
    return { offsets: await this.offsetsWithLag(group, live) };
  }

  /**
   * Sets committed offsets of one topic while the group has no members (else
   * NON_EMPTY_GROUP), like kafka-consumer-groups --reset-offsets: the target is clamped
   * into [logStartOffset, highWatermark]. shiftBy starts from the committed offset, or
   * from the log start for a partition without one. Offsets may move backwards here.
   */
  async resetOffsets(group: string, req: ResetOffsetsRequest): Promise<{ offsets: CommittedOffset[] }> {
    validateGroupId(group);
    const to = validateResetTo(req.to);
    const topic = (await this.requireTopics([validateTopicName(req.topic)])).get(req.topic)!;
    const partitions =
      req.partitions === undefined
        ? Array.from({ length: topic.partitions }, (_, p) => p)
        : validatePartitionList(req.partitions);
    for (const p of partitions) requirePartition(topic, p);

    const rec = await this.removeExpired(group);
    const denied = fenceError(rec, { empty: true }, []);
    if (denied) throw denied;

    const stored = new Map(
      (await readOffsets(this.clients, group))
        .filter((o) => o.topic === topic.name && o.topicId === topic.topicId)
        .map((o) => [o.partition, o]),
    );
    const heads = await Promise.all(partitions.map((p) => getHead(this.clients, topic.topicId, p)));
    const writes: OffsetWrite[] = await Promise.all(
      partitions.map(async (p, i) => {
        const head = heads[i]!;
        let offset: number;
        if ('earliest' in to) offset = head.logStartOffset;
        else if ('latest' in to) offset = head.nextOffset;
        else if ('datetime' in to) offset = await this.log.listOffsets(topic.name, p, to.datetime);
        else if ('offset' in to) offset = to.offset;
        else offset = (stored.get(p)?.offset ?? head.logStartOffset) + to.shiftBy;
        offset = Math.min(head.nextOffset, Math.max(head.logStartOffset, offset));
        return { topic: topic.name, topicId: topic.topicId, partition: p, offset, metadata: stored.get(p)?.metadata ?? '' };
      }),
    );
    const written = await writeOffsets(this.clients, group, { empty: true }, writes, {
      ...this.writeOpts(),
      allowBackwards: true,
    });
    return { offsets: written.map(committed) };
  }

  // ---- administration ------------------------------------------------------------------------

  async list(): Promise<GroupSummary[]> {
    const now = this.now();
    return (await scanGroups(this.clients)).map((g) => {
      const live = g.record ? Object.values(g.record.members).filter((m) => !isExpired(m, now)) : [];
      return { group: g.groupId, state: groupState(live), members: live.length, generation: g.record?.generation ?? 0 };
    });
  }

  async describe(group: string): Promise<GroupDescription> {
    validateGroupId(group);
    const rec = await this.removeExpired(group);
    const members = rec ? Object.values(rec.members).sort((a, b) => a.joinedAt - b.joinedAt || (a.memberId < b.memberId ? -1 : 1)) : [];
    const offsets = await this.offsetsWithLag(group, members);
    if (!rec && offsets.length === 0) throw groupNotFound(group);
    return {
      group,
      state: groupState(members),
      generation: rec?.generation ?? 0,
      members: members.map((m) => ({
        memberId: m.memberId,
        topics: [...m.topics],
        generation: m.epoch,
        assignment: toList(m.assigned),
        revoking: toList(m.revoking),
        target: toList(m.target),
        sessionTimeoutMs: m.sessionTimeoutMs,
        expiresAt: m.expiresAt,
        joinedAt: m.joinedAt,
      })),
      offsets,
    };
  }

  /** Deletes the group and its offsets: GROUP_ID_NOT_FOUND if unknown, NON_EMPTY_GROUP if it has members. */
  async delete(group: string): Promise<void> {
    validateGroupId(group);
    for (let attempt = 0; attempt < this.maxAttempts; attempt++) {
      if (attempt > 0) await this.backoff(attempt);
      const rec = await this.removeExpired(group);
      const offsets = await readOffsets(this.clients, group);
      if (!rec && offsets.length === 0) throw groupNotFound(group);
      const denied = fenceError(rec, { empty: true }, []);
      if (denied) throw denied;
      if (rec && !(await deleteGroupItem(this.clients, group, rec.version))) continue;
      await deleteOffsets(this.clients, group, offsets);
      return;
    }
    throw this.exhausted(group);
  }

  // ---- internals -----------------------------------------------------------------------------

  /**
   * The optimistic loop: read the group item consistently, let `fn` change it, write it
   * back conditioned on the version read. A change of structure is a full write; a
   * change of one lease only is a touch; no change, no write. Retries with jittered
   * backoff on a lost race; errors decided by `fn` are thrown after its write (e.g. the
   * removal of expired members) succeeded.
   */
  private async update<T>(
    group: string,
    fn: (rec: GroupRecord | undefined, now: number, lookup: TopicLookup) => Promise<{ rec: GroupRecord | undefined; step: Step<T> }>,
    origin?: string,
  ): Promise<T> {
    const known = new Map<string, TopicInfo | undefined>();
    const lookup: TopicLookup = async (names) => {
      const missing = names.filter((n) => !known.has(n));
      for (const [n, t] of await getTopics(this.clients, missing)) {
        known.set(n, t ? { topicId: t.topicId, partitions: t.partitions } : undefined);
      }
      return new Map(names.map((n) => [n, known.get(n)]));
    };
    for (let attempt = 0; attempt < this.maxAttempts; attempt++) {
      if (attempt > 0) await this.backoff(attempt);
      const read = await readGroup(this.clients, group);
      const before = structure(read);
      const { rec, step } = await fn(read, this.now(), lookup);
      if (rec && structure(rec) !== before) {
        const bytes = groupItemBytes(rec, this.now());
        if (bytes > MAX_ITEM_BYTES) throw groupTooLarge(group, bytes, MAX_ITEM_BYTES);
        if (!(await writeGroup(this.clients, rec, this.now()))) continue;
        rec.version++;
        await this.onChange?.(group, origin);
      } else if (rec && step.touch && !step.error) {
        const t = step.touch;
        if (!(await touchMember(this.clients, group, t.memberId, t.epoch, t.expiresAt, t.ifLease))) continue;
        rec.version++;
      }
      if (step.error) throw step.error;
      return step.result as T;
    }
    throw this.exhausted(group);
  }

  /**
   * Brings the record's topic metadata up to date for a change of membership or
   * assignment: every subscribed topic once the stored metadata is older than
   * TOPIC_METADATA_MAX_AGE_MS, else only `joining` topics the group does not know (a
   * joiner's); topics nobody subscribes to any more drop out either way. True when it
   * read the topics table.
   */
  private async refreshTopics(rec: GroupRecord, now: number, lookup: TopicLookup, joining: readonly string[] = []): Promise<boolean> {
    const stale = now - rec.topicsCheckedAt >= TOPIC_METADATA_MAX_AGE_MS;
    const names = stale ? subscribedTopics(rec) : joining.filter((t) => !(t in rec.topics));
    mergeTopics(rec, names.length > 0 ? await lookup(names) : new Map());
    if (stale) rec.topicsCheckedAt = now;
    return names.length > 0;
  }

  /** The group with expired members removed (written back if there were any). */
  private removeExpired(group: string): Promise<GroupRecord | undefined> {
    return this.update(group, async (rec, now, lookup) => {
      if (rec && expireMembers(rec, now).length > 0) {
        await this.refreshTopics(rec, now, lookup);
        retarget(rec);
      }
      return { rec, step: { result: rec } };
    });
  }

  private async requireTopics(names: readonly string[]): Promise<Map<string, TopicRecord>> {
    const found = await getTopics(this.clients, names);
    return new Map(
      [...found].map(([n, t]) => {
        if (!t) throw new UnknownTopicOrPartitionError(`Topic '${n}' does not exist.`);
        return [n, t];
      }),
    );
  }

  /** Committed offsets and lag: partitions of subscribed topics and of topics with commits. */
  private async offsetsWithLag(group: string, members: readonly MemberRecord[]): Promise<OffsetLag[]> {
    const stored = await readOffsets(this.clients, group);
    const names = [...new Set([...members.flatMap((m) => m.topics), ...stored.map((o) => o.topic)])].sort();
    const rows: OffsetLag[] = [];
    const topics = await getTopics(this.clients, names);
    await Promise.all(
      names.map(async (name) => {
        const mine = stored.filter((o) => o.topic === name);
        const topic = topics.get(name);
        if (!topic) {
          for (const o of mine) {
            rows.push({ topic: name, partition: o.partition, offset: o.offset, metadata: o.metadata, lag: null, logStartOffset: null, highWatermark: null });
          }
          return;
        }
        const heads: PartitionHead[] = await listHeads(this.clients, topic.topicId, topic.partitions);
        const byPartition = new Map(mine.filter((o) => o.topicId === topic.topicId).map((o) => [o.partition, o]));
        for (const h of heads) {
          const o = byPartition.get(h.partition);
          rows.push({
            topic: name,
            partition: h.partition,
            offset: o ? o.offset : null,
            metadata: o ? o.metadata : null,
            lag: Math.max(0, h.nextOffset - (o ? o.offset : h.logStartOffset)),
            logStartOffset: h.logStartOffset,
            highWatermark: h.nextOffset,
          });
        }
      }),
    );
    return rows.sort((a, b) => (a.topic === b.topic ? a.partition - b.partition : a.topic < b.topic ? -1 : 1));
  }

  private writeOpts() {
    return { now: this.now(), maxAttempts: this.maxAttempts, backoffCapMs: this.backoffCapMs };
  }

  private backoff(attempt: number): Promise<void> {
    return sleep(fullJitter(attempt, { baseMs: 5, maxMs: this.backoffCapMs }));
  }

  private exhausted(group: string): SluiceError {
    return new RequestTimedOutError(`Group '${group}' is too contended; try again.`, {
      dependency: 'dynamodb',
      retryAfterSeconds: 1,
    });
  }
}

// ---- helpers -------------------------------------------------------------------------------------

function toList(tps: TopicPartitions): TopicAssignment[] {
  return Object.entries(normalize(tps)).map(([topic, partitions]) => ({ topic, partitions }));
}

function assignmentOf(m: MemberRecord): MemberAssignment {
  return {
    memberId: m.memberId,
    generation: m.epoch,
    assignment: toList(m.assigned),
    heartbeatIntervalMs: heartbeatIntervalMs(m.sessionTimeoutMs),
  };
}

const committed = (o: StoredOffset | OffsetWrite): CommittedOffset => ({
  topic: o.topic,
  partition: o.partition,
  offset: o.offset,
  metadata: o.metadata,
});

const unknownMember = (memberId: string) =>
  new UnknownMemberIdError(`Member '${memberId}' is not a member of the group (it left, or its session expired).`, {
    memberId,
  });

const groupTooLarge = (group: string, bytes: number, limit: number) =>
  new GroupMaxSizeReachedError(
    `Group '${group}' cannot take this: its state would take ${bytes} bytes, over the limit of ${limit} bytes ` +
      '(a group is one DynamoDB item of at most 400 KB, filled by members times their topics, and the partitions ' +
      'they own). Subscribe each member to fewer topics, or spread the consumers over several groups.',
    { group, limit, bytes },
  );

const groupNotFound = (group: string) => new GroupIdNotFoundError(`Group '${group}' does not exist.`, { group });

function requirePartition(topic: TopicRecord, partition: number): void {
  if (partition >= topic.partitions) {
    throw new UnknownTopicOrPartitionError(
      `Partition ${partition} of topic '${topic.name}' does not exist (partitions: ${topic.partitions}).`,
    );
  }
}

