// POST /v1/maintenance: run one maintenance pass now and answer its report. The same
// pass runs on a schedule (see functions/maintenance.ts); this route is for operators
// and for `sluice maintenance run`. Behind API Gateway a pass longer than the
// integration timeout (30 s) keeps running in Lambda; the caller then gets a 503.
//
// A pass works on the storage clients alone: the maintenance function is served without
// the Log's append and fetch paths (functions/maintenance.ts).
import * as z from 'zod/mini';
import { runMaintenance } from '../../log/maintenance.ts';
import { validateTopicName } from '../../log/topics.ts';
import type { StorageClients } from '../../storage/clients.ts';
import type { Operations } from '../operation.ts';
import { validate } from '../schema.ts';
import { parseJsonBody, queryParams, requireJsonContentType } from '../validation.ts';

const MaintenanceBody = z.strictObject({
  /** Only these topics; default all (and the data of deleted topics). */
  topics: z.optional(z.array(z.string()).check(z.minLength(1), z.maxLength(1000))),
});

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
      topics = validate(MaintenanceBody, parseJsonBody(req)).topics?.map(validateTopicName);
    }
    const log = await ctx.log();
    const report = await runMaintenance(log.clients, topics ? { topics } : {});
    return { status: 200, body: report };
  },
};
