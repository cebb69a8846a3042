// Lambda entry point of the 'maintenance' function (see FUNCTIONS in lib/api/routes.ts):
// POST /v1/maintenance through the API, and the EventBridge schedule, which sends a
// "Scheduled Event" instead of an HTTP event.
import type { Context } from 'aws-lambda';
import { createFunctionHandler, logFromEnv } from '../lib/api/function.ts';
import { createLogger } from '../lib/api/logger.ts';
import { maintenanceOperations } from '../lib/api/operations/maintenance.ts';
import { runMaintenance } from '../lib/log/maintenance.ts';

const api = createFunctionHandler('maintenance', maintenanceOperations);
const logger = createLogger();

interface ScheduledEvent {
  source?: string;
  'detail-type'?: string;
}

export const handler = async (event: unknown, context?: Context) => {
  if ((event as ScheduledEvent)['detail-type'] === 'Scheduled Event') {
    // Released objects are found without listing; the O(objects) listing for crash
    // orphans (billed per page) runs on about one scheduled pass an hour.
    const report = await runMaintenance(logFromEnv().clients, { orphanScan: new Date().getUTCMinutes() < 15 });
    logger.info('maintenance pass', { totals: report.totals, errors: report.errors });
    return report.totals;
  }
  return api(event as Parameters<typeof api>[0], context);
};
