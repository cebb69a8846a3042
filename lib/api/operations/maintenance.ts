// POST /v1/maintenance: run one maintenance pass now and answer its report. The same
// pass runs on a schedule (see functions/maintenance.ts); this route is for operators
// and for `sluice maintenance run`. Behind API Gateway a pass longer than the
// integration timeout (30 s) keeps running in Lambda; the caller then gets a 503.
//
// A pass works on the storage clients alone: the maintenance function is served without
// the Log's append and fetch paths (functions/maintenance.ts).
import { validate } from '../../core/schema.ts';
import { runMaintenance } from '../../log/maintenance/index.ts';
import { MaintenanceRequest } from '../../log/schema.ts';
import type { StorageClients } from '../../log/clientsFromEnv.ts';
import type { Operations } from '../operation.ts';
import { parseJsonBody, queryParams, requireJsonContentType } from '../validation.ts';

/** What the maintenance route needs of the log: its storage clients (a Log will do). */
export interface MaintenanceLog {
  readonly clients: StorageClients;
}

export const maintenanceOperations: Operations<MaintenanceLog> = {
  runMaintenance: async (req, ctx) => {
    queryParams(req, []);
    let topics: string[] | undefined;
    if (req.body.length > 0) {
      requireJsonContentType(req);
      topics = validate(MaintenanceRequest, parseJsonBody(req)).topics;
    }
    const log = await ctx.log();
    const report = await runMaintenance(log.clients, topics ? { topics } : {});
    return { status: 200, body: report };
  },
};
