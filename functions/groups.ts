// Lambda entry point of the 'groups' function (see FUNCTIONS in lib/api/routes.ts).
import { createHandler } from '../lib/api/handler.ts';

export const handler = createHandler('groups');
