// Lambda entry point of the 'fetch' function (see FUNCTIONS in lib/api/routes.ts). Only its
// own operations are imported, so the bundle carries no other function's code.
import { createFunctionHandler } from '../lib/api/function.ts';
import { fetchOperations } from '../lib/api/operations/fetch.ts';

export const handler = createFunctionHandler('fetch', fetchOperations);
