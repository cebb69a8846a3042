// Maintenance on a schedule: which passes list every object for crash orphans. Listing is
// O(objects) and billed per page; released objects (expired, compacted) need no listing.
// So a scheduled pass deletes released objects every time and scans for orphans only on
// the first pass of each hour, and on the first pass of a series (a dev server that just
// started, which may find the orphans of its last run). The deployed schedule (every
// FUNCTIONS.maintenance.scheduleMinutes, through lib/runtime/schedule.ts) and the dev
// server's timer (lib/local/timers.ts) both run their passes through here.
import { firstInPeriod, type ScheduledPass } from '../../core/schedule.ts';
import type { StorageClients } from '../../storage/clients.ts';
import { runMaintenance, type MaintenanceOptions, type MaintenanceReport } from './pass.ts';

/** How often scheduled maintenance scans for orphans. */
export const ORPHAN_SCAN_PERIOD_MS = 60 * 60_000;

export const orphanScanDue = (pass: ScheduledPass): boolean => firstInPeriod(pass, ORPHAN_SCAN_PERIOD_MS);

/** One scheduled pass; `opts` as runMaintenance's, but the orphan scan is the schedule's to decide. */
export function scheduledMaintenance(
  clients: StorageClients,
  pass: ScheduledPass,
  opts: Omit<MaintenanceOptions, 'orphanScan'> = {},
): Promise<MaintenanceReport> {
  return runMaintenance(clients, { ...opts, orphanScan: orphanScanDue(pass) });
}

/** What a scheduled pass logs and answers: its totals and errors (the partitions are in the report). */
export const maintenanceSummary = (report: MaintenanceReport): Pick<MaintenanceReport, 'totals' | 'errors'> => ({
  totals: report.totals,
  errors: report.errors,
});
