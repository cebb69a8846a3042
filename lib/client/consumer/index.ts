// The SDK's group consumer, split by concern as kafkajs splits its consumer. Reading order:
//   consumer.ts    the Consumer: the application's calls, wiring, shutdown
//   options.ts     options, run() handlers and events
//   context.ts     the state the parts share: settings, owned partitions, closing, events
//   partition.ts   one owned partition and its positions
//   membership.ts  join, heartbeats, rejoin, leave
//   assignment.ts  the server's assignment applied: new partitions, revocation
//   offsets.ts     start positions, autoOffsetReset, commits
//   fetcher.ts     one fetch loop for the whole assignment (POST /v1/fetch)
//   delivery.ts    records to the iterator or run(), what counts as processed, caughtUp
//   pausing.ts     pause / resume
//   push.ts        the push connection: notices while idle, the session held by it
export { Consumer } from './consumer.ts';
export type { AutoOffsetReset, ConsumerEvents, ConsumerOptions, EachBatchPayload, RunOptions } from './options.ts';
export type { PauseTarget } from './pausing.ts';
