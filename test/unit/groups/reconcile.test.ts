// The reconciliation protocol on plain records: a partition moves to its new owner only
// after the previous owner confirmed giving it up, left, or expired.
import { describe, expect, it } from 'vitest';
import {
  confirmRevocations,
  expireMembers,
  groupState,
  newGroup,
  newMember,
  reconcileMember,
  retarget,
  toSet,
} from '../../../lib/groups/reconcile.ts';
import type { GroupRecord } from '../../../lib/groups/store.ts';

function group(members: string[], partitions = 4): GroupRecord {
  const rec = newGroup('g', 0);
  rec.topics = { t: { topicId: 'id', partitions } };
  for (const id of members) rec.members[id] = newMember(id, ['t'], 10_000, 0);
  retarget(rec);
  for (const id of members) reconcileMember(rec, id);
  return rec;
}

function join(rec: GroupRecord, id: string): void {
  rec.members[id] = newMember(id, ['t'], 10_000, 0);
  retarget(rec);
  reconcileMember(rec, id);
}

const owned = (rec: GroupRecord, id: string) => {
  const m = rec.members[id]!;
  return [...toSet(m.assigned), ...toSet(m.revoking)].sort();
};

describe('reconciliation', () => {
  it('gives a joining member nothing while the old owner still holds its target', () => {
    const rec = group(['a']);

    join(rec, 'b');

    expect(toSet(rec.members.b!.target).size).toBe(2);
    expect(owned(rec, 'b')).toEqual([]);
    expect(owned(rec, 'a')).toHaveLength(4);
  });

  it('revokes first: the old owner stops consuming but still owns until it confirms', () => {
    const rec = group(['a']);
    join(rec, 'b');
    const epoch = rec.members.a!.epoch;

    reconcileMember(rec, 'a');
    reconcileMember(rec, 'b');

    expect(rec.members.a!.epoch).toBeGreaterThan(epoch);
    expect(toSet(rec.members.a!.assigned).size).toBe(2);
    expect(toSet(rec.members.a!.revoking).size).toBe(2);
    expect(owned(rec, 'b')).toEqual([]);
    expect(groupState(Object.values(rec.members))).toBe('Reconciling');
  });

  it('hands revoked partitions over once the old owner confirms', () => {
    const rec = group(['a']);
    join(rec, 'b');
    reconcileMember(rec, 'a');

    confirmRevocations(rec.members.a!);
    reconcileMember(rec, 'b');

    expect(owned(rec, 'a')).toHaveLength(2);
    expect(owned(rec, 'b')).toHaveLength(2);
    expect(new Set([...owned(rec, 'a'), ...owned(rec, 'b')]).size).toBe(4);
    expect(groupState(Object.values(rec.members))).toBe('Stable');
  });

  it('keeps revoking what the member says it still owns', () => {
    const rec = group(['a']);
    join(rec, 'b');
    reconcileMember(rec, 'a');
    const [first, ...rest] = [...toSet(rec.members.a!.revoking)];
    const p = Number(first!.split('#')[1]);

    confirmRevocations(rec.members.a!, { t: [p] });

    expect([...toSet(rec.members.a!.revoking)]).toEqual([first]);
    reconcileMember(rec, 'b');
    expect(owned(rec, 'b')).toEqual(rest.sort());
  });

  it('frees the partitions of an expired member at once', () => {
    const rec = group(['a', 'b']);
    rec.members.a!.expiresAt = 5;

    expect(expireMembers(rec, 5)).toEqual(['a']);
    retarget(rec);
    reconcileMember(rec, 'b');

    expect(owned(rec, 'b')).toHaveLength(4);
  });

  it('returns a revoking partition to its member when the target flips back', () => {
    const rec = group(['a']);
    join(rec, 'b');
    reconcileMember(rec, 'a');
    delete rec.members.b;
    retarget(rec);

    reconcileMember(rec, 'a');

    expect(toSet(rec.members.a!.assigned).size).toBe(4);
    expect(toSet(rec.members.a!.revoking).size).toBe(0);
  });
});
