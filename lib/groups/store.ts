// The group item: membership and assignment of one consumer group, in the `groups`
// table (PK groupId, SK sk). Changed only by conditional writes: a lost optimistic race
// comes back as the storage layer's condition result (the caller re-reads and
// recomputes). Committed offsets, the other items of the table, are offsetStore.ts's.
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
import { DeleteItemCommand, PutItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import type { StorageClients } from '../storage/clients.ts';
import { conditional, getItem, N, num, S, scanAll, str, type Item, type Written } from '../storage/dynamo.ts';
import { itemSize } from '../storage/itemSize.ts';

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

export const GROUP_SK = 'group';
export const ownerKey = (topic: string, partition: number): string => `${topic}#${partition}`;
export const ownerValue = (memberId: string, epoch: number): string => `${memberId}:${epoch}`;
/** The key of the group item. */
export const groupKey = (groupId: string): Item => ({ groupId: S(groupId), sk: S(GROUP_SK) });

// ---- the group item ---------------------------------------------------------------------

interface StateJson {
  members: Omit<MemberRecord, 'expiresAt'>[];
  topics: Record<string, TopicInfo>;
  topicsCheckedAt?: number;
}

export function groupFromItem(groupId: string, i: Item): GroupRecord {
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
  const item = await getItem(clients, clients.names.tables.groups, groupKey(groupId));
  return item ? groupFromItem(groupId, item) : undefined;
}

/**
 * Puts an item of the groups table if the stored one is still at `version` (absent, for
 * version 0). Lost when another writer got there first: re-read, recompute, try again.
 * The membership items of every group protocol (this one, the gateway's classic groups)
 * are written this way.
 */
export function putVersioned(clients: StorageClients, item: Item, version: number): Promise<Written<unknown>> {
  return conditional('PutItem', () =>
    clients.ddb.send(
      new PutItemCommand({
        TableName: clients.names.tables.groups,
        Item: item,
        ...(version === 0
          ? { ConditionExpression: 'attribute_not_exists(sk)' }
          : {
              ConditionExpression: '#v = :v',
              ExpressionAttributeNames: { '#v': 'version' },
              ExpressionAttributeValues: { ':v': N(version) },
            }),
      }),
    ),
  );
}

/** Replaces the group item if it is still at `rec.version` (see putVersioned). */
export function writeGroup(clients: StorageClients, rec: GroupRecord, now: number): Promise<Written<unknown>> {
  return putVersioned(clients, groupItem(rec, rec.version + 1, now), rec.version);
}

/**
 * Renews one member's lease: one map entry of `leases`, if `condition` (over `#l`, `#m`
 * and the given names and values) still holds. It bumps the version too, so a concurrent
 * full write computed from the old lease (which might have expired the member) fails and
 * re-reads.
 */
export function renewLease(
  clients: StorageClients,
  key: { groupId: string; sk: string },
  memberId: string,
  expiresAt: number,
  condition: { expression: string; names?: Record<string, string>; values: Item },
): Promise<Written<unknown>> {
  return conditional('UpdateItem', () =>
    clients.ddb.send(
      new UpdateItemCommand({
        TableName: clients.names.tables.groups,
        Key: { groupId: S(key.groupId), sk: S(key.sk) },
        UpdateExpression: 'SET #l.#m = :exp, #v = #v + :one',
        ConditionExpression: condition.expression,
        ExpressionAttributeNames: { '#l': 'leases', '#m': memberId, '#v': 'version', ...condition.names },
        ExpressionAttributeValues: { ':exp': N(expiresAt), ':one': N(1), ...condition.values },
      }),
    ),
  );
}

/** A heartbeat that changes nothing but the member's lease, if it is still there at `epoch`. */
export function touchMember(clients: StorageClients, groupId: string, memberId: string, epoch: number, expiresAt: number): Promise<Written<unknown>> {
  return renewLease(clients, { groupId, sk: GROUP_SK }, memberId, expiresAt, {
    expression: '#e.#m = :ep',
    names: { '#e': 'epochs' },
    values: { ':ep': N(epoch) },
  });
}

/** Deletes a membership item if it is unchanged since `version` and has no members. */
export function deleteEmptyVersioned(clients: StorageClients, key: { groupId: string; sk: string }, version: number): Promise<Written<unknown>> {
  return conditional('DeleteItem', () =>
    clients.ddb.send(
      new DeleteItemCommand({
        TableName: clients.names.tables.groups,
        Key: { groupId: S(key.groupId), sk: S(key.sk) },
        ConditionExpression: '#v = :v AND memberCount = :zero',
        ExpressionAttributeNames: { '#v': 'version' },
        ExpressionAttributeValues: { ':v': N(version), ':zero': N(0) },
      }),
    ),
  );
}

/** Deletes the group item if it is unchanged since `version` and has no members. */
export const deleteGroupItem = (clients: StorageClients, groupId: string, version: number): Promise<Written<unknown>> =>
  deleteEmptyVersioned(clients, { groupId, sk: GROUP_SK }, version);

// ---- listing -------------------------------------------------------------------------------

export interface ScannedGroup {
  groupId: string;
  record?: GroupRecord;
  offsetCount: number;
}

/** Every group with a group item or at least one committed offset. */
export async function scanGroups(clients: StorageClients): Promise<ScannedGroup[]> {
  const groups = new Map<string, ScannedGroup>();
  for (const i of await scanAll(clients, { TableName: clients.names.tables.groups })) {
    const groupId = str(i.groupId);
    let g = groups.get(groupId);
    if (!g) groups.set(groupId, (g = { groupId, offsetCount: 0 }));
    if (str(i.sk) === GROUP_SK) g.record = groupFromItem(groupId, i);
    else g.offsetCount++;
  }
  return [...groups.values()].sort((a, b) => (a.groupId < b.groupId ? -1 : 1));
}
