// Raw batches for many partitions at once (the Kafka gateway's flush): every item checked
// alone (a bad one is refused alone, nothing of it written), then written as one object
// and committed by one transaction for as many partitions as one commit holds
// (transaction/oneShot.ts commitPartsEach), each item answered on its own.
//
// Items of one partition take its offsets in the order given. Each item is a segment of
// its own, so an idempotent producer's batches can be judged alone (transaction/judge.ts):
// a duplicate is answered with its earlier offsets, a sequence gap or a fenced epoch is
// refused, and neither fails the other items. A partition gives one commit at most
// MAX_SEGMENTS_PER_COMMIT items (each adds an entry to its head's tail); the rest of it
// goes in the next round, after this one committed, so its order holds:
//
//   round 0: items 0..15 of every partition, packed into commits of <= 100 items
//            (per partition 1 head + 1 entry per item, plus the shared object's record)
//   round 1: items 16..31 of the partitions that have them, ...
import type { StorageClients } from '../storage/clients.ts';
import type { CommitOptions } from '../storage/commit.ts';
import { tpKey, type TopicRecord } from '../storage/metadata.ts';
import { segmentFromBatches, type AppendResult } from './append.ts';
import type { TopicCatalog } from './topics.ts';
import { commitPartsEach, MAX_TRANSACTION_ITEMS, type EncodedPart } from './transaction/index.ts';

/** Raw batches for one partition (Log.appendBatchesMany). */
export interface BatchesFor {
  topic: string;
  partition: number;
  batches: Buffer;
}

/** Items of one partition one commit takes at most. */
export const MAX_SEGMENTS_PER_COMMIT = 16;

export interface AppendManyDeps {
  clients: StorageClients;
  topics: TopicCatalog;
  now: number;
  commit?: CommitOptions;
  /** A partition's head moved. */
  written(topic: TopicRecord, partition: number): void;
}

interface Placed {
  at: number;
  part: EncodedPart;
}

type Settled = PromiseSettledResult<AppendResult>;

export async function appendBatchesMany(deps: AppendManyDeps, items: readonly BatchesFor[]): Promise<Settled[]> {
  const out: Settled[] = new Array(items.length);
  const byPartition = new Map<string, Placed[]>();
  const checked = await Promise.all(
    items.map(async (item, at): Promise<Placed | undefined> => {
      try {
        const topic = await deps.topics.requirePartition(item.topic, item.partition);
        return { at, part: { topic, partition: item.partition, segment: segmentFromBatches(topic, item.batches, deps.now) } };
      } catch (reason) {
        out[at] = { status: 'rejected', reason };
        return undefined;
      }
    }),
  );
  for (const placed of checked) {
    if (!placed) continue;
    const key = tpKey(placed.part.topic.topicId, placed.part.partition);
    const list = byPartition.get(key);
    if (list) list.push(placed);
    else byPartition.set(key, [placed]);
  }
  const lists = [...byPartition.values()];
  for (let round = 0; lists.some((l) => l.length > round * MAX_SEGMENTS_PER_COMMIT); round++) {
    const pieces = lists.map((l) => l.slice(round * MAX_SEGMENTS_PER_COMMIT, (round + 1) * MAX_SEGMENTS_PER_COMMIT)).filter((p) => p.length > 0);
    await Promise.all(pack(pieces).map((chunk) => commitChunk(deps, chunk, out)));
  }
  return out;
}

/** Pieces (each one partition's items) into as few commits as the item limit allows. */
function pack(pieces: Placed[][]): Placed[][] {
  const chunks: Placed[][] = [];
  let chunk: Placed[] = [];
  let items = 1; // the shared object's reference record
  for (const piece of pieces) {
    const cost = 1 + piece.length;
    if (chunk.length > 0 && items + cost > MAX_TRANSACTION_ITEMS) {
      chunks.push(chunk);
      chunk = [];
      items = 1;
    }
    chunk.push(...piece);
    items += cost;
  }
  if (chunk.length > 0) chunks.push(chunk);
  return chunks;
}

async function commitChunk(deps: AppendManyDeps, chunk: readonly Placed[], out: Settled[]): Promise<void> {
  try {
    const results = await commitPartsEach(
      deps.clients,
      chunk.map((c) => c.part),
      { now: () => deps.now, ...(deps.commit ? { commit: deps.commit } : {}) },
    );
    chunk.forEach((c, i) => {
      const r = results[i]!;
      if ('error' in r) out[c.at] = { status: 'rejected', reason: r.error };
      else out[c.at] = { status: 'fulfilled', value: { partition: c.part.partition, baseOffset: r.baseOffset, lastOffset: r.lastOffset } };
      if (!('error' in r) && !r.duplicate) deps.written(c.part.topic, c.part.partition);
    });
  } catch (reason) {
    for (const c of chunk) out[c.at] = { status: 'rejected', reason };
    for (const name of new Set(chunk.map((c) => c.part.topic.name))) deps.topics.forget(name);
  }
}
