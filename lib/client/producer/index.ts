// The SDK's producer, split as Kafka's is. Reading order:
//   producer.ts     the Producer: options, send / flush / close, records waiting for metadata
//   records.ts      what send() accepts, converted to the codec's records
//   metadata.ts     partition counts and max.message.bytes per topic, cached
//   partitioner.ts  explicit, by key (murmur2), or sticky for keyless records
//   accumulator.ts  per-partition batches: open, lingering, closed and queued
//   sequences.ts    idempotence: producer ids and per-partition sequence numbers
//   sender.ts       requests, order per partition, retries and what a failure means
export { Producer, type ProducerEvents, type ProducerOptions } from './producer.ts';
export { toBuffer, toHeaders, toRecordInput, type HeadersInput, type ProducerRecord, type RecordMetadata } from './records.ts';
export { pickStickyPartition } from './partitioner.ts';
