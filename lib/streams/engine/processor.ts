// The Processor API: a user's Processor inside a DSL topology (KStream.process), with the
// stores it names, the record's context and punctuators. A processor instance lives for
// one batch (init, process..., close); keep in stores what must last longer. Punctuation
// schedules are re-registered by init on every batch and their next due times come from
// the committed task state, so a schedule keeps its rhythm across batches and instances.
import { InvalidTopologyError } from '../../core/errors.ts';
import type { Serde } from '../serdes.ts';
import { textBytes } from '../stores/bytes.ts';
import { KeyValueStore } from '../stores/keyValue.ts';
import type { Cancellable, NodeContext, PunctuationType } from './context.ts';
import type { Create } from './nodes.ts';
import { taskKey, type Header, type RecordMetadata, type StreamRecord, type TaskId } from './types.ts';

export interface ProcessorContext<KOut = unknown, VOut = unknown> {
  readonly applicationId: string;
  readonly taskId: TaskId;
  /** Hands a record on to the next nodes (or to the one named). */
  forward(record: StreamRecord<KOut, VOut>, childName?: string): Promise<void>;
  /** A store this processor was connected to (KStream.process(supplier, { stores })). */
  getStateStore<K = unknown, V = unknown>(name: string): KeyValueStore<K, V>;
  schedule(intervalMs: number, type: PunctuationType, punctuator: (timestamp: number) => void | Promise<void>): Cancellable;
  /** Topic, partition and offset of the input record being processed; undefined in a punctuation. */
  recordMetadata(): RecordMetadata | undefined;
  /** The record being processed with its position: topic, partition, offset, timestamp, headers. */
  recordContext(): RecordContextInfo | undefined;
  currentStreamTimeMs(): number;
  currentSystemTimeMs(): number;
}

export interface RecordContextInfo {
  topic: string;
  partition: number;
  offset: number;
  timestamp: number;
  headers: Header[];
}

export interface Processor<KIn = unknown, VIn = unknown, KOut = KIn, VOut = VIn> {
  init?(context: ProcessorContext<KOut, VOut>): void | Promise<void>;
  process(record: StreamRecord<KIn, VIn>): void | Promise<void>;
  close?(): void | Promise<void>;
}

export type ProcessorSupplier<KIn = unknown, VIn = unknown, KOut = KIn, VOut = VIn> = () => Processor<KIn, VIn, KOut, VOut>;

/** A store the Processor API uses, declared with StreamsBuilder.addStateStore. */
export interface KeyValueStoreDefinition<K = unknown, V = unknown> {
  name: string;
  key: Serde<K>;
  value: Serde<V>;
  /** Keep the task's keys in order, for range(), all() and prefixScan() (see stores/keyValue.ts). */
  ordered: boolean;
}

export function processorNode(supplier: ProcessorSupplier, stores: ReadonlyArray<KeyValueStoreDefinition>): Create {
  return (ctx: NodeContext) => {
    const processor = supplier();
    const byName = new Map(stores.map((s) => [s.name, s]));
    const opened = new Map<string, KeyValueStore<unknown, unknown>>();
    let current: StreamRecord | undefined;
    const context: ProcessorContext = {
      applicationId: ctx.applicationId,
      taskId: ctx.taskId,
      forward: (record, child) => ctx.forward({ ...record, headers: record.headers ?? [] }, child),
      getStateStore<K, V>(name: string): KeyValueStore<K, V> {
        const def = byName.get(name);
        if (!def) throw new InvalidTopologyError(`store ${name} is not connected to processor ${ctx.nodeName}`, { store: name });
        let s = opened.get(name);
        if (!s) {
          s = new KeyValueStore(ctx.buffer, name, def.key, def.value, def.ordered ? textBytes(taskKey(ctx.taskId)) : undefined);
          opened.set(name, s);
        }
        return s as unknown as KeyValueStore<K, V>;
      },
      schedule: (interval, type, fn) => ctx.schedule(interval, type, fn),
      recordMetadata: () => ctx.recordMetadata(),
      recordContext: () => {
        const m = ctx.recordMetadata();
        return m && current ? { ...m, timestamp: current.timestamp, headers: current.headers } : undefined;
      },
      currentStreamTimeMs: () => ctx.streamTime(),
      currentSystemTimeMs: () => ctx.wallClockTime(),
    };
    return {
      init: () => processor.init?.(context),
      process: async (r) => {
        current = r;
        try {
          await processor.process(r);
        } finally {
          current = undefined;
        }
      },
      close: () => processor.close?.(),
    };
  };
}
