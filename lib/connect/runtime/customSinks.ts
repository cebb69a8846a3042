// Custom sink connectors deployed with functions of their own (cdk/connectors.ts) are not
// on the partitions stream (a DynamoDB stream serves few readers per shard, so every
// custom connector cannot have a mapping of its own). The shared connector runtime, which
// is on it, wakes them instead: for each stream batch, every RUNNING custom sink reading a
// topic whose head moved gets one asynchronous invocation of its function with
//
//   {"sluice": "connector-run"}
//
// which runs it as its schedule would (its sinks swept from their cursors, under their
// leases, so wake-ups that overlap deliver nothing twice). A failed wake-up is logged and
// left to the function's one-minute schedule: the records wait, none is lost.
import { readEvery } from '../../core/time.ts';
import { movedPartition, type PartitionStreamRecord } from '../../subscriptions/dispatcher.ts';
import { listTopicRecords, type TopicRecord } from '../../storage/metadata.ts';
import type { TableClients } from '../../storage/clients.ts';
import { sinkTopics } from '../offsets.ts';
import { listConnectorRecords } from '../store.ts';

/** The payload that runs a custom connector's function now. */
export const RUN_REQUEST = { sluice: 'connector-run' } as const;

export const isRunRequest = (event: unknown): boolean => (event as { sluice?: unknown } | null)?.sluice === RUN_REQUEST.sluice;

export interface CustomSinkWakerOptions {
  /** Custom connectors' functions by connector name (the deployment's). */
  functions: Readonly<Record<string, string>>;
  /** Invokes a function asynchronously with RUN_REQUEST. */
  invoke(functionName: string): Promise<void>;
  onError?(connector: string, err: unknown): void;
  /** How long the list of running custom sinks is reused. Default 1000 ms. */
  cacheMs?: number;
  now?: () => number;
}

/** Wakes the custom sinks that read the topics a stream batch moved; returns the connectors woken. */
export function customSinkWaker(clients: TableClients, opts: CustomSinkWakerOptions): (records: readonly PartitionStreamRecord[]) => Promise<string[]> {
  const names = new Set(Object.keys(opts.functions));
  // Which topic ids each running custom sink reads, read again at most every cacheMs.
  const running = readEvery(opts.cacheMs ?? 1_000, opts.now ?? Date.now, () => readSinks(clients, names));
  return async (records) => {
    const moved = new Set(records.map((r) => movedPartition(r)?.topicId).filter((id) => id !== undefined));
    if (names.size === 0 || moved.size === 0) return [];
    const woken: string[] = [];
    await Promise.all(
      [...(await running.get())].map(async ([name, topicIds]) => {
        if (![...topicIds].some((id) => moved.has(id))) return;
        try {
          await opts.invoke(opts.functions[name]!);
          woken.push(name);
        } catch (err) {
          opts.onError?.(name, err);
        }
      }),
    );
    return woken.sort();
  };
}

async function readSinks(clients: TableClients, names: ReadonlySet<string>): Promise<Map<string, Set<string>>> {
  let allTopics: Promise<TopicRecord[]> | undefined;
  const running = (await listConnectorRecords(clients)).filter((r) => names.has(r.name) && r.type === 'sink' && r.targetState === 'RUNNING');
  const out = new Map<string, Set<string>>();
  for (const r of running) out.set(r.name, new Set((await sinkTopics(clients, r, () => (allTopics ??= listTopicRecords(clients)))).map((t) => t.topicId)));
  return out;
}

/** The functions map from its environment variable (set by the CDK; absent: none). */
export function customSinkFunctions(json: string | undefined): Record<string, string> {
  if (!json) return {};
  const parsed = JSON.parse(json) as unknown;
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) return {};
  return Object.fromEntries(Object.entries(parsed).filter((e): e is [string, string] => typeof e[1] === 'string'));
}

/** The environment variable that names them. */
export const CUSTOM_SINK_FUNCTIONS_ENV = 'SLUICE_CUSTOM_CONNECTOR_FUNCTIONS';
