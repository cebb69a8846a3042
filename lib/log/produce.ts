// Produce of one request's records to a topic: Kafka's partitioner spreads them, and one
// append per partition runs, all in parallel. Each partition commits on its own, so a
// request can succeed on some partitions and fail on others: every record's answer is
// its offset or its partition's error.
//
// With an Idempotency-Key the request happens once, whatever fails or crashes: the key
// is claimed first (fixing how records are spread, so every attempt spreads them alike),
// and each partition's commit records its result under the key in the same transaction
// (lib/storage/requests.ts). A retry answers from the recorded results and appends only
// the partitions that have none, which provably never committed.
import { createHash, randomUUID } from 'node:crypto';
import { ConcurrentRequestError } from '../core/errors.ts';
import { defaultPartition } from '../records/index.ts';
import type { RecordInput } from '../records/types.ts';
import type { StorageClients } from '../storage/clients.ts';
import type { CommitGuard } from '../storage/commit.ts';
import type { TopicRecord } from '../storage/metadata.ts';
import { claimRequest, readResults, releaseRequest, resultPut, type RequestKey } from '../storage/requests.ts';
import type { AppendResult } from './append.ts';

export interface PreparedRecord {
  record: RecordInput;
  /** Explicit partition, if the request named one. */
  partition?: number;
}

/** A record's answer: where it was stored, or why its partition's append failed. */
export type ProducedRecord = { partition: number; offset: number } | { partition: number; error: unknown };

export interface ProduceDeps {
  clients: StorageClients;
  now(): number;
  /** Appends one partition's records; a guard makes it part of an Idempotency-Key request. */
  append(partition: number, records: RecordInput[], guard?: CommitGuard): Promise<AppendResult>;
}

/** How long one attempt of an Idempotency-Key request holds it before another may take over. */
export const REQUEST_LEASE_MS = 60_000;

/** Explicit partition, else Kafka's key hash, else the request's one sticky partition. */
export function assignPartitions(prepared: readonly PreparedRecord[], partitions: number, sticky: number): number[] {
  return prepared.map(({ record, partition }) => {
    if (partition !== undefined) return partition;
    if (record.key !== null) return defaultPartition(record.key, partitions);
    return sticky;
  });
}

/**
 * Digest of what a request asks for: every record's explicit partition, timestamp, key,
 * value and headers. A retry must ask for the same, whatever JSON spelling it uses.
 */
export function fingerprint(prepared: readonly PreparedRecord[]): string {
  const h = createHash('sha256');
  const field = (b: Uint8Array | null) => {
    h.update(b === null ? '-1;' : `${b.length};`);
    if (b !== null) h.update(b);
  };
  for (const { record, partition } of prepared) {
    h.update(`${partition ?? -1};${record.timestamp ?? -1};${record.headers?.length ?? 0};`);
    field(record.key);
    field(record.value);
    for (const hd of record.headers ?? []) {
      field(Buffer.from(hd.key, 'utf8'));
      field(hd.value);
    }
  }
  return h.digest('base64url');
}

interface Group {
  partition: number;
  /** Positions of the group's records in the request. */
  indices: number[];
  records: RecordInput[];
}

function groupByPartition(prepared: readonly PreparedRecord[], targets: readonly number[]): Group[] {
  const groups = new Map<number, Group>();
  targets.forEach((partition, i) => {
    let g = groups.get(partition);
    if (!g) groups.set(partition, (g = { partition, indices: [], records: [] }));
    g.indices.push(i);
    g.records.push(prepared[i]!.record);
  });
  return [...groups.values()];
}

const randomPartition = (partitions: number) => Math.floor(Math.random() * partitions);

/**
 * Every record's answer, in request order. When every partition failed and nothing of
 * the request is stored, the request as a whole failed: the first error is thrown.
 */
export async function produceRecords(
  deps: ProduceDeps,
  topic: TopicRecord,
  prepared: readonly PreparedRecord[],
  idempotencyKey?: string,
): Promise<ProducedRecord[]> {
  if (idempotencyKey === undefined) {
    const groups = groupByPartition(prepared, assignPartitions(prepared, topic.partitions, randomPartition(topic.partitions)));
    const settled = await Promise.allSettled(groups.map((g) => deps.append(g.partition, g.records)));
    return answer(prepared.length, { groups, recorded: new Map(), appended: groups, settled });
  }
  return produceOnce(deps, topic, prepared, { scope: `topic#${topic.topicId}`, key: idempotencyKey, fingerprint: fingerprint(prepared) });
}

async function produceOnce(deps: ProduceDeps, topic: TopicRecord, prepared: readonly PreparedRecord[], k: RequestKey): Promise<ProducedRecord[]> {
  const now = deps.now();
  const owner = randomUUID();
  const plan = { partitionCount: topic.partitions, sticky: randomPartition(topic.partitions) };
  const claim = await claimRequest(deps.clients, k, plan, { owner, now, ms: REQUEST_LEASE_MS });
  const groups = groupByPartition(prepared, assignPartitions(prepared, claim.plan.partitionCount, claim.plan.sticky));
  const recorded = claim.first ? new Map<number, number>() : await readResults(deps.clients, k, groups.map((g) => g.partition));
  const missing = groups.filter((g) => !recorded.has(g.partition));
  if (!claim.held) {
    // Another attempt holds the request: answer if it is complete, else ask for a retry.
    if (missing.length === 0) return answer(prepared.length, { groups, recorded, appended: [], settled: [] });
    throw new ConcurrentRequestError(`A request with Idempotency-Key '${k.key}' is in progress; retry shortly.`, {
      retryAfterSeconds: 1,
    });
  }
  try {
    const settled = await Promise.allSettled(missing.map((g) => deps.append(g.partition, g.records, guard(deps.clients, k, g, now))));
    return answer(prepared.length, { groups, recorded, appended: missing, settled });
  } finally {
    // Losing the lease back only makes a retry wait for it to run out.
    await releaseRequest(deps.clients, k, owner).catch(() => undefined);
  }
}

/** The result Put that commits with the group's records, and the lookup when it was beaten to it. */
function guard(clients: StorageClients, k: RequestKey, g: Group, now: number): CommitGuard {
  return {
    items: (result) => [resultPut(clients, k, g.partition, result.baseOffset, now)],
    recorded: async () => {
      const base = (await readResults(clients, k, [g.partition])).get(g.partition);
      return base === undefined ? undefined : { baseOffset: base, lastOffset: base + g.records.length - 1 };
    },
  };
}

/** What became of a request's groups: recorded by an earlier attempt, or appended now. */
interface Outcome {
  groups: readonly Group[];
  /** Base offsets recorded under the request's key, by partition. */
  recorded: ReadonlyMap<number, number>;
  /** The groups appended by this attempt, and how each append ended. */
  appended: readonly Group[];
  settled: readonly PromiseSettledResult<AppendResult>[];
}

function answer(count: number, o: Outcome): ProducedRecord[] {
  if (o.recorded.size === 0 && o.settled.length > 0 && o.settled.every((s) => s.status === 'rejected')) {
    throw (o.settled[0] as PromiseRejectedResult).reason;
  }
  const out: ProducedRecord[] = new Array(count);
  const place = (g: Group, base: number) => g.indices.forEach((index, j) => (out[index] = { partition: g.partition, offset: base + j }));
  for (const g of o.groups) {
    const base = o.recorded.get(g.partition);
    if (base !== undefined) place(g, base);
  }
  o.settled.forEach((s, k) => {
    const g = o.appended[k]!;
    if (s.status === 'fulfilled') place(g, s.value.baseOffset);
    else for (const index of g.indices) out[index] = { partition: g.partition, error: s.reason };
  });
  return out;
}
