// Lambda entry point of the 'produce' function (see FUNCTIONS in lib/api/routes.ts). Only its
// own operations are imported, so the bundle carries no other function's code.
import { produceOperations } from '../lib/api/operations/produce.ts';
import { createHttpHandler } from '../lib/runtime/http.ts';
import { logFromEnv } from '../lib/runtime/storage.ts';

export const handler = createHttpHandler({ fn: 'produce', operations: produceOperations, log: logFromEnv });
