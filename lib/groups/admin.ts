// Group administration, as kafka-consumer-groups does it: list, describe (members, their
// assignment and the offsets with lag) and delete (only while the group is empty).
import { GroupIdNotFoundError, type SluiceError } from '../core/errors.ts';
import { validate } from '../core/schema.ts';
import { fenceError } from './fencing.ts';
import { toList } from './membership.ts';
import { deleteOffsets, readOffsets } from './offsetStore.ts';
import { offsetsWithLag } from './offsets.ts';
import { groupState, isExpired } from './reconcile.ts';
import { GroupId } from './schema.ts';
import { deleteGroupItem, scanGroups } from './store.ts';
import type { GroupDescription, GroupSummary } from './types.ts';
import type { GroupUpdates } from './updates.ts';

/** Every group with a group item or committed offsets; reads only. */
export async function listGroups(u: GroupUpdates): Promise<GroupSummary[]> {
  const now = u.now();
  return (await scanGroups(u.clients)).map((g) => {
    const live = g.record ? Object.values(g.record.members).filter((m) => !isExpired(m, now)) : [];
    return { group: g.groupId, state: groupState(live), members: live.length, generation: g.record?.generation ?? 0 };
  });
}

export async function describeGroup(u: GroupUpdates, group: string): Promise<GroupDescription> {
  validate(GroupId, group);
  const rec = await u.removeExpired(group);
  const members = rec ? Object.values(rec.members).sort((a, b) => a.joinedAt - b.joinedAt || (a.memberId < b.memberId ? -1 : 1)) : [];
  const offsets = await offsetsWithLag(u, group, members);
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
export async function deleteGroup(u: GroupUpdates, group: string): Promise<void> {
  validate(GroupId, group);
  for (let attempt = 0; attempt < u.maxAttempts; attempt++) {
    if (attempt > 0) await u.backoff(attempt);
    const rec = await u.removeExpired(group);
    const offsets = await readOffsets(u.clients, group);
    if (!rec && offsets.length === 0) throw groupNotFound(group);
    const denied = fenceError(rec, { empty: true }, []);
    if (denied) throw denied;
    if (rec && !(await deleteGroupItem(u.clients, group, rec.version)).ok) continue;
    await deleteOffsets(u.clients, group, offsets);
    return;
  }
  throw u.exhausted(group);
}

const groupNotFound = (group: string): SluiceError => new GroupIdNotFoundError(`Group '${group}' does not exist.`, { group });
