// Lambda entry point of the 'maintenance' function (see FUNCTIONS in lib/api/routes.ts):
// POST /v1/maintenance through the API, and the passes of its EventBridge schedule
// (lib/log/maintenance/schedule.ts decides which of them scan for orphans).
import { maintenanceOperations, type MaintenanceLog } from '../lib/api/operations/maintenance.ts';
import { maintenanceSummary, scheduledMaintenance } from '../lib/log/maintenance/index.ts';
import { handleEvents } from '../lib/runtime/events.ts';
import { createHttpHandler } from '../lib/runtime/http.ts';
import { createScheduleHandler } from '../lib/runtime/schedule.ts';
import { storageFromEnv } from '../lib/runtime/storage.ts';

export const handler = handleEvents('maintenance', {
  http: createHttpHandler<MaintenanceLog>({ fn: 'maintenance', operations: maintenanceOperations, log: () => ({ clients: storageFromEnv() }) }),
  schedule: createScheduleHandler('maintenance', (pass) => scheduledMaintenance(storageFromEnv(), pass), { summary: maintenanceSummary }),
});
