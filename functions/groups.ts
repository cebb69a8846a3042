// Lambda entry point of the 'groups' function (see FUNCTIONS in lib/api/routes.ts). Only its
// own operations are imported, so the bundle carries no other function's code. Group
// changes are told to the members whose session a push connection holds
// (lib/push/sessions.ts), when the stack has a push API.
import { groupOperations, useGroups } from '../lib/api/operations/groups.ts';
import { posterFromEnv } from '../lib/push/poster.ts';
import { pushSessions } from '../lib/push/sessions.ts';
import { createLogger } from '../lib/runtime/logger.ts';
import { createHttpHandler } from '../lib/runtime/http.ts';
import { logFromEnv } from '../lib/runtime/storage.ts';

const logger = createLogger('sluice-groups');

export const handler = createHttpHandler({
  fn: 'groups',
  operations: groupOperations,
  logger,
  log: () => {
    const log = logFromEnv();
    useGroups(log, pushSessions(log, posterFromEnv(), { warn: (message, details) => logger.warn(message, details) }).groups);
    return log;
  },
});
