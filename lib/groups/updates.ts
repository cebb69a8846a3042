// The optimistic loop every change of a group goes through: read the group item
// consistently, compute the change (membership.ts, offsets.ts, admin.ts), write it back
// conditioned on the version read (store.ts); on a lost race, jittered backoff and
// recompute, bounded; REQUEST_TIMED_OUT (retriable) when the attempts run out. Also the
// topic metadata kept on the group item (refreshed at most every
// TOPIC_METADATA_MAX_AGE_MS) and the removal of expired members.
import { GroupMaxSizeReachedError, RequestTimedOutError, UnknownTopicOrPartitionError, type SluiceError } from '../core/errors.ts';
import { fullJitter, sleep } from '../core/time.ts';
import type { StorageClients } from '../storage/clients.ts';
import { MAX_ITEM_BYTES } from '../storage/itemSize.ts';
import { getTopics, type TopicRecord } from '../storage/metadata.ts';
import { expireMembers, mergeTopics, retarget, structure, subscribedTopics } from './reconcile.ts';
import { TOPIC_METADATA_MAX_AGE_MS } from './schema.ts';
import { groupItemBytes, readGroup, touchMember, writeGroup, type GroupRecord, type TopicInfo } from './store.ts';
import type { GroupsOptions } from './types.ts';

/** What one attempt of an update decided. */
export interface Step<T> {
  /** Result (or error) once the write, if any, succeeded. */
  result?: T;
  error?: SluiceError;
  /** If only this member's lease changed, update just that (see touchMember). */
  touch?: { memberId: string; epoch: number; expiresAt: number };
}

export type TopicLookup = (names: readonly string[]) => Promise<Map<string, TopicInfo | undefined>>;

/** One attempt's change of the group record (undefined: the group does not exist). */
export type Change<T> = (
  rec: GroupRecord | undefined,
  now: number,
  lookup: TopicLookup,
) => Promise<{ rec: GroupRecord | undefined; step: Step<T> }>;

export class GroupUpdates {
  readonly now: () => number;
  readonly maxAttempts: number;
  readonly backoffCapMs: number;

  constructor(
    readonly clients: StorageClients,
    opts: GroupsOptions = {},
  ) {
    this.now = opts.now ?? Date.now;
    this.maxAttempts = opts.maxAttempts ?? 40;
    this.backoffCapMs = opts.backoffCapMs ?? 200;
  }

  /**
   * Reads the group item, lets `change` change it, writes it back conditioned on the
   * version read. A change of structure is a full write; a change of one lease only is a
   * touch; no change, no write. Errors decided by `change` are thrown after its write
   * (e.g. the removal of expired members) succeeded.
   */
  async update<T>(group: string, change: Change<T>): Promise<T> {
    const lookup = this.topicLookup();
    for (let attempt = 0; attempt < this.maxAttempts; attempt++) {
      if (attempt > 0) await this.backoff(attempt);
      const read = await readGroup(this.clients, group);
      const before = structure(read);
      const { rec, step } = await change(read, this.now(), lookup);
      if (rec && structure(rec) !== before) {
        const bytes = groupItemBytes(rec, this.now());
        if (bytes > MAX_ITEM_BYTES) throw groupTooLarge(group, bytes, MAX_ITEM_BYTES);
        if (!(await writeGroup(this.clients, rec, this.now())).ok) continue;
        rec.version++;
      } else if (rec && step.touch && !step.error) {
        const t = step.touch;
        if (!(await touchMember(this.clients, group, t.memberId, t.epoch, t.expiresAt)).ok) continue;
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
  async refreshTopics(rec: GroupRecord, now: number, lookup: TopicLookup, joining: readonly string[] = []): Promise<boolean> {
    const stale = now - rec.topicsCheckedAt >= TOPIC_METADATA_MAX_AGE_MS;
    const names = stale ? subscribedTopics(rec) : joining.filter((t) => !(t in rec.topics));
    mergeTopics(rec, names.length > 0 ? await lookup(names) : new Map());
    if (stale) rec.topicsCheckedAt = now;
    return names.length > 0;
  }

  /** The group with expired members removed (written back if there were any). */
  removeExpired(group: string): Promise<GroupRecord | undefined> {
    return this.update(group, async (rec, now, lookup) => {
      if (rec && expireMembers(rec, now).length > 0) {
        await this.refreshTopics(rec, now, lookup);
        retarget(rec);
      }
      return { rec, step: { result: rec } };
    });
  }

  /** The topics by name; UNKNOWN_TOPIC_OR_PARTITION for the first that does not exist. */
  async requireTopics(names: readonly string[]): Promise<Map<string, TopicRecord>> {
    const found = await getTopics(this.clients, names);
    return new Map(
      [...found].map(([n, t]) => {
        if (!t) throw new UnknownTopicOrPartitionError(`Topic '${n}' does not exist.`);
        return [n, t];
      }),
    );
  }

  /** Options for offset writes: this clock and this retry policy. */
  writeOpts() {
    return { now: this.now(), maxAttempts: this.maxAttempts, backoffCapMs: this.backoffCapMs };
  }

  backoff(attempt: number): Promise<void> {
    return sleep(fullJitter(attempt, { baseMs: 5, maxMs: this.backoffCapMs }));
  }

  exhausted(group: string): SluiceError {
    return new RequestTimedOutError(`Group '${group}' is too contended; try again.`, { dependency: 'dynamodb', retryAfterSeconds: 1 });
  }

  /** Topic lookups of one update, remembered across its attempts. */
  private topicLookup(): TopicLookup {
    const known = new Map<string, TopicInfo | undefined>();
    return async (names) => {
      const missing = names.filter((n) => !known.has(n));
      for (const [n, t] of await getTopics(this.clients, missing)) {
        known.set(n, t ? { topicId: t.topicId, partitions: t.partitions } : undefined);
      }
      return new Map(names.map((n) => [n, known.get(n)]));
    };
  }
}

export const groupTooLarge = (group: string, bytes: number, limit: number): SluiceError =>
  new GroupMaxSizeReachedError(
    `Group '${group}' cannot take this: its state would take ${bytes} bytes, over the limit of ${limit} bytes ` +
      '(a group is one DynamoDB item of at most 400 KB, filled by members times their topics, and the partitions ' +
      'they own). Subscribe each member to fewer topics, or spread the consumers over several groups.',
    { group, limit, bytes },
  );

/** A partition number checked against the topic's count (UNKNOWN_TOPIC_OR_PARTITION). */
export function requirePartition(topic: TopicRecord, partition: number): void {
  if (partition >= topic.partitions) {
    throw new UnknownTopicOrPartitionError(`Partition ${partition} of topic '${topic.name}' does not exist (partitions: ${topic.partitions}).`);
  }
}
