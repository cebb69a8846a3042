// The maintenance report on the wire: what POST /v1/maintenance answers and
// `sluice maintenance run` prints, per partition and in total (retention, small-segment
// compaction, key compaction, garbage, deleted topics). Re-exported by wire.ts.

export interface RetentionResult {
  /** Index entries removed. */
  segmentsExpired: number;
  recordsExpired: number;
  /** Bytes of segment data no longer in the log (the objects go after the grace period). */
  bytesExpired: number;
  /** Transactions lost to concurrent writers (re-read and retried, up to a bound). */
  conflicts: number;
}

export interface CompactionResult {
  /** Runs merged, each into one new object. */
  runs: number;
  /** Index entries replaced. */
  segmentsCompacted: number;
  /** Index entries written in their place. */
  entriesWritten: number;
  bytesRewritten: number;
  /** Runs lost to a concurrent change (their new object is deleted at once). */
  conflicts: number;
}

/** Key compaction of one partition in one pass (compacted topics only). */
export interface CleaningResult {
  /** Why it ran, or 'not-due' (the dirty share is below min.cleanable.dirty.ratio, nothing is overdue). */
  reason: 'dirty-ratio' | 'max-lag' | 'tombstones' | 'not-due';
  /** Dirty bytes over cleanable bytes when the pass began. */
  dirtyRatio: number;
  /** Index entries read to build the offset map, and the keys it held. */
  entriesMapped: number;
  keysMapped: number;
  /** Ranges rewritten, each into one new object with one index swap. */
  rangesRewritten: number;
  /** Records removed: superseded, expired tombstones, records without a key. */
  recordsRemoved: number;
  tombstonesRemoved: number;
  /** sizeBytes given back. */
  bytesFreed: number;
  /** The first offset not yet cleaned after the pass (the checkpoint). */
  cleanedOffset?: number;
  /** Ranges lost to a concurrent change (the pass stops cleaning the partition; the next resumes). */
  conflicts: number;
}

export interface GarbageResult {
  /** Released objects (of expired or compacted segments) deleted after the grace period. */
  objectsDeleted: number;
  /** Never-committed uploads deleted after the grace period. */
  orphansDeleted: number;
  bytesDeleted: number;
  /** Unreferenced objects still inside their grace period. */
  objectsPending: number;
}

export interface DeletedTopicCleanup {
  topicId: string;
  /** Partitions that had a head, index entries or objects. */
  partitions: number[];
  objectsDeleted: number;
  bytesDeleted: number;
  indexEntriesDeleted: number;
  headsDeleted: number;
}

export interface MaintenanceError {
  topic?: string;
  topicId?: string;
  partition?: number;
  code: string;
  message: string;
}

export interface PartitionMaintenance {
  topic: string;
  topicId: string;
  partition: number;
  highWatermark: number;
  logStartOffset: { before: number; after: number };
  /** head.segmentCount (index entries). */
  segments: { before: number; after: number };
  sizeBytes: { before: number; after: number };
  retention: RetentionResult;
  compaction: CompactionResult;
  /** Key compaction; only for topics whose cleanup.policy includes compact. */
  cleaning?: CleaningResult;
  cleanup: GarbageResult;
  error?: MaintenanceError;
}

export interface MaintenanceTotals {
  partitionsExamined: number;
  segmentsExpired: number;
  recordsExpired: number;
  bytesExpired: number;
  logStartOffsetMoves: number;
  runsCompacted: number;
  segmentsCompacted: number;
  bytesRewritten: number;
  /** Key compaction: ranges rewritten, records and bytes removed. */
  rangesCleaned: number;
  recordsCleaned: number;
  bytesCleaned: number;
  /** Released objects (expired or compacted segments) deleted after the grace period. */
  objectsDeleted: number;
  /** Never-committed uploads deleted after the grace period. */
  orphansDeleted: number;
  /** S3 bytes freed by both, plus deleted topics' objects. */
  bytesDeleted: number;
  objectsPending: number;
  deletedTopics: number;
  conflicts: number;
  errors: number;
}

/** The answer to POST /v1/maintenance: what one pass did. */
export interface MaintenanceReport {
  /** The pass's clock when it started. */
  startedAt: number;
  /** Wall time the pass took. */
  durationMs: number;
  graceMs: number;
  /** Partitions where something happened or is pending (or failed); quiet ones are only counted. */
  partitions: PartitionMaintenance[];
  deletedTopics: DeletedTopicCleanup[];
  errors: MaintenanceError[];
  totals: MaintenanceTotals;
}
