// The classic group state machine, on plain records.
import { describe, expect, it } from 'vitest';
import {
  applyAssignments, completeJoin, expireMembers, join, newClassicGroup, readyToComplete, rejoin, removeMembers, type JoinInput,
} from '../../../lib/gateway/groups/state.ts';

const input = (memberId: string, protocols = ['range', 'roundrobin']): JoinInput => ({
  memberId, groupInstanceId: null, clientId: 'c', clientHost: 'h', sessionTimeoutMs: 10_000, rebalanceTimeoutMs: 20_000,
  protocolType: 'consumer', protocols: protocols.map((name) => ({ name, metadata: '' })),
});

describe('classic group state', () => {
  it('completes a rebalance once every member rejoined: generation up, leader kept, the protocol most members prefer', () => {
    const g = newClassicGroup('g');
    join(g, input('a', ['range', 'roundrobin']), 0);
    completeJoin(g, 0);
    expect(g).toMatchObject({ state: 'CompletingRebalance', generation: 1, leader: 'a', protocolName: 'range' });
    applyAssignments(g, new Map([['a', 'eA==']]));
    expect(g.state).toBe('Stable');

    join(g, input('b', ['roundrobin', 'range']), 10);
    expect(g.state).toBe('PreparingRebalance');
    expect(readyToComplete(g, 10)).toBe(false); // a has not rejoined
    join(g, input('c', ['roundrobin']), 20);
    join(g, input('a', ['range', 'roundrobin']), 30);
    expect(readyToComplete(g, 30)).toBe(true);
    completeJoin(g, 30);
    expect(g).toMatchObject({ generation: 2, leader: 'a', protocolName: 'roundrobin' });
    expect(g.members.every((m) => m.assignment === '')).toBe(true);
  });

  it('drops members that did not rejoin by the deadline', () => {
    const g = newClassicGroup('g');
    join(g, input('a'), 0);
    completeJoin(g, 0);
    join(g, input('b'), 100);
    expect(readyToComplete(g, 100 + 19_999)).toBe(false);
    expect(readyToComplete(g, 100 + 20_000)).toBe(true);
    completeJoin(g, 100 + 20_000);
    expect(g.members.map((m) => m.memberId)).toEqual(['b']);
    expect(g.leader).toBe('b');
  });

  it('refuses a member whose protocols share none with the group, or of another protocol type', () => {
    const g = newClassicGroup('g');
    join(g, input('a', ['range']), 0);
    expect(join(g, input('b', ['sticky']), 0)).toBe(false);
    expect(join(g, { ...input('c'), protocolType: 'connect' }, 0)).toBe(false);
    expect(g.members.map((m) => m.memberId)).toEqual(['a']);
  });

  it('expires members whose session ran out and rebalances the rest; the last leaving empties the group', () => {
    const g = newClassicGroup('g');
    join(g, input('a'), 0);
    join(g, input('b'), 0);
    completeJoin(g, 0);
    applyAssignments(g, new Map());
    g.members[1]!.expiresAt = 5;
    expect(expireMembers(g, 6)).toBe(true);
    expect(g.state).toBe('PreparingRebalance');
    expect(g.members.map((m) => m.memberId)).toEqual(['a']);
    const generation = g.generation;
    removeMembers(g, ['a'], 7);
    expect(g).toMatchObject({ state: 'Empty', leader: '', generation: generation + 1 });
  });

  it('counts a member still waiting in its join as rejoined when a new round starts', () => {
    const g = newClassicGroup('g');
    join(g, input('a'), 0);
    completeJoin(g, 0);
    join(g, input('b'), 1);
    expect(rejoin(g, 'a', 2)).toBe(true);
    expect(readyToComplete(g, 2)).toBe(true);
  });
});
