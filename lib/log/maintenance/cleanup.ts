// Garbage: objects no index entry references. Three kinds reach here: uploads whose
// commit never happened (a crash between steps 1 and 3 of the commit protocol), objects of
// segments retention removed, and objects compaction replaced. An object is deleted once
// it is unreferenced and the grace period has passed since it became so: since its
// upload for the first kind, since its release (recorded in the same transaction that
// dropped its last index entry, see store.ts) for the others. A reader
// that read the index before the entry went has the whole grace period to GET it.
//
// And deleted topics: Log.deleteTopic only removes the name; heads, index and objects
// stay under the old topic id, which no reader can reach again (reads resolve the name
// afresh, and a re-created name gets a new id). Those are removed outright.
import { InvalidRequestError } from '../../core/errors.ts';
import type { DeletedTopicCleanup, GarbageResult } from '../../core/wire.ts';
import type { StorageClients } from '../../storage/clients.ts';
import { getHead, listTopicRecords } from '../../storage/metadata.ts';
import { segmentPrefix } from '../../storage/definitions.ts';
import { deleteObjects, isSharedSegment, listObjects, listTopicIdsWithObjects } from '../../storage/segments.ts';
import { SHARED_SEGMENT_PREFIX, SEGMENT_PREFIX } from '../../storage/definitions.ts';
import {
  deleteHead,
  deletePartitionIndex,
  deleteReleases,
  listHeadPartitions,
  readIndex,
  readReleases,
  scanHeadKeys,
} from './store.ts';
import { noteReleasedSharedObjects } from '../transaction/sharedObjects.ts';

/**
 * One partition. The order of the reads is what makes it safe: the index first (the
 * head's tail, then the table), then
 * the releases, then the listing. An object missing from the index read was either
 * never committed (its upload time is its age) or released before that read, in which
 * case the release read after it sees the release. Nothing is ever re-referenced: an
 * object leaves the index for good.
 */
export async function collectGarbage(
  clients: StorageClients,
  topicId: string,
  partition: number,
  opts: { now: () => number; graceMs: number; orphanScan?: boolean },
): Promise<GarbageResult> {
  // The head's tail before the table: an entry leaves the tail only into the table.
  const tail = (await getHead(clients, topicId, partition)).tail;
  const referenced = new Set([...tail, ...(await readIndex(clients, topicId, partition))].map((e) => e.objectKey));
  const releases = await readReleases(clients, topicId, partition);
  const releasedAt = new Map<string, number>();
  // An object shared with other partitions is not this partition's to delete: the sweep
  // of shared objects deletes it once no partition references it. It is noted for that
  // sweep while a release names it (again each pass until the release is done: idempotent).
  await noteReleasedSharedObjects(clients, releases.flatMap((r) => r.objectKeys.filter(isSharedSegment)));
  for (const r of releases) {
    for (const k of r.objectKeys) if (!isSharedSegment(k)) releasedAt.set(k, Math.max(releasedAt.get(k) ?? -Infinity, r.since));
  }
  if (opts.orphanScan === false) return collectReleased(clients, topicId, partition, { referenced, releases, releasedAt, ...opts });

  const objects = await listObjects(clients, segmentPrefix(topicId, partition));
  const now = opts.now();

  const result: GarbageResult = { objectsDeleted: 0, orphansDeleted: 0, bytesDeleted: 0, objectsPending: 0 };
  const doomed: string[] = [];
  for (const o of objects) {
    if (referenced.has(o.key)) continue;
    const released = releasedAt.get(o.key);
    const since = Math.max(o.lastModified, released ?? -Infinity);
    if (now - since < opts.graceMs) {
      result.objectsPending++;
      continue;
    }
    doomed.push(o.key);
    result.bytesDeleted += o.size;
    if (released === undefined) result.orphansDeleted++;
    else result.objectsDeleted++;
  }
  await deleteObjects(clients, doomed);

  // A release is done once none of its objects exists (a crash after the object delete
  // leaves it for the next pass). One naming a still-referenced object (several entries
  // sharing an object, some removed) stays until that object goes.
  const gone = new Set(doomed);
  const present = new Set(objects.map((o) => o.key).filter((k) => !gone.has(k)));
  const done = releases.filter((r) => r.objectKeys.every((k) => !present.has(k)));
  await deleteReleases(clients, topicId, partition, done.map((r) => r.id));
  return result;
}

/**
 * Garbage collection from the release records alone, without listing the bucket: each
 * released object that is unreferenced and whose latest release is past the grace period
 * is deleted (deleting one already gone is harmless). A release is done once all of its
 * objects went this way. Crash orphans, which no release names, wait for a full scan.
 * Sizes are unknown without a listing, so bytesDeleted stays 0 here.
 */
async function collectReleased(
  clients: StorageClients,
  topicId: string,
  partition: number,
  opts: {
    referenced: Set<string>;
    releases: Awaited<ReturnType<typeof readReleases>>;
    releasedAt: Map<string, number>;
    now: () => number;
    graceMs: number;
  },
): Promise<GarbageResult> {
  const now = opts.now();
  const result: GarbageResult = { objectsDeleted: 0, orphansDeleted: 0, bytesDeleted: 0, objectsPending: 0 };
  const doomed = new Set<string>();
  for (const [key, since] of opts.releasedAt) {
    if (opts.referenced.has(key)) continue;
    if (now - since < opts.graceMs) result.objectsPending++;
    else doomed.add(key);
  }
  await deleteObjects(clients, [...doomed]);
  result.objectsDeleted = doomed.size;
  const done = opts.releases.filter((r) => r.objectKeys.every((k) => doomed.has(k) || isSharedSegment(k)));
  await deleteReleases(clients, topicId, partition, done.map((r) => r.id));
  return result;
}

/**
 * Topic ids that still have heads or objects but no topic: the heads and the object
 * prefixes are read before the topics, so an id missing from the topics was deleted, not
 * created after (ids are never reused). Returns each id with its head partitions.
 */
export async function findDeletedTopics(clients: StorageClients): Promise<Map<string, number[]>> {
  const heads = await scanHeadKeys(clients);
  const prefixes = await listTopicIdsWithObjects(clients);
  const live = new Set((await listTopicRecords(clients)).map((t) => t.topicId));
  const dead = new Map<string, number[]>();
  const shared = SHARED_SEGMENT_PREFIX.slice(SEGMENT_PREFIX.length, -1);
  for (const id of prefixes) if (!live.has(id) && id !== shared) dead.set(id, []);
  for (const h of heads) {
    if (live.has(h.topicId)) continue;
    const list = dead.get(h.topicId) ?? [];
    list.push(h.partition);
    dead.set(h.topicId, list);
  }
  return dead;
}

/**
 * Removes everything of a topic id: objects first, then index entries and releases, the
 * heads last, so an interrupted purge is found again by the next pass (through the heads
 * or the objects). The caller must know the id is dead.
 */
export async function purgeTopicData(clients: StorageClients, topicId: string, headPartitions: number[]): Promise<DeletedTopicCleanup> {
  const objects = await listObjects(clients, segmentPrefix(topicId));
  await deleteObjects(clients, objects.map((o) => o.key));
  const partitions = new Set(headPartitions);
  for (const o of objects) {
    const p = Number(o.key.slice(segmentPrefix(topicId).length).split('/')[0]);
    if (Number.isSafeInteger(p) && p >= 0) partitions.add(p);
  }
  let indexEntriesDeleted = 0;
  for (const p of partitions) {
    // The shared objects its entries (tail and table) and releases name are noted first,
    // for the sweep, then the entries and releases go.
    const { tail } = await getHead(clients, topicId, p);
    const entries = await readIndex(clients, topicId, p);
    const releases = await readReleases(clients, topicId, p);
    const named = [...tail, ...entries].map((e) => e.objectKey).concat(releases.flatMap((r) => r.objectKeys));
    await noteReleasedSharedObjects(clients, named.filter(isSharedSegment));
    await deletePartitionIndex(clients, topicId, p, entries, releases);
    indexEntriesDeleted += entries.length;
  }
  for (const p of headPartitions) await deleteHead(clients, topicId, p);
  return {
    topicId,
    partitions: [...partitions].sort((a, b) => a - b),
    objectsDeleted: objects.length,
    bytesDeleted: objects.reduce((s, o) => s + o.size, 0),
    indexEntriesDeleted,
    headsDeleted: headPartitions.length,
  };
}

/** Purges one deleted topic's data now (refuses a live topic id). */
export async function purgeDeletedTopic(clients: StorageClients, topicId: string): Promise<DeletedTopicCleanup> {
  const heads = await listHeadPartitions(clients, topicId);
  if ((await listTopicRecords(clients)).some((t) => t.topicId === topicId)) {
    throw new InvalidRequestError(`Topic id ${topicId} belongs to a live topic; delete the topic first.`);
  }
  return purgeTopicData(clients, topicId, heads);
}
