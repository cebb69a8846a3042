// Reading a topic without a consumer group. Reading order:
//   reader.ts     the Reader: options, events, partitions merged into one stream of batches
//   positions.ts  where each partition starts and ends
//   partition.ts  one partition's fetch loop: skips, stalls, retries
//   turns.ts      fetches of several partitions taking turns
export { Reader, type ReaderEvents, type ReaderOptions } from './reader.ts';
export type { ReadBatch, SkippedRecords, StalledPartition } from './partition.ts';
export type { ReadFrom } from './positions.ts';
