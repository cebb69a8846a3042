// The log's maintenance (DESIGN.md, "Maintenance"): what keeps a partition's storage in
// shape behind the data path, without ever changing an offset.
//
//   pass.ts        one pass over every partition: retention, compaction, garbage, then
//                  the data of deleted topics; the report POST /v1/maintenance answers
//   retention.ts   Kafka's delete policy (retention.ms, retention.bytes)
//   compaction.ts  small adjacent segments merged into larger objects
//   cleanup.ts     unreferenced objects after their grace period; deleted topics' data
//   schedule.ts    which scheduled passes list every object for crash orphans
//   store.ts       the items only maintenance writes: log-start advances, index swaps,
//                  release records, purges
//
// It works on the storage clients alone (no Log): the maintenance function's bundle
// carries neither the append nor the fetch path.
export {
  MAINTENANCE_DEFAULTS,
  maintainPartition,
  purgeDeletedTopic,
  runMaintenance,
  type CompactionResult,
  type DeletedTopicCleanup,
  type GarbageResult,
  type MaintenanceError,
  type MaintenanceOptions,
  type MaintenanceReport,
  type MaintenanceTotals,
  type PartitionMaintenance,
  type RetentionResult,
} from './pass.ts';
export { maintenanceSummary, ORPHAN_SCAN_PERIOD_MS, orphanScanDue, scheduledMaintenance } from './schedule.ts';
