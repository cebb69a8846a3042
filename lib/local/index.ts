// Local development and test stack: DynamoDB Local + s3rver (or LocalStack), bootstrapped
// with Sluice's tables and bucket; taps on its storage clients, its layout, and seeding
// of long partitions, for the tools that measure it (lib/bench).
export { startEmulators, assertJava, type Emulators, type EmulatorOptions, type EmulatorCredentials } from './emulators.ts';
export { ensureStorage } from './bootstrap.ts';
export {
  startLocalStack,
  externalEndpoints,
  emulatorEndpoints,
  localStorageConfig,
  DEFAULT_PREFIX,
  type LocalStack,
  type LocalStackOptions,
  type LocalEndpoints,
} from './stack.ts';
export { startStreamPoller, type LambdaStreamRecord, type StreamPoller, type StreamPollerOptions } from './streams.ts';
export { installTaps, type StorageCall, type StorageOutput, type StorageTap } from './taps.ts';
export { seedPartition, type SeedOptions, type SeedTarget } from './seed.ts';
export { storageLayout, type LocalTable, type StorageLayout } from './layout.ts';
export { startLocalDispatcher, type LocalDispatcher, type LocalDispatcherOptions } from './dispatch.ts';
