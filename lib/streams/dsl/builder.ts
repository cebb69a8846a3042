// StreamsBuilder, the entry of the DSL, and the InternalBuilder its streams and tables
// share: node and store naming (Kafka Streams' KSTREAM-FILTER-0000000003 style unless the
// user names them), and the repartition step (null keys dropped, a sink to the internal
// topic `<application.id>-<name>-repartition`, a source reading it back).
import { InvalidTopologyError } from '../../core/errors.ts';
import { dropNullKeys, passThrough, sinkNode, type Create } from '../engine/nodes.ts';
import type { KeyValueStoreDefinition } from '../engine/processor.ts';
import { tableSourceNode, storeGetter } from '../engine/tables.ts';
import { Topology, type NodeSpec, type SourceSpec, type StoreSpec, type TopicRef } from '../engine/topology.ts';
import { Serdes, type Serde } from '../serdes.ts';
import type { Consumed, Materialized } from './options.ts';
import { KStream } from './kstream.ts';
import { GlobalKTable, KTable } from './ktable.ts';

const LEGAL = /^[a-zA-Z0-9._-]+$/;

export interface SerdePair<K, V> {
  key?: Serde<K>;
  value?: Serde<V>;
}

export const json = <T>(): Serde<T> => Serdes.json<T>();

export interface NodeInput {
  kind: string;
  prefix: string;
  named?: string;
  parents: string[];
  create: Create;
  stores?: string[];
  lookups?: string[];
  source?: SourceSpec;
  sinkTopics?: TopicRef[];
}

export class InternalBuilder {
  readonly topology = new Topology();
  private index = 0;

  /** A node or store name: the user's (checked) or the next generated one. */
  name(prefix: string, named?: string): string {
    if (named !== undefined) {
      if (!LEGAL.test(named) || named.length > 200) {
        throw new InvalidTopologyError(`name ${JSON.stringify(named)} must be 1-200 characters of [a-zA-Z0-9._-]`, { name: named });
      }
      return named;
    }
    return `${prefix}-${String(this.index++).padStart(10, '0')}`;
  }

  add(input: NodeInput): string {
    const spec: NodeSpec = {
      name: this.name(input.prefix, input.named),
      kind: input.kind,
      parents: input.parents,
      stores: input.stores ?? [],
      lookups: input.lookups ?? [],
      create: input.create,
      ...(input.source ? { source: input.source } : {}),
      ...(input.sinkTopics ? { sinkTopics: input.sinkTopics } : {}),
    };
    this.topology.addNode(spec);
    return spec.name;
  }

  /** Declares a store; named by the user (queryable) or generated. */
  store(spec: Omit<StoreSpec, 'name' | 'queryable'>, prefix: string, named?: string, queryable = named !== undefined): string {
    const name = this.name(prefix, named);
    this.topology.addStore({ ...spec, name, queryable });
    return name;
  }

  /** Routes a stream through `<application.id>-<base>-repartition`; returns the node reading it back. */
  repartition(parent: string, base: string, serdes: { key: Serde<unknown>; value: Serde<unknown> }, partitions?: number): string {
    const filter = this.add({ kind: 'repartition-filter', prefix: '', named: `${base}-repartition-filter`, parents: [parent], create: dropNullKeys() });
    return this.throughInternal(filter, `${base}-repartition`, serdes, partitions);
  }

  /** A sink to internal topic `<application.id>-<topic>` and the source that reads it back. */
  throughInternal(parent: string, topic: string, serdes: { key: Serde<unknown>; value: Serde<unknown> }, partitions?: number): string {
    const ref: TopicRef = { name: topic, internal: true, ...(partitions ? { partitions } : {}) };
    this.add({
      kind: 'sink',
      prefix: '',
      named: `${topic}-sink`,
      parents: [parent],
      sinkTopics: [ref],
      create: sinkNode({ topic: ref, keySerde: serdes.key, valueSerde: serdes.value }),
    });
    return this.add({
      kind: 'source',
      prefix: '',
      named: `${topic}-source`,
      parents: [],
      source: { topics: [ref], keySerde: serdes.key, valueSerde: serdes.value },
      create: passThrough,
    });
  }

  /** A source of user topics. */
  source(topics: string[], c: Consumed<unknown, unknown>, prefix: string, global = false): string {
    if (topics.length === 0) throw new InvalidTopologyError('a source needs at least one topic');
    return this.add({
      kind: 'source',
      prefix,
      ...(c.name ? { named: c.name } : {}),
      parents: [],
      source: {
        topics: topics.map((name) => ({ name, internal: false })),
        keySerde: c.key ?? Serdes.string(),
        valueSerde: c.value ?? json(),
        ...(c.timestampExtractor ? { timestampExtractor: c.timestampExtractor } : {}),
        ...(global ? { global } : {}),
      },
      create: passThrough,
    });
  }

  /** A materialized table over `parent`'s records (table(), globalTable(), toTable()). */
  tableOf<K, V>(parent: string, serdes: { key: Serde<K>; value: Serde<V> }, m: Materialized<K, V>, prefix: string) {
    const keySerde = m.key ?? serdes.key;
    const valueSerde = m.value ?? serdes.value;
    const store = this.store(
      { kind: 'key-value', keySerde: keySerde as Serde<unknown>, valueSerde: valueSerde as Serde<unknown>, timestamped: true },
      `${prefix}-STATE-STORE`,
      m.as,
    );
    const materialization = { store, keySerde, valueSerde };
    const node = this.add({ kind: 'table-source', prefix, parents: [parent], stores: [store], create: tableSourceNode(materialization) });
    return { node, store, getter: storeGetter(materialization), serdes: { key: keySerde, value: valueSerde } };
  }
}

export class StreamsBuilder {
  private readonly b = new InternalBuilder();
  private built = false;

  /** A stream of one or more topics. Keys default to text, values to JSON. */
  stream<K = string, V = unknown>(topics: string | string[], consumed: Consumed<K, V> = {}): KStream<K, V> {
    const list = typeof topics === 'string' ? [topics] : topics;
    const node = this.b.source(list, consumed as Consumed<unknown, unknown>, 'KSTREAM-SOURCE');
    return new KStream<K, V>(this.b, node, { key: consumed.key ?? (Serdes.string() as unknown as Serde<K>), value: consumed.value ?? json<V>() }, false);
  }

  /** A table of a (compacted) topic: the latest value of each key; a null value deletes the key. */
  table<K = string, V = unknown>(topic: string, consumed: Consumed<K, V> = {}, materialized: Materialized<K, V> = {}): KTable<K, V> {
    const source = this.b.source([topic], consumed as Consumed<unknown, unknown>, 'KTABLE-SOURCE');
    const serdes = { key: consumed.key ?? (Serdes.string() as unknown as Serde<K>), value: consumed.value ?? json<V>() };
    const t = this.b.tableOf(source, serdes, materialized, 'KTABLE-SOURCE');
    return new KTable<K, V>(this.b, t.node, t.serdes, t.getter, t.store);
  }

  /**
   * A table any task reads by key (Kafka's GlobalKTable): for joins through a key
   * selector, with no co-partitioning. Sluice keeps one copy, in its store.
   */
  globalTable<K = string, V = unknown>(topic: string, consumed: Consumed<K, V> = {}, materialized: Materialized<K, V> = {}): GlobalKTable<K, V> {
    const source = this.b.source([topic], consumed as Consumed<unknown, unknown>, 'KTABLE-SOURCE', true);
    const serdes = { key: consumed.key ?? (Serdes.string() as unknown as Serde<K>), value: consumed.value ?? json<V>() };
    const t = this.b.tableOf(source, serdes, materialized, 'GLOBALKTABLE-SOURCE');
    return new GlobalKTable<K, V>(t.getter, t.store);
  }

  /** Declares a store for the Processor API; connect it with KStream.process(supplier, { stores: [name] }). */
  addStateStore<K, V>(def: { name: string; key?: Serde<K>; value?: Serde<V>; ordered?: boolean }): this {
    this.b.store(
      { kind: def.ordered ? 'ordered-key-value' : 'key-value', keySerde: (def.key ?? json()) as Serde<unknown>, valueSerde: (def.value ?? json()) as Serde<unknown> },
      'STATE-STORE',
      def.name,
    );
    return this;
  }

  /** The store definitions a processor node connects to. */
  static storeDefinition(builder: InternalBuilder, name: string): KeyValueStoreDefinition {
    const spec = builder.topology.store(name);
    if (spec.kind !== 'key-value' && spec.kind !== 'ordered-key-value') {
      throw new InvalidTopologyError(`store ${name} is not a key-value store`, { store: name });
    }
    return { name, key: spec.keySerde!, value: spec.valueSerde!, ordered: spec.kind === 'ordered-key-value' };
  }

  build(): Topology {
    if (this.built) throw new InvalidTopologyError('build() was already called on this builder');
    this.built = true;
    return this.b.topology;
  }
}
