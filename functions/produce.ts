// Lambda entry point of the 'produce' function (see FUNCTIONS in lib/api/routes.ts). Only its
// own operations are imported, so the bundle carries no other function's code.
import { createFunctionHandler } from '../lib/api/function.ts';
import { produceOperations } from '../lib/api/operations/produce.ts';

export const handler = createFunctionHandler('produce', produceOperations);
