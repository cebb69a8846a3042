// Pure state transitions of a group record: expiry, target computation and the
// reconciliation of one member toward its target. updates.ts applies them to a
// record read from DynamoDB and writes the result back conditionally; nothing here does
// I/O, so every rule can be tested on plain objects.
//
// Reconciliation protocol (KIP-848 style; the server drives it, the client only obeys):
//
//   * Each member has `assigned` (may consume now), `revoking` (told to stop, not yet
//     confirmed) and `target` (what the assignor wants it to have). A partition is OWNED
//     by a member while it is in its assigned or revoking set, and at most one member
//     owns a partition at any time.
//   * A join or heartbeat reconciles the calling member only:
//       1. revoking partitions that are in the target again move back to assigned;
//       2. assigned partitions not in the target move to revoking;
//       3. target partitions that nobody owns move to assigned.
//     Any change bumps the member epoch (`generation`) to a new group generation.
//   * The response's assignment is `assigned` at that epoch: revoked partitions are
//     absent from it. The client must stop consuming a partition as soon as a response no
//     longer lists it and may still commit that partition's final offset with the new
//     generation (the member still owns it).
//   * Confirmation: a heartbeat whose generation equals the member's current epoch proves
//     the member received the response that revoked its `revoking` partitions (every
//     response at that epoch omitted them), so they are released. A heartbeat may carry
//     `owned` to say it is still finishing some of them; those stay revoking. A stale
//     generation (lower than the current epoch; e.g. a heartbeat sent before the
//     revoking response arrived) confirms nothing and just gets the current state.
//   * A released partition goes to its target member at that member's next heartbeat.
//     Members that leave or whose session expires own nothing from that moment on.
import type { GroupState } from '../core/wire.ts';
import type { GroupRecord, MemberRecord, TopicInfo, TopicPartitions } from './store.ts';
import { assignPartitions } from './assignor.ts';

export type { GroupState };

export const tpKey = (topic: string, partition: number): string => `${topic}#${partition}`;

export function toSet(tps: TopicPartitions): Set<string> {
  const s = new Set<string>();
  for (const [t, ps] of Object.entries(tps)) for (const p of ps) s.add(tpKey(t, p));
  return s;
}

export function fromSet(keys: Iterable<string>): TopicPartitions {
  const out: TopicPartitions = {};
  for (const k of keys) {
    const i = k.lastIndexOf('#');
    (out[k.slice(0, i)] ??= []).push(Number(k.slice(i + 1)));
  }
  return normalize(out);
}

/** Topics sorted, partitions ascending and unique, empty topics dropped. */
export function normalize(tps: TopicPartitions): TopicPartitions {
  const out: TopicPartitions = {};
  for (const t of Object.keys(tps).sort()) {
    const ps = [...new Set(tps[t])].sort((a, b) => a - b);
    if (ps.length) out[t] = ps;
  }
  return out;
}

export const countOf = (tps: TopicPartitions): number => Object.values(tps).reduce((n, ps) => n + ps.length, 0);

export function sameAssignment(a: TopicPartitions, b: TopicPartitions): boolean {
  return JSON.stringify(normalize(a)) === JSON.stringify(normalize(b));
}

export function newGroup(groupId: string, now: number): GroupRecord {
  return { groupId, version: 0, generation: 0, createdAt: now, members: {}, topics: {}, topicsCheckedAt: 0 };
}

export function newMember(memberId: string, topics: readonly string[], sessionTimeoutMs: number, now: number): MemberRecord {
  return {
    memberId,
    topics: [...new Set(topics)].sort(),
    sessionTimeoutMs,
    expiresAt: now + sessionTimeoutMs,
    epoch: 0,
    joinedAt: now,
    assigned: {},
    revoking: {},
    target: {},
  };
}

export const isExpired = (m: MemberRecord, now: number): boolean => m.expiresAt <= now;

/** Removes members whose session expired; returns their ids. */
export function expireMembers(rec: GroupRecord, now: number): string[] {
  const gone = Object.values(rec.members).filter((m) => isExpired(m, now)).map((m) => m.memberId);
  for (const id of gone) delete rec.members[id];
  return gone;
}

/** Topics some member subscribes to. */
export function subscribedTopics(rec: GroupRecord): string[] {
  return [...new Set(Object.values(rec.members).flatMap((m) => m.topics))].sort();
}

/**
 * Merges freshly read topic metadata into the record: partition counts only grow for
 * the same topic id (a concurrent reader with an older count must not shrink them);
 * a re-created topic takes the new count; a missing topic drops out.
 */
export function mergeTopics(rec: GroupRecord, fresh: ReadonlyMap<string, TopicInfo | undefined>): void {
  const next: Record<string, TopicInfo> = {};
  for (const t of subscribedTopics(rec)) {
    const f = fresh.has(t) ? fresh.get(t) : rec.topics[t];
    const stored = rec.topics[t];
    if (!f) continue;
    next[t] = stored && stored.topicId === f.topicId ? { topicId: f.topicId, partitions: Math.max(stored.partitions, f.partitions) } : f;
  }
  rec.topics = next;
}

/** Recomputes every member's target, sticky on the previous target. True if any changed. */
export function retarget(rec: GroupRecord): boolean {
  const members = Object.values(rec.members);
  const next = assignPartitions({
    members: members.map((m) => ({ memberId: m.memberId, topics: m.topics })),
    partitionCounts: Object.fromEntries(Object.entries(rec.topics).map(([t, i]) => [t, i.partitions])),
    previous: Object.fromEntries(members.map((m) => [m.memberId, m.target])),
  });
  let changed = false;
  for (const m of members) {
    const target = normalize(next[m.memberId] ?? {});
    if (!sameAssignment(target, m.target)) changed = true;
    m.target = target;
  }
  if (changed) rec.generation++;
  return changed;
}

/**
 * Confirms the revocations of `member` (its heartbeat carried its current epoch):
 * partitions it says it still owns stay revoking, the rest are released.
 */
export function confirmRevocations(member: MemberRecord, owned?: TopicPartitions): boolean {
  const revoking = toSet(member.revoking);
  if (revoking.size === 0) return false;
  const still = owned ? toSet(owned) : new Set<string>();
  const keep = [...revoking].filter((k) => still.has(k));
  member.revoking = fromSet(keep);
  return keep.length < revoking.size;
}

/** Moves `memberId` toward its target (see the protocol above). True if anything changed. */
export function reconcileMember(rec: GroupRecord, memberId: string): boolean {
  const m = rec.members[memberId];
  if (!m) return false;
  const target = toSet(m.target);
  const assigned = toSet(m.assigned);
  const revoking = toSet(m.revoking);
  let changed = false;
  for (const k of revoking) {
    if (target.has(k)) {
      revoking.delete(k);
      assigned.add(k);
      changed = true;
    }
  }
  for (const k of assigned) {
    if (!target.has(k)) {
      assigned.delete(k);
      revoking.add(k);
      changed = true;
    }
  }
  const heldByOthers = new Set<string>();
  for (const o of Object.values(rec.members)) {
    if (o.memberId === memberId) continue;
    for (const k of toSet(o.assigned)) heldByOthers.add(k);
    for (const k of toSet(o.revoking)) heldByOthers.add(k);
  }
  for (const k of target) {
    if (!assigned.has(k) && !heldByOthers.has(k)) {
      assigned.add(k);
      changed = true;
    }
  }
  if (changed) {
    m.assigned = fromSet(assigned);
    m.revoking = fromSet(revoking);
    m.epoch = ++rec.generation;
  }
  return changed;
}

/** Empty: no members; Stable: every member owns exactly its target; else Reconciling. */
export function groupState(members: readonly MemberRecord[]): GroupState {
  if (members.length === 0) return 'Empty';
  const settled = members.every((m) => countOf(m.revoking) === 0 && sameAssignment(m.assigned, m.target));
  return settled ? 'Stable' : 'Reconciling';
}

/** The part of a record whose change needs a full write (everything but leases and version). */
export function structure(rec: GroupRecord | undefined): string {
  if (!rec) return '';
  const members = Object.values(rec.members)
    .map(({ expiresAt: _e, ...m }) => m)
    .sort((a, b) => (a.memberId < b.memberId ? -1 : 1));
  return JSON.stringify({ g: rec.generation, t: rec.topics, c: rec.topicsCheckedAt, m: members });
}
