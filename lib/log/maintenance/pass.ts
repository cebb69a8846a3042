// The maintenance pass (DESIGN.md, "Maintenance"). For every partition of every topic:
//
//   1. retention    remove whole segments from the front (retention.ms, retention.bytes):
//                   logStartOffset advances and their index entries go in one transaction
//                   (cleanup.policy delete or compact,delete)
//   2. cleaning     key compaction (cleanup.policy compact or compact,delete): the latest
//                   record per key, one index-swap transaction per rewritten range
//   3. compaction   merge runs of small adjacent segments into objects of ~targetBytes,
//                   one index-swap transaction per run; offsets unchanged
//   4. garbage      delete objects no entry references once the grace period has passed
//                   since they became unreferenced (release records, store.ts)
//
// then deletes the objects shared by several partitions (transactions) that no partition
// references any more, and removes the heads, index and objects of deleted topics. Every step is safe to
// run concurrently with appends, fetches and another pass: each write is conditional
// on what was read, and a lost race only leaves work for the next pass.
//
// The HTTP API (POST /v1/maintenance) calls runMaintenance, and so do the scheduled
// Lambda and the dev server's timer, through schedule.ts (which passes scan
// for orphans); tests inject `now` (the same clock as Log's) instead of sleeping.
import { isSluiceError } from '../../core/errors.ts';
import { inParallel } from '../../core/parallel.ts';
import type { MaintenanceError, MaintenanceReport, PartitionMaintenance } from '../../core/wire.ts';
import type { StorageClients } from '../../storage/clients.ts';
import { getHead, listTopicRecords, type PartitionHead, type TopicRecord } from '../../storage/metadata.ts';
import { flushTail } from '../../storage/tail.ts';
import { effectiveConfig, isCompacted } from '../config.ts';
import { CLEANER_DEFAULTS, cleanPartition, storageCleanerStore } from './cleaner.ts';
import { collectGarbage, findDeletedTopics, purgeTopicData } from './cleanup.ts';
import { compactPartition } from './compaction.ts';
import { moveLegacyProducerStates } from './producerState.ts';
import { applyRetention } from './retention.ts';
import { sweepSharedObjects } from '../transaction/sharedObjects.ts';

// The report's shapes are the API's (lib/core/wire.ts): POST /v1/maintenance answers it as is.
export type {
  CleaningResult,
  CompactionResult,
  DeletedTopicCleanup,
  GarbageResult,
  MaintenanceError,
  MaintenanceReport,
  MaintenanceTotals,
  PartitionMaintenance,
  RetentionResult,
} from '../../core/wire.ts';
export { purgeDeletedTopic } from './cleanup.ts';

export const MAINTENANCE_DEFAULTS = {
  /** How long an unreferenced object is kept: longer than any read or commit takes. */
  graceMs: 10 * 60_000,
  compactionTargetBytes: 8 * 1024 * 1024,
  /** One index entry per MiB of a compacted object: what one fetch reads by default. */
  indexIntervalBytes: 1024 * 1024,
  compactionRounds: 4,
  concurrency: 4,
  /** Key compaction's offset map per partition: about 27 bytes per key (offsetMap.ts). */
  cleanerMemoryBytes: CLEANER_DEFAULTS.memoryBytes,
} as const;

export interface MaintenanceOptions {
  /** Clock (epoch ms) for retention and grace decisions; Date.now by default. */
  now?: () => number;
  /** Unreferenced objects are deleted this long after they became unreferenced. */
  graceMs?: number;
  /** Compaction merges small segments into objects of up to this size; 0 turns it off. */
  compactionTargetBytes?: number;
  /** Index entry granularity inside a compacted object. */
  indexIntervalBytes?: number;
  /** Compaction rounds per partition per pass (one round merges at most 98 entries per run). */
  compactionRounds?: number;
  /** Only these topics (by name). Deleted-topic cleanup is then skipped unless asked for. */
  topics?: string[];
  /** Remove data of deleted topics; default: when `topics` is not given. */
  deletedTopics?: boolean;
  /** Partitions maintained in parallel. */
  concurrency?: number;
  /**
   * Memory of key compaction's offset map, per partition being cleaned (so up to
   * `concurrency` times this at once). A dirty part with more keys is cleaned over
   * several passes.
   */
  cleanerMemoryBytes?: number;
  /**
   * List every object to find uploads that were never committed (crash orphans); default
   * true. Without it a pass deletes only objects named by release records, which needs
   * no listing: cheap enough to run often, with a full scan now and then.
   */
  orphanScan?: boolean;
}

const toError = (err: unknown, where: Omit<MaintenanceError, 'code' | 'message'>): MaintenanceError => ({
  ...where,
  code: isSluiceError(err) ? err.code : 'UNKNOWN_SERVER_ERROR',
  message: err instanceof Error ? err.message : String(err),
});

export async function runMaintenance(clients: StorageClients, opts: MaintenanceOptions = {}): Promise<MaintenanceReport> {
  const started = performance.now();
  const now = opts.now ?? Date.now;
  const graceMs = opts.graceMs ?? MAINTENANCE_DEFAULTS.graceMs;
  const report: MaintenanceReport = {
    startedAt: now(),
    durationMs: 0,
    graceMs,
    partitions: [],
    deletedTopics: [],
    errors: [],
    totals: {
      partitionsExamined: 0, segmentsExpired: 0, recordsExpired: 0, bytesExpired: 0, logStartOffsetMoves: 0,
      runsCompacted: 0, segmentsCompacted: 0, bytesRewritten: 0, rangesCleaned: 0, recordsCleaned: 0, bytesCleaned: 0, objectsDeleted: 0, orphansDeleted: 0,
      bytesDeleted: 0, objectsPending: 0, deletedTopics: 0, conflicts: 0, errors: 0,
    },
  };

  let topics = await listTopicRecords(clients);
  if (opts.topics) {
    const wanted = new Set(opts.topics);
    for (const name of wanted) {
      if (!topics.some((t) => t.name === name)) {
        report.errors.push({ topic: name, code: 'UNKNOWN_TOPIC_OR_PARTITION', message: `Topic '${name}' does not exist.` });
      }
    }
    topics = topics.filter((t) => wanted.has(t.name));
  }

  const work = topics.flatMap((t) => Array.from({ length: t.partitions }, (_, p) => [t, p] as const));
  const results = await inParallel(work, opts.concurrency ?? MAINTENANCE_DEFAULTS.concurrency, ([t, p]) =>
    maintainPartition(clients, t, p, { ...opts, now, graceMs }),
  );
  const sum = report.totals;
  for (const r of results) {
    sum.partitionsExamined++;
    sum.segmentsExpired += r.retention.segmentsExpired;
    sum.recordsExpired += r.retention.recordsExpired;
    sum.bytesExpired += r.retention.bytesExpired;
    if (r.logStartOffset.after !== r.logStartOffset.before) sum.logStartOffsetMoves++;
    sum.runsCompacted += r.compaction.runs;
    sum.segmentsCompacted += r.compaction.segmentsCompacted;
    sum.bytesRewritten += r.compaction.bytesRewritten;
    sum.rangesCleaned += r.cleaning?.rangesRewritten ?? 0;
    sum.recordsCleaned += r.cleaning?.recordsRemoved ?? 0;
    sum.bytesCleaned += r.cleaning?.bytesFreed ?? 0;
    sum.objectsDeleted += r.cleanup.objectsDeleted;
    sum.orphansDeleted += r.cleanup.orphansDeleted;
    sum.bytesDeleted += r.cleanup.bytesDeleted;
    sum.objectsPending += r.cleanup.objectsPending;
    sum.conflicts += r.retention.conflicts + r.compaction.conflicts + (r.cleaning?.conflicts ?? 0);
    if (r.error) report.errors.push(r.error);
    if (eventful(r)) report.partitions.push(r);
  }

  if (opts.deletedTopics ?? opts.topics === undefined) {
    try {
      for (const [topicId, heads] of await findDeletedTopics(clients)) {
        try {
          const done = await purgeTopicData(clients, topicId, heads);
          report.deletedTopics.push(done);
          sum.deletedTopics++;
          sum.bytesDeleted += done.bytesDeleted;
        } catch (err) {
          report.errors.push(toError(err, { topicId }));
        }
      }
    } catch (err) {
      report.errors.push(toError(err, {}));
    }
    // After the purges, which note the shared objects of the topics they remove.
    await sweepShared(clients, report, { now, graceMs, full: opts.orphanScan ?? true });
  }

  sum.errors = report.errors.length;
  report.durationMs = Math.round(performance.now() - started);
  return report;
}

/** Objects shared by several partitions (transactions) go once none references them. */
async function sweepShared(clients: StorageClients, report: MaintenanceReport, opts: { now: () => number; graceMs: number; full: boolean }): Promise<void> {
  try {
    const shared = await sweepSharedObjects(clients, opts);
    const sum = report.totals;
    sum.objectsDeleted += shared.objectsDeleted;
    sum.orphansDeleted += shared.orphansDeleted;
    sum.bytesDeleted += shared.bytesDeleted;
    sum.objectsPending += shared.objectsPending;
  } catch (err) {
    report.errors.push(toError(err, {}));
  }
}

interface PassOptions extends MaintenanceOptions {
  now: () => number;
  graceMs: number;
}

/** Retention, then key compaction, then compaction (of what they kept), then garbage, for one partition. */
export async function maintainPartition(
  clients: StorageClients,
  topic: TopicRecord,
  partition: number,
  opts: PassOptions,
): Promise<PartitionMaintenance> {
  const target = opts.compactionTargetBytes ?? MAINTENANCE_DEFAULTS.compactionTargetBytes;
  const r: PartitionMaintenance = {
    topic: topic.name,
    topicId: topic.topicId,
    partition,
    highWatermark: 0,
    logStartOffset: { before: 0, after: 0 },
    segments: { before: 0, after: 0 },
    sizeBytes: { before: 0, after: 0 },
    retention: { segmentsExpired: 0, recordsExpired: 0, bytesExpired: 0, conflicts: 0 },
    compaction: { runs: 0, segmentsCompacted: 0, entriesWritten: 0, bytesRewritten: 0, conflicts: 0 },
    cleanup: { objectsDeleted: 0, orphansDeleted: 0, bytesDeleted: 0, objectsPending: 0 },
  };
  let head: PartitionHead | undefined;
  try {
    head = await getHead(clients, topic.topicId, partition);
    // Retention, compaction and cleaning work on the segments table: the head's tail first
    // goes there (lib/storage/tail.ts), so they see every entry committed before the pass.
    for (let i = 0; i < 4 && head.tail.length > 0 && (await flushTail(clients, topic.topicId, partition)) !== 'empty'; i++);
    r.logStartOffset = { before: head.logStartOffset, after: head.logStartOffset };
    r.segments = { before: head.segmentCount, after: head.segmentCount };
    r.sizeBytes = { before: head.sizeBytes, after: head.sizeBytes };
    r.highWatermark = head.nextOffset;
    if (head.producersJson !== undefined) await moveLegacyProducerStates(clients, head, opts.now());
    if (head.exists) {
      r.retention = await applyRetention(clients, topic, partition, opts.now);
      const config = effectiveConfig(topic.config);
      if (isCompacted(config)) {
        r.cleaning = await cleanPartition(storageCleanerStore(clients, topic.topicId, partition, opts.now), config, {
          now: opts.now,
          memoryBytes: opts.cleanerMemoryBytes ?? MAINTENANCE_DEFAULTS.cleanerMemoryBytes,
          targetBytes: target > 0 ? target : MAINTENANCE_DEFAULTS.compactionTargetBytes,
          indexIntervalBytes: opts.indexIntervalBytes ?? MAINTENANCE_DEFAULTS.indexIntervalBytes,
        });
      }
      if (target > 0) {
        r.compaction = await compactPartition(clients, topic.topicId, partition, {
          targetBytes: target,
          indexIntervalBytes: opts.indexIntervalBytes ?? MAINTENANCE_DEFAULTS.indexIntervalBytes,
          maxRounds: opts.compactionRounds ?? MAINTENANCE_DEFAULTS.compactionRounds,
          now: opts.now,
        });
      }
    }
    // Also for a partition never written: a first append that crashed leaves an orphan.
    r.cleanup = await collectGarbage(clients, topic.topicId, partition, {
      now: opts.now,
      graceMs: opts.graceMs,
      orphanScan: opts.orphanScan ?? true,
    });
  } catch (err) {
    r.error = toError(err, { topic: topic.name, topicId: topic.topicId, partition });
  }
  if (head?.exists) {
    try {
      const after = await getHead(clients, topic.topicId, partition);
      r.logStartOffset.after = after.logStartOffset;
      r.segments.after = after.segmentCount;
      r.sizeBytes.after = after.sizeBytes;
      r.highWatermark = after.nextOffset;
    } catch {
      // the report keeps the values read before
    }
  }
  return r;
}

function eventful(r: PartitionMaintenance): boolean {
  return Boolean(
    r.error ||
      r.retention.segmentsExpired ||
      r.retention.conflicts ||
      r.compaction.runs ||
      r.compaction.conflicts ||
      r.cleaning?.rangesRewritten ||
      r.cleaning?.conflicts ||
      r.cleanup.objectsDeleted ||
      r.cleanup.orphansDeleted ||
      r.cleanup.objectsPending,
  );
}
