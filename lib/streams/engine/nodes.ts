// The stateless node processors (Kafka Streams' KStreamFilter, KStreamMap, ...), sources
// and sinks. Each factory takes the user's function and returns what a NodeSpec's
// `create` needs: per batch, a NodeLogic bound to the node's context.
import { InvalidRequestError, InvalidTopologyError } from '../../core/errors.ts';
import { defaultPartition } from '../../records/index.ts';
import type { Serde } from '../serdes.ts';
import type { NodeContext, NodeLogic } from './context.ts';
import type { TopicRef } from './topology.ts';
import type { Header, StreamRecord } from './types.ts';

export type Create = (ctx: NodeContext) => NodeLogic;

export interface KeyValuePair<K, V> {
  key: K;
  value: V;
}

/** What a topic-name extractor or partitioner sees besides key and value (Kafka's RecordContext). */
export interface RecordContext {
  topic: string | undefined;
  partition: number | undefined;
  offset: number | undefined;
  timestamp: number;
  headers: Header[];
}

export const passThrough: Create = (ctx) => ({ process: (r) => ctx.forward(r) });

export function filterNode<K, V>(predicate: (key: K, value: V) => boolean, negate: boolean): Create {
  return (ctx) => ({
    process: async (r) => {
      if (predicate(r.key as K, r.value as V) !== negate) await ctx.forward(r);
    },
  });
}

export function mapNode<K, V, K2, V2>(mapper: (key: K, value: V) => KeyValuePair<K2, V2>): Create {
  return (ctx) => ({
    process: async (r) => {
      const kv = mapper(r.key as K, r.value as V);
      await ctx.forward({ ...r, key: kv.key, value: kv.value });
    },
  });
}

export function mapValuesNode<K, V, V2>(mapper: (value: V, key: K) => V2): Create {
  return (ctx) => ({
    process: async (r) => ctx.forward({ ...r, value: mapper(r.value as V, r.key as K) }),
  });
}

export function flatMapNode<K, V, K2, V2>(mapper: (key: K, value: V) => Iterable<KeyValuePair<K2, V2>>): Create {
  return (ctx) => ({
    process: async (r) => {
      for (const kv of mapper(r.key as K, r.value as V)) await ctx.forward({ ...r, key: kv.key, value: kv.value });
    },
  });
}

export function flatMapValuesNode<K, V, V2>(mapper: (value: V, key: K) => Iterable<V2>): Create {
  return (ctx) => ({
    process: async (r) => {
      for (const v of mapper(r.value as V, r.key as K)) await ctx.forward({ ...r, value: v });
    },
  });
}

export function selectKeyNode<K, V, K2>(selector: (key: K, value: V) => K2): Create {
  return (ctx) => ({
    process: async (r) => ctx.forward({ ...r, key: selector(r.key as K, r.value as V) }),
  });
}

/** peek and foreach: an action per record; peek forwards, foreach ends the branch. */
export function actionNode<K, V>(action: (key: K, value: V) => void, forward: boolean): Create {
  return (ctx) => ({
    process: async (r) => {
      action(r.key as K, r.value as V);
      if (forward) await ctx.forward(r);
    },
  });
}

/** split(): each record goes to the first branch whose predicate holds (children by name), else the default. */
export function branchNode(branches: ReadonlyArray<{ child: string; predicate: (key: unknown, value: unknown) => boolean }>, defaultChild?: string): Create {
  return (ctx) => ({
    process: async (r) => {
      for (const b of branches) {
        if (b.predicate(r.key, r.value)) return ctx.forward(r, b.child);
      }
      if (defaultChild) await ctx.forward(r, defaultChild);
    },
  });
}

/** Drops records with a null key before a stateful step or a repartition, counting them. */
export function dropNullKeys(): Create {
  return (ctx) => ({
    process: async (r) => {
      if (r.key === null || r.key === undefined) ctx.count('dropped-null-key');
      else await ctx.forward(r);
    },
  });
}

export type TopicChoice = TopicRef | ((key: unknown, value: unknown, context: RecordContext) => string);
export type StreamPartitioner = (topic: string, key: unknown, value: unknown, numPartitions: number) => number | undefined;

export interface SinkOptions {
  topic: TopicChoice;
  keySerde: Serde<unknown>;
  valueSerde: Serde<unknown>;
  partitioner?: StreamPartitioner;
}

export function recordContext(ctx: NodeContext, r: StreamRecord): RecordContext {
  const m = ctx.recordMetadata();
  return { topic: m?.topic, partition: m?.partition, offset: m?.offset, timestamp: r.timestamp, headers: r.headers };
}

function choosePartition(ctx: NodeContext, o: SinkOptions, topic: string, r: StreamRecord, key: Uint8Array | null): number | undefined {
  const internal = typeof o.topic !== 'function' && o.topic.internal;
  if (!internal && !o.partitioner) return undefined;
  const count = ctx.partitionCount(topic);
  if (count === undefined) throw new InvalidTopologyError(`the partition count of ${topic} is unknown, so no partition can be chosen`, { topic });
  if (o.partitioner) {
    const p = o.partitioner(topic, r.key, r.value, count);
    if (p === undefined) return undefined;
    if (!Number.isInteger(p) || p < 0 || p >= count) throw new InvalidRequestError(`partitioner chose ${p} for ${topic} of ${count} partitions`);
    return p;
  }
  return key === null ? 0 : defaultPartition(key, count);
}

export function sinkNode(o: SinkOptions): Create {
  return (ctx) => ({
    process: (r) => {
      const topic = typeof o.topic === 'function' ? o.topic(r.key, r.value, recordContext(ctx, r)) : ctx.topicName(o.topic);
      if (typeof topic !== 'string' || topic.length === 0) throw new InvalidRequestError('the topic extractor returned no topic name');
      const key = o.keySerde.serialize(r.key);
      const value = o.valueSerde.serialize(r.value);
      const partition = choosePartition(ctx, o, topic, r, key);
      ctx.emit({ topic, key, value, timestamp: r.timestamp, headers: r.headers, ...(partition === undefined ? {} : { partition }) });
    },
  });
}
