// The classic group protocol's state machine (Kafka's GroupMetadata), as pure functions
// of a group record, so every rule is testable without storage. coordinator.ts applies
// them to the record read from DynamoDB and writes the result back conditionally.
//
//   Empty ──join──> PreparingRebalance ──all joined or deadline──> CompletingRebalance
//     ^                 ^        │                                     │ leader's SyncGroup
//     │ last member     │ join, leave, expiry                          v
//     └── leaves ───────┴────────────────────────────────────────── Stable
//
// A rebalance waits until every member has rejoined or the largest rebalance timeout has
// passed; members that did not rejoin by then are removed. Completing it bumps the
// generation, picks the protocol every member supports with the most first-choice votes,
// and keeps the leader if it is still a member. Sessions: a member whose lease (last
// heartbeat + session timeout) passed is removed by the first call that sees it.
import { randomUUID } from 'node:crypto';

export type ClassicState = 'Empty' | 'PreparingRebalance' | 'CompletingRebalance' | 'Stable';

export interface ClassicProtocol {
  name: string;
  /** base64 */
  metadata: string;
}

export interface ClassicMember {
  memberId: string;
  groupInstanceId: string | null;
  clientId: string;
  clientHost: string;
  sessionTimeoutMs: number;
  rebalanceTimeoutMs: number;
  protocols: ClassicProtocol[];
  /** Rejoined in the rebalance under way. */
  joined: boolean;
  /** base64 of the assignment the leader gave it; '' until synced. */
  assignment: string;
  expiresAt: number;
}

export interface ClassicGroup {
  groupId: string;
  /** Version read; 0 when the item does not exist yet. */
  version: number;
  generation: number;
  state: ClassicState;
  protocolType: string;
  protocolName: string;
  leader: string;
  rebalanceDeadline: number;
  /** In join order. */
  members: ClassicMember[];
}

export const newClassicGroup = (groupId: string): ClassicGroup => ({
  groupId, version: 0, generation: 0, state: 'Empty', protocolType: '', protocolName: '', leader: '', rebalanceDeadline: 0, members: [],
});

export const newMemberId = (clientId: string | null): string => `${clientId || 'member'}-${randomUUID()}`;

export const memberOf = (g: ClassicGroup | undefined, memberId: string): ClassicMember | undefined =>
  g?.members.find((m) => m.memberId === memberId);

export function startRebalance(g: ClassicGroup, now: number): void {
  if (g.state === 'PreparingRebalance') return;
  g.state = 'PreparingRebalance';
  for (const m of g.members) {
    m.joined = false;
    m.assignment = '';
  }
  g.rebalanceDeadline = now + Math.max(0, ...g.members.map((m) => m.rebalanceTimeoutMs));
}

/** Removes members whose session ran out; returns whether any were. */
export function expireMembers(g: ClassicGroup, now: number): boolean {
  // A member waiting in a join is kept until the rebalance ends (its lease covers it).
  const gone = g.members.filter((m) => m.expiresAt <= now);
  if (gone.length === 0) return false;
  removeMembers(g, gone.map((m) => m.memberId), now);
  return true;
}

export function removeMembers(g: ClassicGroup, ids: readonly string[], now: number): void {
  g.members = g.members.filter((m) => !ids.includes(m.memberId));
  if (g.members.length === 0) {
    if (g.state !== 'Empty') g.generation++;
    g.state = 'Empty';
    g.leader = '';
    g.protocolName = '';
    return;
  }
  startRebalance(g, now);
}

/** The protocols every member supports, or the candidate names of one joining member. */
export function commonProtocols(g: ClassicGroup, joining?: ClassicProtocol[]): string[] {
  const lists = g.members.map((m) => m.protocols.map((p) => p.name));
  if (joining) lists.push(joining.map((p) => p.name));
  if (lists.length === 0) return [];
  return lists[0]!.filter((name) => lists.every((l) => l.includes(name)));
}

export interface JoinInput
  extends Pick<ClassicMember, 'memberId' | 'groupInstanceId' | 'clientId' | 'clientHost' | 'sessionTimeoutMs' | 'rebalanceTimeoutMs' | 'protocols'> {
  protocolType: string;
}

/** Adds or refreshes a member and starts (or joins) a rebalance. False: no common protocol. */
export function join(g: ClassicGroup, input: JoinInput, now: number): boolean {
  const others = g.members.filter((m) => m.memberId !== input.memberId);
  if (others.length > 0 && g.protocolType !== input.protocolType) return false;
  if (others.length > 0 && commonProtocols({ ...g, members: others }, input.protocols).length === 0) return false;
  startRebalance(g, now);
  g.protocolType = input.protocolType;
  // The lease covers the whole join phase: a member waiting for others is not expired.
  const lease = now + input.rebalanceTimeoutMs + input.sessionTimeoutMs;
  const existing = memberOf(g, input.memberId);
  const member: ClassicMember = { ...input, joined: true, assignment: '', expiresAt: lease };
  if (existing) Object.assign(existing, member);
  else g.members.push(member);
  g.rebalanceDeadline = Math.max(g.rebalanceDeadline, now + input.rebalanceTimeoutMs);
  return true;
}

/** A member still waiting in its JoinGroup counts as rejoined when a new round starts. */
export function rejoin(g: ClassicGroup, memberId: string, now: number): boolean {
  const m = memberOf(g, memberId);
  if (!m || m.joined || g.state !== 'PreparingRebalance') return false;
  m.joined = true;
  m.expiresAt = Math.max(m.expiresAt, now + m.rebalanceTimeoutMs + m.sessionTimeoutMs);
  return true;
}

export const readyToComplete = (g: ClassicGroup, now: number): boolean =>
  g.state === 'PreparingRebalance' && (g.members.every((m) => m.joined) || now >= g.rebalanceDeadline);

/** Ends the join phase: drops members that did not rejoin, bumps the generation, picks protocol and leader. */
export function completeJoin(g: ClassicGroup, now: number): void {
  g.members = g.members.filter((m) => m.joined);
  g.generation++;
  if (g.members.length === 0) {
    g.state = 'Empty';
    g.leader = '';
    g.protocolName = '';
    return;
  }
  const candidates = commonProtocols(g);
  const votes = new Map(candidates.map((c) => [c, 0]));
  for (const m of g.members) {
    const first = m.protocols.find((p) => votes.has(p.name));
    if (first) votes.set(first.name, votes.get(first.name)! + 1);
  }
  g.protocolName = [...votes.entries()].reduce((best, cur) => (cur[1] > best[1] ? cur : best))[0];
  if (!memberOf(g, g.leader)) g.leader = g.members[0]!.memberId;
  g.state = 'CompletingRebalance';
  for (const m of g.members) m.expiresAt = now + m.sessionTimeoutMs;
}

/** The leader's SyncGroup: assignments for every member (absent ones get none); the group is Stable. */
export function applyAssignments(g: ClassicGroup, assignments: Map<string, string>): void {
  for (const m of g.members) m.assignment = assignments.get(m.memberId) ?? '';
  g.state = 'Stable';
}

/** The metadata a member sent for the chosen protocol (base64). */
export const metadataFor = (m: ClassicMember, protocol: string): string =>
  m.protocols.find((p) => p.name === protocol)?.metadata ?? '';
