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
//     assigned until it exists. New partitions are picked up at the next join, heartbeat,
//     leave or expiry that recomputes the targets (every heartbeat re-reads the counts).
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
  InvalidGroupIdError,
  InvalidRequestError,
  InvalidSessionTimeoutError,
  OffsetOutOfRangeError,
  RequestTimedOutError,
  UnknownMemberIdError,
  UnknownTopicOrPartitionError,
  IllegalGenerationError,
  type SluiceError,
} from '../core/errors.ts';
import type { Log } from '../log/index.ts';
import { validateKafkaName, validateTopicName } from '../log/topics.ts';
import type { StorageClients } from '../storage/clients.ts';
import {
  deleteGroupItem,
  deleteOffsets,
  fenceError,
  readGroup,
  readOffsets,
  scanGroups,
  touchMember,
  writeGroup,
  writeOffsets,
  type GroupRecord,
  type MemberRecord,
  type ExternalFence,
  type OffsetFence,
  type OffsetWrite,
  type StoredOffset,
  type TopicInfo,
  type TopicPartitions,
} from '../storage/groups.ts';
import { getHead, getTopic, listHeads, type PartitionHead, type TopicRecord } from '../storage/metadata.ts';
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
  type GroupState,
} from './reconcile.ts';

export { assignPartitions, type AssignorInput, type AssignorMember } from './assignor.ts';
export type { GroupState } from './reconcile.ts';
export type { ExternalFence, TopicPartitions } from '../storage/groups.ts';

export const SESSION_TIMEOUT = { min: 1_000, max: 300_000, default: 45_000 } as const;
export const MAX_HEARTBEAT_INTERVAL_MS = 3_000;
/** Kafka's offset.metadata.max.bytes default. */
export const MAX_OFFSET_METADATA_LENGTH = 4096;

export interface TopicAssignment {
  topic: string;
  partitions: number[];
}

export interface JoinOptions {
  topics: string[];
  /** A member id the client chose (KIP-1082); default: a fresh UUID. */
  memberId?: string;
  /** 1000..300000, default 45000. */
  sessionTimeoutMs?: number;
}

export interface HeartbeatOptions {
  /** The generation of the last response the member received. */
  generation: number;
  /** Partitions the member still consumes; revoked ones listed here stay unconfirmed. */
  owned?: TopicAssignment[];
}

export interface MemberAssignment {
  memberId: string;
  /** The member epoch; send it with heartbeats and commits. */
  generation: number;
  /** What the member may consume now. */
  assignment: TopicAssignment[];
  heartbeatIntervalMs: number;
}

export interface OffsetCommit {
  topic: string;
  partition: number;
  /** The next offset to read. */
  offset: number;
  metadata?: string;
}

export interface CommitRequest {
  memberId?: string;
  generation?: number;
  offsets: OffsetCommit[];
}

export interface CommittedOffset {
  topic: string;
  partition: number;
  /** The offset in effect after the commit (a lower commit keeps the stored one). */
  offset: number;
  metadata: string;
}

export interface OffsetLag {
  topic: string;
  partition: number;
  /** Committed offset; null when the group has not committed this partition. */
  offset: number | null;
  metadata: string | null;
  /** null only when the topic no longer exists. */
  lag: number | null;
  logStartOffset: number | null;
  highWatermark: number | null;
}

export interface GroupSummary {
  group: string;
  state: GroupState;
  /** Members whose session has not expired. */
  members: number;
  generation: number;
}

export interface MemberDescription {
  memberId: string;
  topics: string[];
  generation: number;
  /** What it may consume now. */
  assignment: TopicAssignment[];
  /** Told to give up, not yet confirmed. */
  revoking: TopicAssignment[];
  /** Where reconciliation is taking it. */
  target: TopicAssignment[];
  sessionTimeoutMs: number;
  expiresAt: number;
  joinedAt: number;
}

export interface GroupDescription {
  group: string;
  state: GroupState;
  generation: number;
  members: MemberDescription[];
  offsets: OffsetLag[];
}

export type ResetTo =
  | { earliest: true }
  | { latest: true }
  | { datetime: number }
  | { offset: number }
  | { shiftBy: number };

export interface ResetOffsetsRequest {
  topic: string;
  to: ResetTo;
  /** Default: every partition of the topic. */
  partitions?: number[];
}

export interface GroupsOptions {
  /** Clock for sessions (epoch ms). */
  now?: () => number;
  /** Attempts at a conditional write before giving up with a retriable error. */
  maxAttempts?: number;
  /** Backoff ceiling in ms; each wait is uniform in [0, min(cap, 5 * 2^attempt)]. */
  backoffCapMs?: number;
}

/** Group ids follow Kafka's name rule (Kafka allows "." and ".." as group ids). */
export const validateGroupId = (group: unknown): string =>
  validateKafkaName(group, 'Group id', InvalidGroupIdError, { allowDots: true });

export const heartbeatIntervalMs = (sessionTimeoutMs: number): number =>
  Math.min(MAX_HEARTBEAT_INTERVAL_MS, Math.floor(sessionTimeoutMs / 3));

/** What one attempt of an update decided. */
interface Step<T> {
  /** Result (or error) once the write, if any, succeeded. */
  result?: T;
  error?: SluiceError;
  /** If only this member's lease changed, update just that (see touchMember). */
  touch?: { memberId: string; epoch: number; expiresAt: number };
}

type TopicLookup = (names: readonly string[]) => Promise<Map<string, TopicInfo | undefined>>;

export class Groups {
  private readonly now: () => number;
  private readonly maxAttempts: number;
  private readonly backoffCapMs: number;

  constructor(
    readonly clients: StorageClients,
    readonly log: Log,
    opts: GroupsOptions = {},
  ) {
    this.now = opts.now ?? Date.now;
    this.maxAttempts = opts.maxAttempts ?? 40;
    this.backoffCapMs = opts.backoffCapMs ?? 200;
  }

  // ---- membership -------------------------------------------------------------------------

  async join(group: string, opts: JoinOptions): Promise<MemberAssignment> {
    validateGroupId(group);
    const topics = validateSubscription(opts.topics);
    const sessionTimeoutMs = validateSessionTimeout(opts.sessionTimeoutMs);
    if (opts.memberId !== undefined) validateMemberId(opts.memberId);
    const memberId = opts.memberId ?? randomUUID();
    return this.update(group, async (rec, now, lookup) => {
      rec ??= newGroup(group, now);
      expireMembers(rec, now);
      rec.members[memberId] = newMember(memberId, topics, sessionTimeoutMs, now);
      await this.refreshTopics(rec, lookup);
      retarget(rec);
      if (!reconcileMember(rec, memberId)) rec.members[memberId]!.epoch = ++rec.generation;
      return { rec, step: { result: assignmentOf(rec.members[memberId]!) } };
    });
  }

  async heartbeat(group: string, memberId: string, opts: HeartbeatOptions): Promise<MemberAssignment> {
    validateGroupId(group);
    validateMemberId(memberId);
    const generation = validateGeneration(opts.generation);
    const owned = opts.owned === undefined ? undefined : toTopicPartitions(opts.owned, 'owned');
    return this.update(group, async (rec, now, lookup) => {
      if (!rec) return { rec, step: { error: unknownMember(memberId) } };
      expireMembers(rec, now);
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
      m.expiresAt = now + m.sessionTimeoutMs;
      if (generation === m.epoch) confirmRevocations(m, owned);
      await this.refreshTopics(rec, lookup);
      retarget(rec);
      reconcileMember(rec, memberId);
      return {
        rec,
        step: { result: assignmentOf(m), touch: { memberId, epoch: m.epoch, expiresAt: m.expiresAt } },
      };
    });
  }

  async leave(group: string, memberId: string): Promise<void> {
    validateGroupId(group);
    validateMemberId(memberId);
    await this.update(group, async (rec, now, lookup) => {
      if (!rec?.members[memberId]) return { rec, step: { error: unknownMember(memberId) } };
      delete rec.members[memberId];
      expireMembers(rec, now);
      await this.refreshTopics(rec, lookup);
      retarget(rec);
      return { rec, step: { result: undefined } };
    });
  }

  // ---- offsets -------------------------------------------------------------------------------

  /**
   * `opts.fence`: a fence kept by another protocol's membership (the Kafka gateway's
   * classic groups) instead of this group's members; `opts.allowBackwards`: the stored
   * offset may move back (Kafka's OffsetCommit sets what it is given).
   */
  async commit(
    group: string,
    req: CommitRequest,
    opts: { fence?: ExternalFence; allowBackwards?: boolean } = {},
  ): Promise<{ offsets: CommittedOffset[] }> {
    validateGroupId(group);
    const fence: OffsetFence = opts.fence ? { external: opts.fence } : commitFence(req);
    const offsets = validateOffsets(req.offsets);
    const topics = await this.requireTopics(offsets.map((o) => o.topic));
    for (const o of offsets) requirePartition(topics.get(o.topic)!, o.partition);

    const denied = opts.fence ? await opts.fence.explain() : fenceError(await this.removeExpired(group), fence, offsets);
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
    const stored = await writeOffsets(this.clients, group, fence, writes, {
      ...this.writeOpts(),
      allowBackwards: opts.allowBackwards ?? false,
    });
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
  ): Promise<T> {
    const known = new Map<string, TopicInfo | undefined>();
    const lookup: TopicLookup = async (names) => {
      const missing = names.filter((n) => !known.has(n));
      const found = await Promise.all(missing.map((n) => getTopic(this.clients, n)));
      missing.forEach((n, i) => {
        const t = found[i];
        known.set(n, t ? { topicId: t.topicId, partitions: t.partitions } : undefined);
      });
      return new Map(names.map((n) => [n, known.get(n)]));
    };
    for (let attempt = 0; attempt < this.maxAttempts; attempt++) {
      if (attempt > 0) await this.backoff(attempt);
      const read = await readGroup(this.clients, group);
      const before = structure(read);
      const { rec, step } = await fn(read, this.now(), lookup);
      if (rec && structure(rec) !== before) {
        if (!(await writeGroup(this.clients, rec, this.now()))) continue;
        rec.version++;
      } else if (rec && step.touch && !step.error) {
        const t = step.touch;
        if (!(await touchMember(this.clients, group, t.memberId, t.epoch, t.expiresAt))) continue;
        rec.version++;
      }
      if (step.error) throw step.error;
      return step.result as T;
    }
    throw this.exhausted(group);
  }

  /** Current partition counts of the subscribed topics, merged into the record. */
  private async refreshTopics(rec: GroupRecord, lookup: TopicLookup): Promise<void> {
    mergeTopics(rec, await lookup(subscribedTopics(rec)));
  }

  /** The group with expired members removed (written back if there were any). */
  private removeExpired(group: string): Promise<GroupRecord | undefined> {
    return this.update(group, async (rec, now, lookup) => {
      if (rec && expireMembers(rec, now).length > 0) {
        await this.refreshTopics(rec, lookup);
        retarget(rec);
      }
      return { rec, step: { result: rec } };
    });
  }

  private async requireTopics(names: readonly string[]): Promise<Map<string, TopicRecord>> {
    const distinct = [...new Set(names)];
    const found = await Promise.all(distinct.map((n) => getTopic(this.clients, n)));
    return new Map(
      distinct.map((n, i) => {
        const t = found[i];
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
    await Promise.all(
      names.map(async (name) => {
        const mine = stored.filter((o) => o.topic === name);
        const topic = await getTopic(this.clients, name);
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
    const ms = Math.random() * Math.min(this.backoffCapMs, 5 * 2 ** Math.min(attempt, 10));
    return new Promise((r) => setTimeout(r, ms));
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

const groupNotFound = (group: string) => new GroupIdNotFoundError(`Group '${group}' does not exist.`, { group });

function requirePartition(topic: TopicRecord, partition: number): void {
  if (partition >= topic.partitions) {
    throw new UnknownTopicOrPartitionError(
      `Partition ${partition} of topic '${topic.name}' does not exist (partitions: ${topic.partitions}).`,
    );
  }
}

const isCount = (n: unknown): n is number => typeof n === 'number' && Number.isSafeInteger(n) && n >= 0;

function validateSubscription(topics: unknown): string[] {
  if (!Array.isArray(topics) || topics.length === 0) {
    throw new InvalidRequestError('topics must be a non-empty list of topic names.');
  }
  return [...new Set(topics.map((t) => validateTopicName(t)))].sort();
}

function validateSessionTimeout(ms: unknown): number {
  if (ms === undefined) return SESSION_TIMEOUT.default;
  if (typeof ms !== 'number' || !Number.isInteger(ms) || ms < SESSION_TIMEOUT.min || ms > SESSION_TIMEOUT.max) {
    throw new InvalidSessionTimeoutError(
      `sessionTimeoutMs must be an integer from ${SESSION_TIMEOUT.min} to ${SESSION_TIMEOUT.max}.`,
      { min: SESSION_TIMEOUT.min, max: SESSION_TIMEOUT.max },
    );
  }
  return ms;
}

function validateMemberId(memberId: unknown): void {
  if (typeof memberId !== 'string' || memberId.length === 0 || memberId.length > 255) {
    throw new InvalidRequestError('memberId must be a non-empty string.');
  }
}

function validateGeneration(g: unknown): number {
  if (!isCount(g)) throw new InvalidRequestError('generation must be a non-negative integer.');
  return g;
}

function validatePartitionList(ps: unknown): number[] {
  if (!Array.isArray(ps) || ps.length === 0 || !ps.every(isCount)) {
    throw new InvalidRequestError('partitions must be a non-empty list of partition numbers.');
  }
  return [...new Set(ps)].sort((a, b) => a - b);
}

function toTopicPartitions(list: unknown, field: string): TopicPartitions {
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

function commitFence(req: CommitRequest): OffsetFence {
  if (req.memberId === undefined) {
    if (req.generation !== undefined) throw new InvalidRequestError('generation is only meaningful with memberId.');
    return { empty: true };
  }
  validateMemberId(req.memberId);
  if (req.generation === undefined) throw new InvalidRequestError('A commit with memberId needs its generation.');
  return { memberId: req.memberId, epoch: validateGeneration(req.generation) };
}

function validateOffsets(offsets: unknown): OffsetCommit[] {
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

function validateResetTo(to: unknown): ResetTo {
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

