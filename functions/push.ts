// Lambda entry point of the 'push' function (see FUNCTIONS and PUSH_ROUTES in
// lib/api/routes.ts): the push WebSocket API's routes, served by lib/push/handler.ts.
// Group heartbeats sent over a connection run the groups code with the group notices
// the groups function sends too (lib/push/sessions.ts).
import { handlePush } from '../lib/push/handler.ts';
import { posterFromEnv } from '../lib/push/poster.ts';
import { pushSessions, type SessionDeps } from '../lib/push/sessions.ts';
import { createLogger } from '../lib/runtime/logger.ts';
import { logFromEnv } from '../lib/runtime/storage.ts';
import { createWebSocketHandler } from '../lib/runtime/websocket.ts';

const logger = createLogger('sluice-push');
let sessions: SessionDeps | undefined;
const deps = () => (sessions ??= pushSessions(logFromEnv(), posterFromEnv(), { warn: (message, details) => logger.warn(message, details) }));

export const handler = createWebSocketHandler('push', (event) => handlePush(event, { ...deps(), logger }), logger);
