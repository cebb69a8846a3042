// A topology: the graph of nodes a StreamsBuilder produced, and the stores they use. It
// is static (built once, shared by every task); each batch instantiates the nodes of one
// sub-topology afresh through their `create`. Nothing here knows partition counts; the
// plan (plan.ts) meets the graph with its topics.
//
// A node names the stores it owns (reads and writes as their only writer, so it must run
// in the task that owns the key: co-partitioned) apart from the stores it only looks up
// (read-committed reads from any task: the global-table-style lookups). A source reads
// topics; a sink writes them. Internal topics (repartitions) are named without the
// application id here; the plan prefixes it.
import { InvalidTopologyError } from '../../core/errors.ts';
import type { Serde } from '../serdes.ts';
import type { NodeContext, NodeLogic } from './context.ts';

export interface TopicRef {
  name: string;
  /** An internal topic: named `<application.id>-<name>` and created by the runtime. */
  internal: boolean;
  /** Partitions wanted for an internal topic (else derived from its producers or readers). */
  partitions?: number;
}

export type TimestampExtractor = (record: { key: unknown; value: unknown; timestamp: number; topic: string }) => number;

export interface SourceSpec {
  topics: TopicRef[];
  keySerde: Serde<unknown>;
  valueSerde: Serde<unknown>;
  timestampExtractor?: TimestampExtractor;
  /** A global table's source: its task reads every partition of its topic, with no co-partitioning. */
  global?: boolean;
}

export type StoreKind = 'key-value' | 'ordered-key-value' | 'window' | 'session' | 'internal';

export interface StoreSpec {
  name: string;
  kind: StoreKind;
  /** How keys and values are written, for interactive queries and the test driver. */
  keySerde?: Serde<unknown>;
  valueSerde?: Serde<unknown>;
  /** Values carry an 8-byte record timestamp before the value bytes (DSL tables and aggregates). */
  timestamped?: boolean;
  /** Window stores: window size (0 when windows vary: sliding and session). */
  windowSize?: number;
  /** Window and session stores: how long (in stream time) a window stays after it began. */
  retentionMs?: number;
  /** Named by the user (Materialized.as, addStateStore): queryable by that name. */
  queryable: boolean;
}

export interface NodeSpec {
  name: string;
  /** What the node does, for describe(): "source", "filter", "aggregate", ... */
  kind: string;
  parents: string[];
  /** Stores this node writes (and reads) as their owner. */
  stores: string[];
  /** Stores this node only reads, from any task. */
  lookups: string[];
  source?: SourceSpec;
  /** Topics a sink writes when they are known up front (not for a topic chosen per record). */
  sinkTopics?: TopicRef[];
  create(ctx: NodeContext): NodeLogic;
}

export class Topology {
  private readonly nodeMap = new Map<string, NodeSpec>();
  private readonly storeMap = new Map<string, StoreSpec>();
  private readonly childMap = new Map<string, string[]>();
  private readonly sourceTopics = new Map<string, string>();

  addNode(spec: NodeSpec): void {
    if (this.nodeMap.has(spec.name)) throw new InvalidTopologyError(`node ${spec.name} is defined twice`, { node: spec.name });
    for (const p of spec.parents) {
      if (!this.nodeMap.has(p)) throw new InvalidTopologyError(`node ${spec.name} names unknown parent ${p}`, { node: spec.name });
    }
    for (const s of [...spec.stores, ...spec.lookups]) {
      if (!this.storeMap.has(s)) throw new InvalidTopologyError(`node ${spec.name} names unknown store ${s}`, { store: s });
    }
    for (const t of spec.source?.topics ?? []) {
      const key = `${t.internal ? 'internal:' : ''}${t.name}`;
      const other = this.sourceTopics.get(key);
      if (other) {
        throw new InvalidTopologyError(`topic ${t.name} is already read by ${other}: read it once and share the stream`, {
          topic: t.name,
        });
      }
      this.sourceTopics.set(key, spec.name);
    }
    this.nodeMap.set(spec.name, spec);
    this.childMap.set(spec.name, []);
    for (const p of spec.parents) this.childMap.get(p)!.push(spec.name);
  }

  addStore(spec: StoreSpec): void {
    if (this.storeMap.has(spec.name)) throw new InvalidTopologyError(`store ${spec.name} is defined twice`, { store: spec.name });
    this.storeMap.set(spec.name, spec);
  }

  hasStore(name: string): boolean {
    return this.storeMap.has(name);
  }

  node(name: string): NodeSpec {
    const n = this.nodeMap.get(name);
    if (!n) throw new InvalidTopologyError(`unknown node ${name}`, { node: name });
    return n;
  }

  store(name: string): StoreSpec {
    const s = this.storeMap.get(name);
    if (!s) throw new InvalidTopologyError(`unknown store ${name}`, { store: name });
    return s;
  }

  /** Nodes in the order they were added (parents before children). */
  nodes(): NodeSpec[] {
    return [...this.nodeMap.values()];
  }

  stores(): StoreSpec[] {
    return [...this.storeMap.values()];
  }

  children(name: string): readonly string[] {
    return this.childMap.get(name) ?? [];
  }
}
