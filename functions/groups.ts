// Lambda entry point of the 'groups' function (see FUNCTIONS in lib/api/routes.ts). Only its
// own operations are imported, so the bundle carries no other function's code.
import { createFunctionHandler } from '../lib/api/function.ts';
import { groupOperations } from '../lib/api/operations/groups.ts';

export const handler = createFunctionHandler('groups', groupOperations);
