// Produce of one request's records to a topic: Kafka's partitioner spreads them, and the
// request's partitions are written as ONE object, each partition's batches a byte range
// of it, each committed by its own append (sharedAppend.ts); a request to one partition
// is an ordinary append. Every record's answer is its offset or its partition's error,
// so a request can succeed on some partitions and fail on others, as a Kafka produce can.
//
// With an Idempotency-Key the request happens once, whatever fails or crashes: the key
// is claimed first (fixing how records are spread, so every attempt spreads them alike),
// and each commit records every one of its partitions' results under the key in the same
// transaction (lib/storage/requests.ts; lib/log/transaction: heads, index entries and the
// object's reference record together). A request over more partitions than one commit
// may hold (partitionsPerCommit) is split into as few commits as the limits allow, each
// its own object, run in parallel. A retry answers from the recorded results and
// appends only the partitions that have none, which provably never committed.
import { createHash, randomUUID } from 'node:crypto';
import { ConcurrentRequestError } from '../core/errors.ts';
import { defaultPartition } from '../records/index.ts';
import type { RecordInput } from '../records/types.ts';
import type { StorageClients } from '../storage/clients.ts';
import type { CommitGuard } from '../storage/commit.ts';
import type { TopicRecord } from '../storage/metadata.ts';
import { claimRequest, readResults, releaseRequest, resultPut, type RequestKey } from '../storage/requests.ts';
import type { AppendResult } from './append.ts';
import { partitionsPerCommit } from './transaction/limits.ts';
import type { TxnParticipant } from './transaction/types.ts';

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
  /** Appends several partitions' records as one object in one commit, with the participants' items. */
  appendMany(groups: readonly PartitionRecords[], participants: readonly TxnParticipant[]): Promise<AppendResult[]>;
  /** Appends several partitions' records as one object, each partition by its own append: each one's outcome. */
  appendShared(groups: readonly PartitionRecords[]): Promise<PromiseSettledResult<AppendResult>[]>;
}

/** One partition's share of a request. */
export interface PartitionRecords {
  partition: number;
  records: RecordInput[];
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

interface Group extends PartitionRecords {
  /** Positions of the group's records in the request. */
  indices: number[];
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
    const settled = await commitGroups(deps, groups);
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
    const settled = await commitGroups(deps, missing, { key: k, now });
    return answer(prepared.length, { groups, recorded, appended: missing, settled });
  } finally {
    // Losing the lease back only makes a retry wait for it to run out.
    await releaseRequest(deps.clients, k, owner).catch(() => undefined);
  }
}

/** An Idempotency-Key request's key and the time its results are recorded at. */
interface Recording {
  key: RequestKey;
  now: number;
}

/**
 * Each group's outcome, in the order of `groups`. Without a key, one shared object and
 * an append per partition; with one, as few commits as the limits allow, in parallel,
 * each group's outcome its commit's.
 */
async function commitGroups(deps: ProduceDeps, groups: readonly Group[], rec?: Recording): Promise<PromiseSettledResult<AppendResult>[]> {
  if (!rec && groups.length > 1) {
    try {
      return await deps.appendShared(groups);
    } catch (reason) {
      return groups.map(() => ({ status: 'rejected', reason }));
    }
  }
  const size = partitionsPerCommit(rec ? 1 : 0);
  const chunks: Group[][] = [];
  for (let i = 0; i < groups.length; i += size) chunks.push(groups.slice(i, i + size));
  const settled = await Promise.all(
    chunks.map(async (chunk): Promise<PromiseSettledResult<AppendResult>[]> => {
      try {
        return (await commitChunk(deps, chunk, rec)).map((value) => ({ status: 'fulfilled', value }));
      } catch (reason) {
        return chunk.map(() => ({ status: 'rejected', reason }));
      }
    }),
  );
  return settled.flat();
}

async function commitChunk(deps: ProduceDeps, chunk: readonly Group[], rec?: Recording): Promise<AppendResult[]> {
  if (chunk.length === 1) {
    const g = chunk[0]!;
    return [await deps.append(g.partition, g.records, rec && guard(deps.clients, rec.key, g, rec.now))];
  }
  try {
    return await deps.appendMany(chunk, rec ? [resultsOf(deps.clients, rec, chunk)] : []);
  } catch (err) {
    if (!rec || !(err instanceof ConcurrentRequestError)) throw err;
    // Another attempt of the request committed (some of) these partitions first.
    const recorded = await readResults(deps.clients, rec.key, chunk.map((g) => g.partition));
    if (chunk.some((g) => !recorded.has(g.partition))) throw err;
    return chunk.map((g) => {
      const base = recorded.get(g.partition)!;
      return { partition: g.partition, baseOffset: base, lastOffset: base + g.records.length - 1 };
    });
  }
}

/**
 * The result Puts that commit with a chunk's records, one per partition at the base the
 * attempt gives it. A failed condition means another attempt of the request recorded a
 * result first: nothing of this commit happened.
 */
function resultsOf(clients: StorageClients, rec: Recording, chunk: readonly Group[]): TxnParticipant {
  return {
    what: `results of the request with Idempotency-Key '${rec.key.key}'`,
    count: chunk.length,
    items: ({ results }) => results.map((r) => resultPut(clients, rec.key, r.partition, r.baseOffset, rec.now)),
    explain: async () =>
      new ConcurrentRequestError(`A request with Idempotency-Key '${rec.key.key}' committed some of its partitions meanwhile; retry.`, {
        retryAfterSeconds: 1,
      }),
  };
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
