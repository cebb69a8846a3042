// Sluice's TypeScript SDK: `import { Sluice } from 'sluice'`.
//
//   const sluice = new Sluice({ endpoint: 'http://127.0.0.1:9192' });
//   const producer = sluice.producer();
//   await producer.send({ topic: 'orders', key: 'alice', value: '{"amount":200}' });
//   for await (const record of sluice.consumer({ groupId: 'billing', topics: ['orders'] })) { ... }
//   for await (const batch of sluice.reader({ topic: 'orders', from: 'earliest' })) { ... }
//
// Errors are the typed SluiceErrors of the API (`instanceof`, `.code`, `.retriable`).
export { Sluice, type SluiceOptions } from './sluice.ts';
export {
  Producer,
  type HeadersInput,
  type ProducerEvents,
  type ProducerOptions,
  type ProducerRecord,
  type RecordMetadata,
  Transaction,
  type GroupConsumer,
  type SendOffsetsOptions,
} from './producer/index.ts';
export {
  Consumer,
  type AutoOffsetReset,
  type ConsumerEvents,
  type ConsumerOptions,
  type EachBatchPayload,
  type PauseTarget,
  type RunOptions,
} from './consumer/index.ts';
export {
  Reader,
  type ReadBatch,
  type ReaderEvents,
  type ReaderOptions,
  type ReadFrom,
  type SkippedRecords,
  type StalledPartition,
} from './reader/index.ts';
export { Admin, type AlterTopicOptions, type CreateTopicOptions, type ResetOffsetsOptions } from './admin.ts';
export { Processors } from './processors.ts';
export { Subscriptions } from './subscriptions.ts';
export { Connectors } from './connectors.ts';
export type * from '../core/connectors.ts';
export { HttpClient, type Credentials, type CredentialsProvider, type HttpClientOptions } from './http.ts';
export { FetchTransport, type FetchTransportOptions, type JsonRequestOptions, type JsonTransport } from './transport.ts';
export { Records, type FetchRecordsOptions, type ProduceRecordsOptions } from './records.ts';
export * from './errors.ts';
export type * from './types.ts';
