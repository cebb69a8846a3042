// sluice/streams: stream processing in TypeScript with Kafka Streams' names. Build a
// topology with StreamsBuilder (streams, tables, windows, joins, the Processor API), test
// it with TopologyTestDriver, and run it as a processor: each batch of each input
// partition commits its outputs, its state changes and its input position together, so
// processing is exactly-once and state lives in the store, with nothing to restore.
//
// For a runtime: StreamsEngine.processBatch (engine/batch.ts) is the batch contract and
// StoreBackend (stores/backend.ts) the state contract; StoreReader answers queries.

export { StreamsBuilder } from './dsl/builder.ts';
export { KStream, type JoinKind, type ValueJoiner } from './dsl/kstream.ts';
export { GlobalKTable, KTable } from './dsl/ktable.ts';
export { KGroupedStream, KGroupedTable } from './dsl/grouped.ts';
export { SessionWindowedKStream, TimeWindowedKStream } from './dsl/windowed.ts';
export { BranchedKStream, type Branched } from './dsl/branched.ts';
export {
  Consumed,
  Duration,
  Grouped,
  KeyValue,
  Materialized,
  Named,
  Produced,
  type Joined,
  type Repartitioned,
  type StreamJoined,
} from './dsl/options.ts';
export { Serdes, type Serde, type Window, type Windowed } from './serdes.ts';
export { SessionWindows, SlidingWindows, TimeWindows } from './windows/definitions.ts';
export { BufferConfig, Suppressed } from './windows/suppress.ts';
export { JoinWindows } from './joins/windows.ts';
export type { Processor, ProcessorContext, ProcessorSupplier, RecordContextInfo } from './engine/processor.ts';
export type { Cancellable, PunctuationType } from './engine/context.ts';
export type { RecordContext, StreamPartitioner } from './engine/nodes.ts';
export type { Change, Header, InputRecord, OutputRecord, RecordMetadata, StreamRecord, TaskId, TaskState } from './engine/types.ts';
export { Topology, type StoreSpec, type TimestampExtractor } from './engine/topology.ts';
export type { StreamsConfig } from './engine/config.ts';
export { StreamsEngine, type BatchInput, type BatchOptions } from './engine/engine.ts';
export type { BatchResult } from './engine/batch.ts';
export type { CommitUsage } from './engine/run.ts';
export type { Subtopology, TopologyPlan, InternalTopic } from './engine/plan.ts';
export type { ItemKey, Mutation, RangePage, RangeQuery, StoreBackend, StoredItem, StoredValue } from './stores/backend.ts';
export { InMemoryStoreBackend } from './stores/memory.ts';
export { KeyValueStore } from './stores/keyValue.ts';
export { StoreReader, type QueriedValue, type QueriedWindow } from './stores/query.ts';
export { TopologyTestDriver, TestInputTopic, TestOutputTopic, type TestRecord } from './testing/driver.ts';
export { StreamsApp, type StreamsAppOptions } from './runtime/app.ts';
