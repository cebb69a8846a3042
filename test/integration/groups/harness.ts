// Helpers for group tests: a settable clock, consumers that remember what they were told
// (the client-side view), and a driver that heartbeats until the group is reconciled,
// checking after every response that no partition is consumed by two members.
import { expect } from 'vitest';
import { Groups, type GroupDescription, type MemberAssignment } from '../../../lib/groups/index.ts';
import { Log } from '../../../lib/log/index.ts';
import type { StorageClients } from '../../../lib/storage/clients.ts';

export interface Clock {
  now: () => number;
  advance(ms: number): void;
}

export function clock(start = 1_750_000_000_000): Clock {
  let t = start;
  return { now: () => t, advance: (ms) => void (t += ms) };
}

export function groupsFor(clients: StorageClients, c: Clock): Groups {
  return new Groups(clients, new Log(clients), { now: c.now });
}

/** One consumer: its member id, and the generation and assignment of its last response. */
export class Consumer {
  generation = 0;
  assignment = new Set<string>();
  memberId = '';

  constructor(
    readonly groups: Groups,
    readonly group: string,
  ) {}

  static async join(groups: Groups, group: string, topics: string[], sessionTimeoutMs?: number): Promise<Consumer> {
    const c = new Consumer(groups, group);
    c.apply(await groups.join(group, { topics, ...(sessionTimeoutMs !== undefined ? { sessionTimeoutMs } : {}) }));
    return c;
  }

  /** Heartbeats; true if the generation or assignment changed. */
  async heartbeat(): Promise<boolean> {
    const before = `${this.generation}|${[...this.assignment].sort()}`;
    this.apply(await this.groups.heartbeat(this.group, this.memberId, { generation: this.generation }));
    return before !== `${this.generation}|${[...this.assignment].sort()}`;
  }

  apply(res: MemberAssignment): void {
    this.memberId = res.memberId;
    this.generation = res.generation;
    this.assignment = new Set(res.assignment.flatMap((a) => a.partitions.map((p) => `${a.topic}#${p}`)));
  }

  partitions(topic: string): number[] {
    return [...this.assignment]
      .filter((k) => k.startsWith(`${topic}#`))
      .map((k) => Number(k.slice(topic.length + 1)))
      .sort((a, b) => a - b);
  }
}

/** No partition is in two consumers' last responses, nor owned by two members in the stored state. */
export function expectDisjoint(consumers: readonly Consumer[], described?: GroupDescription): void {
  const seen = new Map<string, string>();
  for (const c of consumers) {
    for (const k of c.assignment) {
      expect(seen.get(k), `${k} consumed by ${seen.get(k)} and ${c.memberId}`).toBeUndefined();
      seen.set(k, c.memberId);
    }
  }
  if (!described) return;
  const owned = new Map<string, string>();
  for (const m of described.members) {
    for (const a of [...m.assignment, ...m.revoking]) {
      for (const p of a.partitions) {
        const k = `${a.topic}#${p}`;
        expect(owned.get(k), `${k} owned by ${owned.get(k)} and ${m.memberId}`).toBeUndefined();
        owned.set(k, m.memberId);
      }
    }
  }
}

/**
 * Heartbeats the consumers round-robin (or all at once with `concurrent`) until the
 * group is Stable and a whole round changed nothing, checking disjointness after every
 * response. Returns the number of rounds it took.
 */
export async function settle(consumers: readonly Consumer[], opts: { concurrent?: boolean; maxRounds?: number } = {}): Promise<number> {
  const groups = consumers[0]!.groups;
  const group = consumers[0]!.group;
  for (let round = 1; round <= (opts.maxRounds ?? 12); round++) {
    let changed = false;
    if (opts.concurrent) {
      changed = (await Promise.all(consumers.map((c) => c.heartbeat()))).some(Boolean);
      expectDisjoint(consumers, await groups.describe(group));
    } else {
      for (const c of consumers) {
        changed = (await c.heartbeat()) || changed;
        expectDisjoint(consumers, await groups.describe(group));
      }
    }
    if (!changed && (await groups.describe(group)).state === 'Stable') return round;
  }
  throw new Error('the group did not settle');
}

export function expectBalancedAndComplete(consumers: readonly Consumer[], topic: string, partitions: number): void {
  const all = consumers.flatMap((c) => c.partitions(topic)).sort((a, b) => a - b);
  expect(all).toEqual(Array.from({ length: partitions }, (_, p) => p));
  const counts = consumers.map((c) => c.partitions(topic).length);
  expect(Math.max(...counts) - Math.min(...counts)).toBeLessThanOrEqual(1);
}
