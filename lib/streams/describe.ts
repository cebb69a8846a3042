// What a processor's definition records about its topology, as plain JSON: the topics it
// reads and writes, its internal topics, its tasks (sub-topologies and their partition
// counts) and its stores with their layout and formats. The platform answers `describe`
// and interactive queries from this alone, where the user's topology code is not loaded:
// the API's functions never run user code.
import type { StreamsEngine } from './engine/engine.ts';
import type { InternalTopic } from './engine/plan.ts';
import type { StoreKind } from './engine/topology.ts';
import { serdeFormat, type SerdeFormat } from './serdes.ts';

export interface StoreDescription {
  name: string;
  kind: StoreKind;
  /** The sub-topology whose tasks own the store (its tasks' stream time ages its windows). */
  subtopology: number;
  keyFormat: SerdeFormat;
  valueFormat: SerdeFormat;
  /** Values carry the record timestamp before the value bytes (DSL tables and aggregates). */
  timestamped: boolean;
  windowSize?: number;
  retentionMs?: number;
  /** Named by the user (Materialized.as, addStateStore): what interactive queries may read. */
  queryable: boolean;
}

export interface SubtopologyDescription {
  id: number;
  partitions: number;
  sourceTopics: string[];
  sinkTopics: string[];
  stores: string[];
}

export interface TopologyDescription {
  /** User topics the processor reads (internal topics excluded). */
  inputs: string[];
  /** User topics it writes, where known up front. */
  outputs: string[];
  internalTopics: InternalTopic[];
  subtopologies: SubtopologyDescription[];
  stores: StoreDescription[];
}

const sorted = (xs: Iterable<string>): string[] => [...new Set(xs)].sort();

export function describeTopology(engine: StreamsEngine): TopologyDescription {
  const { plan, topology } = engine;
  const internal = new Set(plan.internalTopics.map((t) => t.name));
  const subtopologies = plan.subtopologies.map((s) => ({
    id: s.id,
    partitions: s.partitions,
    sourceTopics: [...s.sourceTopics],
    sinkTopics: [...s.sinkTopics],
    stores: [...s.stores],
  }));
  const stores = plan.subtopologies.flatMap((s) =>
    s.stores.map((name): StoreDescription => {
      const spec = topology.store(name);
      return {
        name,
        kind: spec.kind,
        subtopology: s.id,
        keyFormat: serdeFormat(spec.keySerde),
        valueFormat: serdeFormat(spec.valueSerde),
        timestamped: spec.timestamped === true,
        ...(spec.windowSize !== undefined ? { windowSize: spec.windowSize } : {}),
        ...(spec.retentionMs !== undefined ? { retentionMs: spec.retentionMs } : {}),
        queryable: spec.queryable,
      };
    }),
  );
  return {
    inputs: sorted(subtopologies.flatMap((s) => s.sourceTopics).filter((t) => !internal.has(t))),
    outputs: sorted(subtopologies.flatMap((s) => s.sinkTopics).filter((t) => !internal.has(t))),
    internalTopics: plan.internalTopics.map((t) => ({ ...t })),
    subtopologies,
    stores,
  };
}
