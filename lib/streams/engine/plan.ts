// The plan: a topology met with its topics' partition counts. It cuts the graph into
// sub-topologies (nodes connected by parent edges or by a store they both own; a
// repartition topic separates them), numbers the tasks (one per partition number of a
// sub-topology, as Kafka Streams does), gives each internal topic its partition count, and
// checks co-partitioning.
//
// Co-partitioning. A store's key is written by one task only, so records with the same
// key must reach the same task. Within one sub-topology that holds state and reads more
// than one topic (a stream-table or table-table join, a stream-stream join, state fed by
// merged streams), every topic must have the same partition count, or a key could arrive
// through partition 2 of one topic and partition 5 of another. Lookups are different: a
// stream joined to a table through a key selector (the global-table form) only reads the
// table's store, which any task can read by key, so those two topics need no common
// partition count and no common key. That is Sluice's global table: no copy per instance,
// no bootstrap, just a read of the one store.
import { InvalidTopologyError, TopicsNotCopartitionedError, UnknownTopicOrPartitionError } from '../../core/errors.ts';
import type { TaskId } from './types.ts';
import type { NodeSpec, TopicRef, Topology } from './topology.ts';

export interface Subtopology {
  id: number;
  nodes: string[];
  /** Resolved names of the topics its sources read. */
  sourceTopics: string[];
  /** Resolved names of the topics its sinks write, where known up front. */
  sinkTopics: string[];
  /** Stores its nodes own. */
  stores: string[];
  global: boolean;
  partitions: number;
}

export interface InternalTopic {
  name: string;
  partitions: number;
}

export interface PlanConfig {
  applicationId: string;
  /** Partition count of a user topic, or undefined when it does not exist. */
  partitions: (topic: string) => number | undefined;
}

export interface TopologyPlan {
  subtopologies: Subtopology[];
  internalTopics: InternalTopic[];
  topicName(ref: TopicRef): string;
  partitionCount(topic: string): number | undefined;
  /** The task that reads this input partition. */
  taskFor(topic: string, partition: number): TaskId;
  tasks(): TaskId[];
  subtopologyOf(node: string): Subtopology;
}

class UnionFind {
  private readonly parent = new Map<string, string>();
  find(x: string): string {
    let p = this.parent.get(x) ?? x;
    if (p !== x) {
      p = this.find(p);
      this.parent.set(x, p);
    }
    return p;
  }
  union(a: string, b: string): void {
    const ra = this.find(a);
    const rb = this.find(b);
    if (ra !== rb) this.parent.set(rb, ra);
  }
}

/** Nodes grouped into sub-topologies, in the order of their first node. */
export function groupNodes(topology: Topology): NodeSpec[][] {
  const uf = new UnionFind();
  const owners = new Map<string, string>();
  for (const n of topology.nodes()) {
    for (const p of n.parents) uf.union(p, n.name);
    for (const s of n.stores) {
      const o = owners.get(s);
      if (o) uf.union(o, n.name);
      else owners.set(s, n.name);
    }
  }
  const groups = new Map<string, NodeSpec[]>();
  for (const n of topology.nodes()) {
    const root = uf.find(n.name);
    if (!groups.has(root)) groups.set(root, []);
    groups.get(root)!.push(n);
  }
  return [...groups.values()];
}

interface Draft {
  id: number;
  nodes: NodeSpec[];
  sources: TopicRef[];
  sinks: TopicRef[];
  stateful: boolean;
  global: boolean;
}

function drafts(topology: Topology): Draft[] {
  return groupNodes(topology).map((nodes, id) => ({
    id,
    nodes,
    sources: nodes.flatMap((n) => n.source?.topics ?? []),
    sinks: nodes.flatMap((n) => n.sinkTopics ?? []),
    stateful: nodes.some((n) => n.stores.length > 0),
    global: nodes.some((n) => n.source?.global === true),
  }));
}

const refKey = (r: TopicRef) => (r.internal ? `internal:${r.name}` : r.name);

/** Internal topic partition counts: wanted, else the co-partition group's, else the producers' maximum. */
function internalCounts(ds: Draft[], userCount: (t: string) => number): Map<string, number> {
  const counts = new Map<string, number>();
  for (const d of ds) for (const s of [...d.sources, ...d.sinks]) if (s.internal && s.partitions) counts.set(s.name, s.partitions);
  const countOf = (r: TopicRef) => (r.internal ? counts.get(r.name) : userCount(r.name));
  for (let changed = true; changed; ) {
    changed = false;
    for (const d of ds) {
      const open = d.sources.filter((s) => s.internal && !counts.has(s.name));
      if (open.length === 0) continue;
      const known = d.stateful ? d.sources.map(countOf).find((c) => c !== undefined) : undefined;
      for (const s of open) {
        const producers = ds.filter((p) => p.sinks.some((k) => k.internal && k.name === s.name));
        const from = producers.flatMap((p) => p.sources.map(countOf));
        const derived = known ?? (from.every((c) => c !== undefined) && from.length > 0 ? Math.max(...(from as number[])) : undefined);
        if (derived !== undefined) {
          counts.set(s.name, derived);
          changed = true;
        }
      }
    }
  }
  for (const d of ds) {
    for (const s of d.sources) {
      if (s.internal && !counts.has(s.name)) {
        throw new InvalidTopologyError(`cannot derive the partition count of internal topic ${s.name}`, { topic: s.name });
      }
    }
  }
  return counts;
}

function checkCopartitioned(d: Draft, names: (r: TopicRef) => string, countOf: (r: TopicRef) => number): void {
  const distinct = [...new Map(d.sources.map((s) => [refKey(s), s])).values()];
  if (!d.stateful || d.global || distinct.length < 2) return;
  const counts = Object.fromEntries(distinct.map((s) => [names(s), countOf(s)]));
  if (new Set(Object.values(counts)).size > 1) {
    throw new TopicsNotCopartitionedError(
      `topics ${Object.keys(counts).join(', ')} feed the same state (a join, or state fed by merged streams) ` +
        `and must have the same number of partitions; they have ${JSON.stringify(counts)}. ` +
        'Repartition one side (repartition() or groupBy), or join through a lookup (a key selector) instead.',
      { topics: counts, subtopology: d.id },
    );
  }
}

export function planTopology(topology: Topology, config: PlanConfig): TopologyPlan {
  const ds = drafts(topology);
  const userCount = (t: string): number => {
    const n = config.partitions(t);
    if (n === undefined) throw new UnknownTopicOrPartitionError(`topic ${t} does not exist`, { topic: t });
    return n;
  };
  const internal = internalCounts(ds, (t) => config.partitions(t) ?? userCount(t));
  const topicName = (r: TopicRef) => (r.internal ? `${config.applicationId}-${r.name}` : r.name);
  const countOf = (r: TopicRef) => (r.internal ? internal.get(r.name)! : userCount(r.name));
  for (const d of ds) checkCopartitioned(d, topicName, countOf);

  const subtopologies: Subtopology[] = ds.map((d) => ({
    id: d.id,
    nodes: d.nodes.map((n) => n.name),
    sourceTopics: [...new Set(d.sources.map(topicName))],
    sinkTopics: [...new Set(d.sinks.map(topicName))],
    stores: [...new Set(d.nodes.flatMap((n) => n.stores))],
    global: d.global,
    partitions: Math.max(0, ...d.sources.map(countOf)),
  }));
  const byTopic = new Map<string, Subtopology>();
  for (const s of subtopologies) for (const t of s.sourceTopics) byTopic.set(t, s);
  const byNode = new Map<string, Subtopology>();
  for (const s of subtopologies) for (const n of s.nodes) byNode.set(n, s);
  const internalTopics = [...internal.entries()].map(([name, partitions]) => ({ name: `${config.applicationId}-${name}`, partitions }));
  const internalByName = new Map(internalTopics.map((t) => [t.name, t.partitions]));

  return {
    subtopologies,
    internalTopics,
    topicName,
    partitionCount: (topic) => internalByName.get(topic) ?? config.partitions(topic),
    taskFor(topic, partition) {
      const s = byTopic.get(topic);
      if (!s || partition < 0 || partition >= s.partitions) {
        throw new UnknownTopicOrPartitionError(`no task reads ${topic}-${partition}`, { topic, partition });
      }
      return { subtopology: s.id, partition };
    },
    tasks: () => subtopologies.flatMap((s) => Array.from({ length: s.partitions }, (_, partition) => ({ subtopology: s.id, partition }))),
    subtopologyOf(node) {
      const s = byNode.get(node);
      if (!s) throw new InvalidTopologyError(`unknown node ${node}`, { node });
      return s;
    },
  };
}
