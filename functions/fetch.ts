// Lambda entry point of the 'fetch' function (see FUNCTIONS in lib/api/routes.ts). Only its
// own operations are imported, so the bundle carries no other function's code.
import { fetchOperations } from '../lib/api/operations/fetch.ts';
import { createHttpHandler } from '../lib/runtime/http.ts';
import { logFromEnv } from '../lib/runtime/storage.ts';

export const handler = createHttpHandler({ fn: 'fetch', operations: fetchOperations, log: logFromEnv });
