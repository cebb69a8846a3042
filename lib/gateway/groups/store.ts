// DynamoDB items of the gateway's classic groups: one item per group in the groups
// table, beside lib/groups' own items, so a group id names one group whichever protocol
// its members speak and both read and write the same committed offsets.
//
//   groupId, sk = 'classic'
//     version      bumped by every write; writes are `... IF version = :read`
//     generation   the classic generation (the `generationId` of commits and heartbeats)
//     state        Empty | PreparingRebalance | CompletingRebalance | Stable
//     memberCount  members present (expired ones count until someone removes them)
//     members      JSON: the members in join order, with protocols and assignments
//     leases       map memberId -> session expiry (epoch ms): a heartbeat updates one entry
//     protocolType, protocolName, leader, rebalanceDeadline, updatedAt
//
// Offset commits of classic members are fenced on this item (generation, membership,
// not CompletingRebalance) inside the offsets' own transaction (lib/groups/offsetStore
// writeOffsets with an external fence).
import type { ConditionCheck } from '@aws-sdk/client-dynamodb';
import type { StorageClients } from '../../storage/clients.ts';
import { deleteEmptyVersioned, GROUP_SK, putVersioned, renewLease } from '../../groups/store.ts';
import { itemSize } from '../../storage/itemSize.ts';
import { getItem, N, num, S, scanAll, str, type Item } from '../../storage/dynamo.ts';
import type { ClassicGroup, ClassicMember, ClassicState } from './state.ts';

export const CLASSIC_SK = 'classic';

const key = (groupId: string) => ({ groupId: S(groupId), sk: S(CLASSIC_SK) });

function fromItem(groupId: string, i: Item): ClassicGroup {
  const leases = i.leases?.M ?? {};
  const members = (JSON.parse(str(i.members) || '[]') as Omit<ClassicMember, 'expiresAt'>[]).map((m) => ({
    ...m,
    expiresAt: num(leases[m.memberId]),
  }));
  return {
    groupId,
    version: num(i.version),
    generation: num(i.generation),
    state: (str(i.state) || 'Empty') as ClassicState,
    protocolType: str(i.protocolType),
    protocolName: str(i.protocolName),
    leader: str(i.leader),
    rebalanceDeadline: num(i.rebalanceDeadline),
    members,
  };
}

function toItem(g: ClassicGroup, now: number): Item {
  return {
    ...key(g.groupId),
    version: N(g.version + 1),
    generation: N(g.generation),
    state: S(g.state),
    memberCount: N(g.members.length),
    protocolType: S(g.protocolType),
    protocolName: S(g.protocolName),
    leader: S(g.leader),
    rebalanceDeadline: N(g.rebalanceDeadline),
    members: S(JSON.stringify(g.members.map(({ expiresAt: _e, ...rest }) => rest))),
    leases: { M: Object.fromEntries(g.members.map((m) => [m.memberId, N(m.expiresAt)])) },
    updatedAt: N(now),
  };
}

export async function readClassic(clients: StorageClients, groupId: string): Promise<ClassicGroup | undefined> {
  const item = await getItem(clients, clients.names.tables.groups, key(groupId));
  return item ? fromItem(groupId, item) : undefined;
}

/** The size of the item `g` would be written as, as DynamoDB counts it against its 400 KB. */
export const classicItemBytes = (g: ClassicGroup, now: number): number => itemSize(toItem(g, now));

/** Writes the group if it is still at the version read. False: someone else wrote first. */
export const writeClassic = async (clients: StorageClients, g: ClassicGroup, now: number): Promise<boolean> =>
  (await putVersioned(clients, toItem(g, now), g.version)).ok;

/** A heartbeat's lease renewal, if the member is still there at this generation. */
export const touchClassicMember = async (clients: StorageClients, groupId: string, memberId: string, generation: number, expiresAt: number) =>
  (
    await renewLease(clients, { groupId, sk: CLASSIC_SK }, memberId, expiresAt, {
      expression: 'attribute_exists(#l.#m) AND generation = :g',
      values: { ':g': N(generation) },
    })
  ).ok;

/** Deletes the group item if unchanged since `version` and empty. */
export const deleteClassic = async (clients: StorageClients, groupId: string, version: number): Promise<boolean> =>
  (await deleteEmptyVersioned(clients, { groupId, sk: CLASSIC_SK }, version)).ok;

/** Every classic group item. */
export async function scanClassic(clients: StorageClients): Promise<ClassicGroup[]> {
  const items = await scanAll(clients, {
    TableName: clients.names.tables.groups,
    FilterExpression: 'sk = :c',
    ExpressionAttributeValues: { ':c': S(CLASSIC_SK) },
  });
  return items.map((i) => fromItem(str(i.groupId), i));
}

/** Commits by a classic member: its generation, its membership, not while the leader assigns. */
export function memberCommitCheck(clients: StorageClients, groupId: string, memberId: string, generation: number): ConditionCheck {
  return {
    TableName: clients.names.tables.groups,
    Key: key(groupId),
    ConditionExpression: 'generation = :g AND attribute_exists(#l.#m) AND #s <> :cr',
    ExpressionAttributeNames: { '#l': 'leases', '#m': memberId, '#s': 'state' },
    ExpressionAttributeValues: { ':g': N(generation), ':cr': S('CompletingRebalance') },
  };
}

/** Commits from outside any membership (generation -1): only while neither protocol has members. */
export function emptyCommitChecks(clients: StorageClients, groupId: string): ConditionCheck[] {
  const empty = 'attribute_not_exists(sk) OR memberCount = :zero';
  return [
    { TableName: clients.names.tables.groups, Key: key(groupId), ConditionExpression: empty, ExpressionAttributeValues: { ':zero': N(0) } },
    consumerGroupEmptyCheck(clients, groupId),
  ];
}

/** lib/groups' membership item has no members: classic members may not share a group with them. */
export function consumerGroupEmptyCheck(clients: StorageClients, groupId: string): ConditionCheck {
  return {
    TableName: clients.names.tables.groups,
    Key: { groupId: S(groupId), sk: S(GROUP_SK) },
    ConditionExpression: 'attribute_not_exists(sk) OR memberCount = :zero',
    ExpressionAttributeValues: { ':zero': N(0) },
  };
}
