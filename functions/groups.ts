// Lambda entry point of the 'groups' function (see FUNCTIONS in lib/api/routes.ts). Only its
// own operations are imported, so the bundle carries no other function's code.
import { groupOperations } from '../lib/api/operations/groups.ts';
import { createHttpHandler } from '../lib/runtime/http.ts';
import { logFromEnv } from '../lib/runtime/storage.ts';

export const handler = createHttpHandler({ fn: 'groups', operations: groupOperations, log: logFromEnv });
