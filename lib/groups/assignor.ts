// The server-side assignor (KIP-848's "uniform" assignor, simplified): a pure function
// from members, their subscriptions, partition counts and the previous target to the
// next target. Guarantees, for every input:
//
//   complete   every partition of every subscribed topic that exists goes to exactly one
//              member subscribed to that topic; topics nobody subscribes to, or that do
//              not exist (count 0), are not assigned
//   balanced   members with the same set of (existing) subscribed topics get partition
//              counts that differ by at most 1
//   sticky     within such a set of members, the number of partitions that stay with
//              their previous owner is the maximum balance allows
//
// How: members with the same topic set form a class. Each partition first goes to the
// class of its previous owner (if that owner still subscribes to it), the rest to the
// least loaded class subscribing to its topic. Then partitions move between classes that
// share a topic while that lowers the heavier class's average load without making it
// lighter than the other (this strictly lowers sum(size^2 / members), so it ends).
// Finally each class splits its pool: ceil-quotas go to the members that kept the most,
// every member keeps previous partitions up to its quota, the rest are dealt round-robin
// to the members below quota.
import type { TopicPartitions } from './store.ts';

export interface AssignorMember {
  memberId: string;
  topics: readonly string[];
}

export interface AssignorInput {
  members: readonly AssignorMember[];
  /** Partition count per topic; a missing or zero count means the topic does not exist. */
  partitionCounts: Readonly<Record<string, number>>;
  /** The previous target per member; partitions claimed twice go to the first member by id. */
  previous?: Readonly<Record<string, TopicPartitions>>;
}

interface Klass {
  topics: string[];
  members: number[];
  pool: Map<string, number[]>;
  size: number;
}

type TP = [topic: string, partition: number];

/** Who subscribes to what, who owned what, and the classes of members with one topic set. */
interface Plan {
  /** Member ids, sorted; members are referred to by their index here. */
  ids: string[];
  /** Topics in play (subscribed and existing), sorted. */
  topics: string[];
  /** Previous owner (member index) of every partition in play, -1 for none. */
  prevOwner: Map<string, Int32Array>;
  classes: Map<string, Klass>;
  classOf: (Klass | undefined)[];
  /** The classes subscribing to each topic, in a stable order. */
  classesFor: Map<string, Klass[]>;
}

export function assignPartitions(input: AssignorInput): Record<string, TopicPartitions> {
  const plan = planOf(input);
  place(plan);
  balance(plan);
  const result: Record<string, TopicPartitions> = Object.fromEntries(plan.ids.map((id) => [id, {}]));
  for (const k of plan.classes.values()) split(plan, k, result);
  for (const tps of Object.values(result)) for (const ps of Object.values(tps)) ps.sort((a, b) => a - b);
  return result;
}

function planOf(input: AssignorInput): Plan {
  const counts = input.partitionCounts;
  const previous = input.previous ?? {};
  const exists = (t: string) => (counts[t] ?? 0) > 0;
  const ids = [...new Set(input.members.map((m) => m.memberId))].sort(cmp);
  const subs = new Map<string, string[]>();
  for (const m of input.members) {
    subs.set(m.memberId, [...new Set([...(subs.get(m.memberId) ?? []), ...m.topics.filter(exists)])].sort(cmp));
  }
  const topics = [...new Set(ids.flatMap((id) => subs.get(id)!))].sort(cmp);

  const prevOwner = new Map<string, Int32Array>(topics.map((t) => [t, new Int32Array(counts[t]!).fill(-1)]));
  ids.forEach((id, i) => {
    const prev = previous[id] ?? {};
    for (const t of subs.get(id)!) {
      const owners = prevOwner.get(t)!;
      for (const p of prev[t] ?? []) if (Number.isInteger(p) && p >= 0 && p < owners.length && owners[p] === -1) owners[p] = i;
    }
  });

  const classes = new Map<string, Klass>();
  const classOf: (Klass | undefined)[] = [];
  ids.forEach((id, i) => {
    const ts = subs.get(id)!;
    if (ts.length === 0) return;
    const key = ts.join('\n');
    let k = classes.get(key);
    if (!k) classes.set(key, (k = { topics: ts, members: [], pool: new Map(ts.map((t) => [t, []])), size: 0 }));
    k.members.push(i);
    classOf[i] = k;
  });
  const classesFor = new Map<string, Klass[]>(topics.map((t) => [t, []]));
  for (const key of [...classes.keys()].sort(cmp)) {
    const k = classes.get(key)!;
    for (const t of k.topics) classesFor.get(t)!.push(k);
  }
  return { ids, topics, prevOwner, classes, classOf, classesFor };
}

/** a's average load is below b's: a.size / |a| < b.size / |b|, in integers. */
const lighter = (a: Klass, b: Klass): boolean => a.size * b.members.length < b.size * a.members.length;

function put(k: Klass, t: string, p: number): void {
  k.pool.get(t)!.push(p);
  k.size++;
}

/** 1. Sticky placement, then the least loaded class for partitions without an owner. */
function place(plan: Plan): void {
  const unowned: TP[] = [];
  for (const t of plan.topics) {
    plan.prevOwner.get(t)!.forEach((o, p) => (o >= 0 ? put(plan.classOf[o]!, t, p) : unowned.push([t, p])));
  }
  for (const [t, p] of unowned) {
    const cs = plan.classesFor.get(t)!;
    put(cs.reduce((best, k) => (lighter(k, best) ? k : best)), t, p);
  }
}

/** 2. Balance classes that share a topic. */
function balance(plan: Plan): void {
  for (let moved = true; moved; ) {
    moved = false;
    for (const t of plan.topics) {
      const cs = plan.classesFor.get(t)!;
      if (cs.length < 2) continue;
      for (;;) {
        let from: Klass | undefined;
        for (const k of cs) if (k.pool.get(t)!.length > 0 && (!from || lighter(from, k))) from = k;
        const to = cs.reduce((best, k) => (lighter(k, best) ? k : best));
        if (!from || from === to) break;
        // Move only while the source stays at least as loaded as the destination.
        if ((from.size - 1) * to.members.length < (to.size + 1) * from.members.length) break;
        const p = pickToMove(from, to, t, plan.prevOwner.get(t)!, plan.classOf);
        const pool = from.pool.get(t)!;
        pool.splice(pool.indexOf(p), 1);
        from.size--;
        put(to, t, p);
        moved = true;
      }
    }
  }
}

/**
 * 3. Split a class's pool among its members: ceil-quotas to the members that kept the
 * most, each keeps previous partitions up to its quota, the rest dealt round-robin.
 */
function split(plan: Plan, k: Klass, result: Record<string, TopicPartitions>): void {
  const base = Math.floor(k.size / k.members.length);
  const extra = k.size % k.members.length;
  const keep = new Map<number, TP[]>(k.members.map((i) => [i, []]));
  const rest: TP[] = [];
  for (const t of k.topics) {
    for (const p of k.pool.get(t)!.sort((a, b) => a - b)) {
      const o = plan.prevOwner.get(t)![p]!;
      if (o >= 0 && plan.classOf[o] === k) keep.get(o)!.push([t, p]);
      else rest.push([t, p]);
    }
  }
  const byKept = [...k.members].sort((a, b) => keep.get(b)!.length - keep.get(a)!.length || a - b);
  const deficit = new Map<number, number>();
  byKept.forEach((i, rank) => {
    const quota = base + (rank < extra ? 1 : 0);
    const mine = keep.get(i)!;
    for (const [t, p] of mine.slice(0, quota)) add(result[plan.ids[i]!]!, t, p);
    rest.push(...mine.slice(quota));
    deficit.set(i, quota - Math.min(quota, mine.length));
  });
  rest.sort((a, b) => cmp(a[0], b[0]) || a[1] - b[1]);
  const needy = k.members.filter((i) => deficit.get(i)! > 0);
  let next = 0;
  for (const [t, p] of rest) {
    while (deficit.get(needy[next % needy.length]!) === 0) next++;
    const i = needy[next % needy.length]!;
    add(result[plan.ids[i]!]!, t, p);
    deficit.set(i, deficit.get(i)! - 1);
    next++;
  }
}

/**
 * Which partition of `t` to move from class `from` to `to`: one whose previous owner is
 * in `to`, else one nobody in `from` owned, else one of the `from` member that owned the
 * most of `t` (the likeliest to be over its quota anyway).
 */
function pickToMove(from: Klass, to: Klass, t: string, owners: Int32Array, classOf: (Klass | undefined)[]): number {
  const pool = from.pool.get(t)!;
  const home = pool.find((p) => owners[p]! >= 0 && classOf[owners[p]!] === to);
  if (home !== undefined) return home;
  const free = pool.find((p) => owners[p]! < 0 || classOf[owners[p]!] !== from);
  if (free !== undefined) return free;
  const held = new Map<number, number>();
  for (const p of pool) held.set(owners[p]!, (held.get(owners[p]!) ?? 0) + 1);
  let best = pool[0]!;
  for (const p of pool) if ((held.get(owners[p]!) ?? 0) > (held.get(owners[best]!) ?? 0)) best = p;
  return best;
}

function add(tps: TopicPartitions, t: string, p: number): void {
  (tps[t] ??= []).push(p);
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
