// The WebSocket adapter: API Gateway WebSocket API events in, route responses out.
//
//   {"requestContext":{"routeKey":"$connect"|"$disconnect"|"watch"|…, "connectionId":"…",
//                      "eventType":"CONNECT"|"DISCONNECT"|"MESSAGE", …}, "body":"…"}
//   → {"statusCode":200, "body":"…"}   the body, if any, goes back down the connection
//
// A $connect answered with another status refuses the connection. Anything thrown is
// logged and answered 500 (the connection sees an internal error; nothing leaks). The dev
// server feeds the same handler from its own WebSocket endpoint (lib/local/push.ts).
import type { APIGatewayProxyWebsocketEventV2 } from 'aws-lambda';
import type { FunctionName } from '../api/routes.ts';
import type { AdapterLogger, EventHandler } from './events.ts';
import { createLogger } from './logger.ts';

export interface WebSocketEvent {
  routeKey: string;
  connectionId: string;
  body?: string;
}

export interface WebSocketReply {
  statusCode: number;
  body?: string;
}

export type WebSocketProcessor = (event: WebSocketEvent) => Promise<WebSocketReply>;

export function createWebSocketHandler(
  fn: FunctionName,
  process: WebSocketProcessor,
  logger: AdapterLogger = createLogger(`sluice-${fn}`),
): EventHandler<APIGatewayProxyWebsocketEventV2, WebSocketReply> {
  return async (event) => {
    const { routeKey, connectionId } = event.requestContext;
    const body = event.body === undefined ? undefined : event.isBase64Encoded ? Buffer.from(event.body, 'base64').toString('utf8') : event.body;
    try {
      const reply = await process({ routeKey, connectionId, ...(body !== undefined ? { body } : {}) });
      logger.info('push event', { routeKey, statusCode: reply.statusCode });
      return reply;
    } catch (err) {
      logger.error('push event failed', { routeKey, error: (err as Error)?.message ?? String(err) });
      return { statusCode: 500 };
    }
  };
}
