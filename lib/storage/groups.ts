// DynamoDB access for consumer groups: the storage boundary of lib/groups. Conditional
// failures end here: a lost optimistic race comes back as `false` (the caller re-reads
// and recomputes), a fenced offset commit as the domain error that says why.
//
// Items in the `groups` table (PK groupId, SK sk):
//
//   sk = 'group'   the whole membership state, changed only by conditional writes
//     version      bumped by every write; a full write is `Put ... IF version = :read`
//     generation   group epoch: bumped whenever a target or a member's assignment changes
//     memberCount  members present (expired ones count until someone removes them)
//     state        JSON: members (topics, session timeout, epoch, assigned, revoking,
//                  target), the topic ids and partition counts the targets were computed
//                  from, and when those were last read from the topics table
//                  (topicsCheckedAt), so a heartbeat need not read them again
//     leases       map memberId -> session expiry (epoch ms); the authority for expiry, so
//                  a plain heartbeat updates one entry instead of rewriting the item
//     epochs       map memberId -> member epoch (the `generation` a member sends)
//     owners       map "topic#partition" -> "memberId:epoch" for every partition a member
//                  owns (assigned or still revoking). Offset commits are conditioned on
//                  these entries in the same transaction that writes the offsets.
//
//   sk = 'offset#{topic}#{partition}'   one committed offset:
//     topic, partition, offset (next offset to read), metadata, topicId (of the topic the
//     commit was made against; a re-created topic does not inherit it), committedAt
import {
  BatchWriteItemCommand,
  ConditionalCheckFailedException,
  DeleteItemCommand,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  ScanCommand,
  TransactWriteItemsCommand,
  UpdateItemCommand,
  type AttributeValue,
  type ConditionCheck,
  type TransactWriteItem,
} from '@aws-sdk/client-dynamodb';
import {
  IllegalGenerationError,
  NonEmptyGroupError,
  RequestTimedOutError,
  UnknownMemberIdError,
  type SluiceError,
} from '../core/errors.ts';
import type { StorageClients } from './clients.ts';
import { callDynamo, cancellationReasons, dependencyFailure, errorName } from './failures.ts';
import { itemSize } from './itemSize.ts';
import { N, num, S, str, type Item } from './metadata.ts';
import { fullJitter, sleep } from '../core/time.ts';

/** Partitions by topic; partition lists ascending, topics with no partitions omitted. */
export type TopicPartitions = Record<string, number[]>;

export interface MemberRecord {
  memberId: string;
  /** Subscribed topic names (sorted); topics that do not exist yet are kept. */
  topics: string[];
  sessionTimeoutMs: number;
  /** Session expiry, epoch ms. */
  expiresAt: number;
  /** Member epoch: the `generation` of join/heartbeat responses and commits. */
  epoch: number;
  joinedAt: number;
  /** Partitions the member may consume now. */
  assigned: TopicPartitions;
  /** Partitions the member was told to give up and has not yet confirmed giving up. */
  revoking: TopicPartitions;
  /** Where the assignor wants this member to end up. */
  target: TopicPartitions;
}

export interface TopicInfo {
  topicId: string;
  partitions: number;
}

export interface GroupRecord {
  groupId: string;
  /** Version read; 0 when the item does not exist yet. */
  version: number;
  generation: number;
  createdAt: number;
  members: Record<string, MemberRecord>;
  /** Topics the targets were computed from (subscribed topics that exist). */
  topics: Record<string, TopicInfo>;
  /** When every subscribed topic was last looked up (epoch ms; 0: never). */
  topicsCheckedAt: number;
}

export interface StoredOffset {
  topic: string;
  partition: number;
  offset: number;
  metadata: string;
  topicId: string;
  committedAt: number;
}

export interface OffsetWrite {
  topic: string;
  topicId: string;
  partition: number;
  offset: number;
  metadata: string;
}

/** Who may write offsets: a member at its epoch (owning every partition), or nobody while the group is empty. */
export type OffsetFence = { memberId: string; epoch: number } | { empty: true };

export const GROUP_SK = 'group';
const OFFSET_PREFIX = 'offset#';
export const offsetSk = (topic: string, partition: number): string => `${OFFSET_PREFIX}${topic}#${partition}`;
export const ownerKey = (topic: string, partition: number): string => `${topic}#${partition}`;
const ownerValue = (memberId: string, epoch: number): string => `${memberId}:${epoch}`;


const backoff = (attempt: number, cap: number) => sleep(fullJitter(attempt, { baseMs: 5, maxMs: cap }));

// ---- the group item ---------------------------------------------------------------------

interface StateJson {
  members: Omit<MemberRecord, 'expiresAt'>[];
  topics: Record<string, TopicInfo>;
  topicsCheckedAt?: number;
}

function groupFromItem(groupId: string, i: Item): GroupRecord {
  const state = JSON.parse(str(i.state) || '{"members":[],"topics":{}}') as StateJson;
  const leases = i.leases?.M ?? {};
  const members: Record<string, MemberRecord> = {};
  for (const m of state.members) members[m.memberId] = { ...m, expiresAt: num(leases[m.memberId]) };
  return {
    groupId,
    version: num(i.version),
    generation: num(i.generation),
    createdAt: num(i.createdAt),
    members,
    topics: state.topics ?? {},
    topicsCheckedAt: state.topicsCheckedAt ?? 0,
  };
}

/** Every partition a member owns: what it may consume plus what it has not yet given up. */
export function* ownedPartitions(m: MemberRecord): Generator<[string, number]> {
  for (const tps of [m.assigned, m.revoking]) {
    for (const [t, ps] of Object.entries(tps)) for (const p of ps) yield [t, p];
  }
}

function groupItem(rec: GroupRecord, version: number, now: number): Item {
  const members = Object.values(rec.members).sort((a, b) => (a.memberId < b.memberId ? -1 : 1));
  const owners: Item = {};
  for (const m of members) for (const [t, p] of ownedPartitions(m)) owners[ownerKey(t, p)] = S(ownerValue(m.memberId, m.epoch));
  const state: StateJson = {
    members: members.map(({ expiresAt: _e, ...rest }) => rest),
    topics: rec.topics,
    topicsCheckedAt: rec.topicsCheckedAt,
  };
  return {
    groupId: S(rec.groupId),
    sk: S(GROUP_SK),
    version: N(version),
    generation: N(rec.generation),
    memberCount: N(members.length),
    createdAt: N(rec.createdAt),
    updatedAt: N(now),
    state: S(JSON.stringify(state)),
    leases: { M: Object.fromEntries(members.map((m) => [m.memberId, N(m.expiresAt)])) },
    epochs: { M: Object.fromEntries(members.map((m) => [m.memberId, N(m.epoch)])) },
    owners: { M: owners },
  };
}

/** Bytes the group item written from `rec` takes, as DynamoDB counts them for its 400 KB limit. */
export function groupItemBytes(rec: GroupRecord, now: number): number {
  return itemSize(groupItem(rec, rec.version + 1, now));
}

export async function readGroup(clients: StorageClients, groupId: string): Promise<GroupRecord | undefined> {
  const res = await callDynamo('GetItem', () =>
    clients.ddb.send(
      new GetItemCommand({
        TableName: clients.names.tables.groups,
        Key: { groupId: S(groupId), sk: S(GROUP_SK) },
        ConsistentRead: true,
      }),
    ),
  );
  return res.Item ? groupFromItem(groupId, res.Item) : undefined;
}

/**
 * Replaces the group item if it is still at `rec.version` (or absent, for version 0).
 * False when another writer got there first: re-read, recompute, try again.
 */
export async function writeGroup(clients: StorageClients, rec: GroupRecord, now: number): Promise<boolean> {
  try {
    await clients.ddb.send(
      new PutItemCommand({
        TableName: clients.names.tables.groups,
        Item: groupItem(rec, rec.version + 1, now),
        ...(rec.version === 0
          ? { ConditionExpression: 'attribute_not_exists(sk)' }
          : {
              ConditionExpression: '#v = :v',
              ExpressionAttributeNames: { '#v': 'version' },
              ExpressionAttributeValues: { ':v': N(rec.version) },
            }),
      }),
    );
    return true;
  } catch (err) {
    if (err instanceof ConditionalCheckFailedException) return false;
    throw dependencyFailure('dynamodb', 'PutItem', err);
  }
}

/**
 * A heartbeat that changes nothing but the member's lease: one map entry, conditioned on
 * the member still being there at the same epoch. It bumps the version too, so a
 * concurrent full write computed from the old lease (which might have expired the
 * member) fails and re-reads.
 */
export async function touchMember(
  clients: StorageClients,
  groupId: string,
  memberId: string,
  epoch: number,
  expiresAt: number,
  /** Only if the lease still is this (a push hold ending: lib/push/sessions.ts). */
  ifLease?: number,
): Promise<boolean> {
  try {
    await clients.ddb.send(
      new UpdateItemCommand({
        TableName: clients.names.tables.groups,
        Key: { groupId: S(groupId), sk: S(GROUP_SK) },
        UpdateExpression: 'SET #l.#m = :exp, #v = #v + :one',
        ConditionExpression: ifLease === undefined ? '#e.#m = :ep' : '#e.#m = :ep AND #l.#m = :old',
        ExpressionAttributeNames: { '#l': 'leases', '#e': 'epochs', '#m': memberId, '#v': 'version' },
        ExpressionAttributeValues: { ':exp': N(expiresAt), ':ep': N(epoch), ':one': N(1), ...(ifLease === undefined ? {} : { ':old': N(ifLease) }) },
      }),
    );
    return true;
  } catch (err) {
    if (err instanceof ConditionalCheckFailedException) return false;
    throw dependencyFailure('dynamodb', 'UpdateItem', err);
  }
}

/** Deletes the group item if it is unchanged since `version` and has no members. */
export async function deleteGroupItem(clients: StorageClients, groupId: string, version: number): Promise<boolean> {
  try {
    await clients.ddb.send(
      new DeleteItemCommand({
        TableName: clients.names.tables.groups,
        Key: { groupId: S(groupId), sk: S(GROUP_SK) },
        ConditionExpression: '#v = :v AND memberCount = :zero',
        ExpressionAttributeNames: { '#v': 'version' },
        ExpressionAttributeValues: { ':v': N(version), ':zero': N(0) },
      }),
    );
    return true;
  } catch (err) {
    if (err instanceof ConditionalCheckFailedException) return false;
    throw dependencyFailure('dynamodb', 'DeleteItem', err);
  }
}

// ---- fencing ---------------------------------------------------------------------------

/**
 * Why `fence` may not write offsets for these partitions in this group state, or
 * undefined if it may. Shared by the pre-check and the classification of a failed
 * transaction, so both report the same thing.
 */
export function fenceError(
  rec: GroupRecord | undefined,
  fence: OffsetFence,
  partitions: readonly { topic: string; partition: number }[],
): SluiceError | undefined {
  const groupId = rec?.groupId;
  if ('empty' in fence) {
    const n = rec ? Object.keys(rec.members).length : 0;
    return n > 0
      ? new NonEmptyGroupError(
          `Group '${groupId}' has ${n} active member(s); only a member may commit, or reset, offsets while it has members.`,
          { members: n },
        )
      : undefined;
  }
  const m = rec?.members[fence.memberId];
  if (!m) {
    return new UnknownMemberIdError(`Member '${fence.memberId}' is not a member of the group (it left, or its session expired).`, {
      memberId: fence.memberId,
    });
  }
  if (m.epoch !== fence.epoch) {
    return new IllegalGenerationError(
      `Generation ${fence.epoch} of member '${fence.memberId}' is stale; the current generation is ${m.epoch}. Heartbeat to get the current assignment.`,
      { memberId: fence.memberId, generation: m.epoch, reason: 'STALE_GENERATION' },
    );
  }
  const owned = new Set<string>();
  for (const [t, p] of ownedPartitions(m)) owned.add(ownerKey(t, p));
  const foreign = partitions.find((tp) => !owned.has(ownerKey(tp.topic, tp.partition)));
  if (foreign) {
    return new IllegalGenerationError(
      `Partition ${foreign.partition} of '${foreign.topic}' is not assigned to member '${fence.memberId}' in generation ${m.epoch}.`,
      { memberId: fence.memberId, generation: m.epoch, topic: foreign.topic, partition: foreign.partition, reason: 'NOT_ASSIGNED' },
    );
  }
  return undefined;
}

// ---- offsets -----------------------------------------------------------------------------

const offsetFromItem = (i: Item): StoredOffset => ({
  topic: str(i.topic),
  partition: num(i.partition),
  offset: num(i.offset),
  metadata: str(i.metadata),
  topicId: str(i.topicId),
  committedAt: num(i.committedAt),
});

export async function readOffsets(clients: StorageClients, groupId: string): Promise<StoredOffset[]> {
  const out: StoredOffset[] = [];
  let start: Record<string, AttributeValue> | undefined;
  do {
    const res = await callDynamo('Query', () =>
      clients.ddb.send(
        new QueryCommand({
          TableName: clients.names.tables.groups,
          KeyConditionExpression: 'groupId = :g AND begins_with(sk, :p)',
          ExpressionAttributeValues: { ':g': S(groupId), ':p': S(OFFSET_PREFIX) },
          ConsistentRead: true,
          ExclusiveStartKey: start,
        }),
      ),
    );
    for (const i of res.Items ?? []) out.push(offsetFromItem(i));
    start = res.LastEvaluatedKey;
  } while (start);
  return out.sort((a, b) => (a.topic === b.topic ? a.partition - b.partition : a.topic < b.topic ? -1 : 1));
}

async function readOffset(clients: StorageClients, groupId: string, topic: string, partition: number) {
  const res = await callDynamo('GetItem', () =>
    clients.ddb.send(
      new GetItemCommand({
        TableName: clients.names.tables.groups,
        Key: { groupId: S(groupId), sk: S(offsetSk(topic, partition)) },
        ConsistentRead: true,
      }),
    ),
  );
  return res.Item ? offsetFromItem(res.Item) : undefined;
}

export interface WriteOffsetsOptions {
  /** Explicit reset: the new offset may be lower than the stored one. */
  allowBackwards?: boolean;
  now?: number;
  maxAttempts?: number;
  backoffCapMs?: number;
}

/** One transaction holds the fence check and at most this many offsets. */
export const OFFSETS_PER_TRANSACTION = 99;

/**
 * Writes offsets, each chunk of up to 99 in ONE transaction with a ConditionCheck on the
 * group item, so the fence and the writes are atomic:
 *   member fence   owners["topic#p"] = "memberId:epoch" for every partition written
 *   empty fence    the group item is absent or has memberCount = 0
 *   each offset    absent, or stored offset <= new, or stored for another topicId
 *                  (omitted with allowBackwards)
 * A failed fence is re-read and reported as the domain error (UNKNOWN_MEMBER_ID,
 * ILLEGAL_GENERATION, NON_EMPTY_GROUP); nothing of that chunk is written. A stored offset
 * above the new one wins: that entry is dropped and the rest retried, and the result
 * reports the stored offset. Returns the offsets in effect, in input order.
 */
export async function writeOffsets(
  clients: StorageClients,
  groupId: string,
  fence: OffsetFence,
  writes: readonly OffsetWrite[],
  opts: WriteOffsetsOptions = {},
): Promise<StoredOffset[]> {
  const out: StoredOffset[] = [];
  for (let i = 0; i < writes.length; i += OFFSETS_PER_TRANSACTION) {
    out.push(...(await writeChunk(clients, groupId, fence, writes.slice(i, i + OFFSETS_PER_TRANSACTION), opts)));
  }
  return out;
}

async function writeChunk(
  clients: StorageClients,
  groupId: string,
  fence: OffsetFence,
  chunk: readonly OffsetWrite[],
  opts: WriteOffsetsOptions,
): Promise<StoredOffset[]> {
  const maxAttempts = opts.maxAttempts ?? 40;
  const cap = opts.backoffCapMs ?? 200;
  const now = opts.now ?? Date.now();
  const result: (StoredOffset | undefined)[] = chunk.map(() => undefined);
  let pending = chunk.map((w, i) => ({ w, i }));
  let lastError: unknown;

  for (let attempt = 0; attempt < maxAttempts && pending.length > 0; attempt++) {
    if (attempt > 0) await backoff(attempt, cap);
    const items: TransactWriteItem[] = [
      { ConditionCheck: fenceCheck(clients, groupId, fence, pending.map((p) => p.w)) },
      ...pending.map(({ w }) => ({ Put: offsetPut(clients, groupId, w, now, opts.allowBackwards ?? false) })),
    ];
    try {
      await clients.ddb.send(new TransactWriteItemsCommand({ TransactItems: items }));
      for (const { w, i } of pending) result[i] = { ...w, committedAt: now };
      pending = [];
      break;
    } catch (err) {
      lastError = err;
      const reasons = cancellationReasons(err);
      if (!reasons) {
        const name = errorName(err);
        if (name === 'TransactionInProgressException' || name === 'ThrottlingException' ||
            name === 'ProvisionedThroughputExceededException' || name === 'RequestLimitExceeded') continue;
        throw dependencyFailure('dynamodb', 'TransactWriteItems', err);
      }
      if (reasons[0] === 'ConditionalCheckFailed') {
        const error = fenceError(await readGroup(clients, groupId), fence, pending.map((p) => p.w));
        if (error) throw error;
        continue; // the group changed and changed back: try again
      }
      // A stored offset above ours (same topic id) wins; keep it and drop our write.
      const behind = pending.filter((_, k) => reasons[k + 1] === 'ConditionalCheckFailed');
      for (const p of behind) {
        const stored = await readOffset(clients, groupId, p.w.topic, p.w.partition);
        if (stored && stored.topicId === p.w.topicId && stored.offset > p.w.offset) {
          result[p.i] = stored;
          pending = pending.filter((q) => q !== p);
        }
      }
      // Otherwise a concurrent transaction touched an item: retry what is left.
    }
  }
  if (pending.length > 0) {
    throw new RequestTimedOutError(
      `Could not commit offsets for group '${groupId}' after ${maxAttempts} attempts: ${errorName(lastError) ?? 'conflict'}`,
      { dependency: 'dynamodb', retryAfterSeconds: 1 },
      lastError,
    );
  }
  return result as StoredOffset[];
}

function fenceCheck(
  clients: StorageClients,
  groupId: string,
  fence: OffsetFence,
  writes: readonly OffsetWrite[],
): ConditionCheck {
  const Key = { groupId: S(groupId), sk: S(GROUP_SK) };
  const TableName = clients.names.tables.groups;
  if ('empty' in fence) {
    return {
      TableName,
      Key,
      ConditionExpression: 'attribute_not_exists(sk) OR memberCount = :zero',
      ExpressionAttributeValues: { ':zero': N(0) },
    };
  }
  const names: Record<string, string> = { '#o': 'owners', '#ep': 'epochs', '#m': fence.memberId };
  // The member at this epoch (also covers a member owning nothing), then each partition.
  const conds = ['#ep.#m = :ep'];
  writes.forEach((w, k) => {
    names[`#k${k}`] = ownerKey(w.topic, w.partition);
    conds.push(`#o.#k${k} = :me`);
  });
  return {
    TableName,
    Key,
    ConditionExpression: conds.join(' AND '),
    ExpressionAttributeNames: names,
    ExpressionAttributeValues: { ':me': S(ownerValue(fence.memberId, fence.epoch)), ':ep': N(fence.epoch) },
  };
}

function offsetPut(clients: StorageClients, groupId: string, w: OffsetWrite, now: number, allowBackwards: boolean) {
  return {
    TableName: clients.names.tables.groups,
    Item: {
      groupId: S(groupId),
      sk: S(offsetSk(w.topic, w.partition)),
      topic: S(w.topic),
      partition: N(w.partition),
      offset: N(w.offset),
      metadata: S(w.metadata),
      topicId: S(w.topicId),
      committedAt: N(now),
    },
    ...(allowBackwards
      ? {}
      : {
          ConditionExpression: 'attribute_not_exists(sk) OR #off <= :o OR topicId <> :tid',
          ExpressionAttributeNames: { '#off': 'offset' },
          ExpressionAttributeValues: { ':o': N(w.offset), ':tid': S(w.topicId) },
        }),
  };
}

/** Deletes offset items; used when a group is deleted. */
export async function deleteOffsets(clients: StorageClients, groupId: string, offsets: readonly StoredOffset[]): Promise<void> {
  for (let i = 0; i < offsets.length; i += 25) {
    let requests = offsets.slice(i, i + 25).map((o) => ({
      DeleteRequest: { Key: { groupId: S(groupId), sk: S(offsetSk(o.topic, o.partition)) } },
    }));
    for (let attempt = 0; requests.length > 0; attempt++) {
      if (attempt > 0) await backoff(attempt, 200);
      if (attempt >= 20) {
        throw new RequestTimedOutError(`Could not delete the offsets of group '${groupId}'.`, {
          dependency: 'dynamodb',
          retryAfterSeconds: 1,
        });
      }
      const res = await callDynamo('BatchWriteItem', () =>
        clients.ddb.send(new BatchWriteItemCommand({ RequestItems: { [clients.names.tables.groups]: requests } })),
      );
      requests = (res.UnprocessedItems?.[clients.names.tables.groups] ?? []) as typeof requests;
    }
  }
}

// ---- listing -------------------------------------------------------------------------------

export interface ScannedGroup {
  groupId: string;
  record?: GroupRecord;
  offsetCount: number;
}

/** Every group with a group item or at least one committed offset. */
export async function scanGroups(clients: StorageClients): Promise<ScannedGroup[]> {
  const groups = new Map<string, ScannedGroup>();
  let start: Record<string, AttributeValue> | undefined;
  do {
    const res = await callDynamo('Scan', () =>
      clients.ddb.send(
        new ScanCommand({ TableName: clients.names.tables.groups, ExclusiveStartKey: start, ConsistentRead: true }),
      ),
    );
    for (const i of res.Items ?? []) {
      const groupId = str(i.groupId);
      let g = groups.get(groupId);
      if (!g) groups.set(groupId, (g = { groupId, offsetCount: 0 }));
      if (str(i.sk) === GROUP_SK) g.record = groupFromItem(groupId, i);
      else g.offsetCount++;
    }
    start = res.LastEvaluatedKey;
  } while (start);
  return [...groups.values()].sort((a, b) => (a.groupId < b.groupId ? -1 : 1));
}
