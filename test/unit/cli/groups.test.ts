import { describe, expect, it } from 'vitest';
import { formatAssignment, parseDatetime, renderGroup, renderGroupList, resetTargetFrom } from '../../../lib/cli/commands/groups.ts';
import { UsageError } from '../../../lib/cli/errors.ts';
import type { GroupDescription } from '../../../lib/client/index.ts';

describe('sluice groups rendering', () => {
  const desc: GroupDescription = {
    group: 'billing',
    state: 'Stable',
    generation: 4,
    lag: 7,
    members: [
      {
        memberId: 'm-1',
        topics: ['orders'],
        generation: 4,
        assignment: [{ topic: 'orders', partitions: [0, 1] }],
        revoking: [],
        target: [{ topic: 'orders', partitions: [0, 1] }],
        sessionTimeoutMs: 45_000,
        expiresAt: 0,
        joinedAt: 0,
      },
    ],
    offsets: [
      { topic: 'orders', partition: 0, offset: 10, metadata: '', lag: 0, logStartOffset: 0, highWatermark: 10 },
      { topic: 'orders', partition: 1, offset: null, metadata: null, lag: 7, logStartOffset: 0, highWatermark: 7 },
    ],
  };

  it('describes a group as a readable table', () => {
    const text = renderGroup(desc);
    expect(text).toContain('Group: billing\tState: Stable\tGeneration: 4\tMembers: 1\tLag: 7');
    expect(text).toMatch(/^orders\s+0\s+10\s+0\s+10\s+0\s+m-1$/m);
    expect(text).toMatch(/^orders\s+1\s+-\s+0\s+7\s+7\s+m-1$/m);
    expect(text).toMatch(/^m-1\s+4\s+orders:0,1\s+-\s+45000$/m);
    expect(renderGroupList([{ group: 'b', state: 'Empty', members: 0, generation: 2 }, { group: 'a', state: 'Stable', members: 1, generation: 1 }]).split('\n').map((l) => l.split(/\s+/)[0])).toEqual(['GROUP', 'a', 'b']);
    expect(formatAssignment([])).toBe('-');
  });

  it('takes exactly one reset target', () => {
    expect(resetTargetFrom({ toEarliest: true })).toBe('earliest');
    expect(resetTargetFrom({ toLatest: true })).toBe('latest');
    expect(resetTargetFrom({ toOffset: 5 })).toEqual({ offset: 5 });
    expect(resetTargetFrom({ shiftBy: -3 })).toEqual({ shiftBy: -3 });
    expect(resetTargetFrom({ toDatetime: '2025-06-15T12:00:00Z' })).toEqual({ datetime: Date.parse('2025-06-15T12:00:00Z') });
    expect(() => resetTargetFrom({})).toThrow(UsageError);
    expect(() => resetTargetFrom({ toEarliest: true, toOffset: 1 })).toThrow(/cannot be combined/);
    expect(parseDatetime('1750000000000')).toBe(1_750_000_000_000);
    expect(() => parseDatetime('yesterday')).toThrow(/--to-datetime/);
  });
});
