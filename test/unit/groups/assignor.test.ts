// The assignor as a pure function: complete, disjoint, balanced per topic set, sticky as
// far as balance allows, and stable (a balanced target stays where it is).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { assignPartitions, type AssignorInput } from '../../../lib/groups/assignor.ts';
import type { TopicPartitions } from '../../../lib/groups/store.ts';

const TOPICS = ['a', 'b', 'c', 'd'];

/** Members with random subscriptions (some to topics that do not exist), random counts, and a
 * random disjoint previous assignment that also names departed members and stale partitions. */
const input: fc.Arbitrary<AssignorInput> = fc
  .record({
    counts: fc.tuple(...TOPICS.map(() => fc.integer({ min: 0, max: 12 }))),
    subs: fc.array(fc.subarray([...TOPICS, 'ghost'], { minLength: 1 }), { minLength: 0, maxLength: 8 }),
    owners: fc.array(fc.integer({ min: -1, max: 10 }), { minLength: TOPICS.length * 15, maxLength: TOPICS.length * 15 }),
  })
  .map(({ counts, subs, owners }) => {
    const partitionCounts = Object.fromEntries(TOPICS.map((t, i) => [t, counts[i]!]));
    const members = subs.map((topics, i) => ({ memberId: `m${i}`, topics }));
    const previous: Record<string, TopicPartitions> = {};
    TOPICS.forEach((t, ti) => {
      for (let p = 0; p < 15; p++) {
        const o = owners[ti * 15 + p]!;
        if (o >= 0) ((previous[`m${o}`] ??= {})[t] ??= []).push(p);
      }
    });
    return { members, partitionCounts, previous };
  });

const existing = (inp: AssignorInput, topics: readonly string[]) =>
  [...new Set(topics)].filter((t) => (inp.partitionCounts[t] ?? 0) > 0).sort();
const keysOf = (tps: TopicPartitions | undefined) =>
  Object.entries(tps ?? {}).flatMap(([t, ps]) => ps.map((p) => `${t}#${p}`));

describe('assignPartitions', () => {
  it('is complete and disjoint, and assigns only subscribed, existing partitions', () => {
    fc.assert(
      fc.property(input, (inp) => {
        const out = assignPartitions(inp);
        expect(Object.keys(out).sort()).toEqual(inp.members.map((m) => m.memberId).sort());
        const owner = new Map<string, string>();
        for (const m of inp.members) {
          for (const [t, ps] of Object.entries(out[m.memberId]!)) {
            expect(m.topics).toContain(t);
            for (const p of ps) {
              expect(p).toBeLessThan(inp.partitionCounts[t]!);
              expect(owner.has(`${t}#${p}`), `${t}#${p} assigned twice`).toBe(false);
              owner.set(`${t}#${p}`, m.memberId);
            }
          }
        }
        const subscribed = new Set(inp.members.flatMap((m) => existing(inp, m.topics)));
        const expected = [...subscribed].flatMap((t) => Array.from({ length: inp.partitionCounts[t]! }, (_, p) => `${t}#${p}`));
        expect([...owner.keys()].sort()).toEqual(expected.sort());
      }),
      { numRuns: 300 },
    );
  });

  it('balances members with the same topics to within one partition', () => {
    fc.assert(
      fc.property(input, (inp) => {
        const out = assignPartitions(inp);
        const byClass = new Map<string, number[]>();
        for (const m of inp.members) {
          const key = existing(inp, m.topics).join(',');
          byClass.set(key, [...(byClass.get(key) ?? []), keysOf(out[m.memberId]).length]);
        }
        for (const counts of byClass.values()) expect(Math.max(...counts) - Math.min(...counts)).toBeLessThanOrEqual(1);
      }),
      { numRuns: 300 },
    );
  });

  it('keeps as many previous owners as balance allows', () => {
    fc.assert(
      fc.property(input, (inp) => {
        const out = assignPartitions(inp);
        const classes = new Map<string, string[]>();
        for (const m of inp.members) {
          const key = existing(inp, m.topics).join(',');
          if (key) classes.set(key, [...(classes.get(key) ?? []), m.memberId]);
        }
        for (const ids of classes.values()) {
          // The class's pool is what its members got; within it, the best possible retention
          // gives the ceil quotas to the members that held the most.
          const pool = new Set(ids.flatMap((id) => keysOf(out[id])));
          const held = ids.map((id) => keysOf(inp.previous![id]).filter((k) => pool.has(k)).length).sort((x, y) => y - x);
          const base = Math.floor(pool.size / ids.length);
          const extra = pool.size % ids.length;
          const best = held.reduce((sum, c, rank) => sum + Math.min(c, base + (rank < extra ? 1 : 0)), 0);
          const kept = ids.reduce((sum, id) => {
            const prev = new Set(keysOf(inp.previous![id]));
            return sum + keysOf(out[id]).filter((k) => prev.has(k)).length;
          }, 0);
          expect(kept).toBe(best);
          for (const id of ids) {
            const prev = keysOf(inp.previous![id]).filter((k) => pool.has(k));
            const mine = new Set(keysOf(out[id]));
            expect(prev.filter((k) => mine.has(k)).length).toBeGreaterThanOrEqual(Math.min(prev.length, base));
          }
        }
      }),
      { numRuns: 300 },
    );
  });

  it('is stable: assigning again from its own result changes nothing', () => {
    fc.assert(
      fc.property(input, (inp) => {
        const once = assignPartitions(inp);
        expect(assignPartitions({ ...inp, previous: once })).toEqual(once);
      }),
      { numRuns: 300 },
    );
  });

  it('splits 6 partitions 2/2/2 among three members', () => {
    const out = assignPartitions({
      members: ['x', 'y', 'z'].map((memberId) => ({ memberId, topics: ['t'] })),
      partitionCounts: { t: 6 },
    });

    expect(Object.values(out).map((a) => a.t!.length)).toEqual([2, 2, 2]);
  });

  it('moves only the minimum when a fourth member joins 12 partitions on three', () => {
    const members = ['x', 'y', 'z'].map((memberId) => ({ memberId, topics: ['t'] }));
    const before = assignPartitions({ members, partitionCounts: { t: 12 } });

    const after = assignPartitions({
      members: [...members, { memberId: 'w', topics: ['t'] }],
      partitionCounts: { t: 12 },
      previous: before,
    });

    const moved = ['x', 'y', 'z'].reduce((n, id) => n + before[id]!.t!.filter((p) => !after[id]!.t!.includes(p)).length, 0);
    expect(moved).toBe(3);
    expect(after.w!.t).toHaveLength(3);
  });

  it('balances members with different subscriptions across the topic they share', () => {
    const out = assignPartitions({
      members: [
        { memberId: 'only-a', topics: ['a'] },
        { memberId: 'a-and-b', topics: ['a', 'b'] },
      ],
      partitionCounts: { a: 4, b: 2 },
    });

    expect(keysOf(out['only-a']).length).toBe(3);
    expect(keysOf(out['a-and-b']).length).toBe(3);
  });

  it('assigns nothing for topics that do not exist', () => {
    const out = assignPartitions({ members: [{ memberId: 'm', topics: ['later'] }], partitionCounts: {} });

    expect(out).toEqual({ m: {} });
  });
});
