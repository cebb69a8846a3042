// The dev server's push endpoint: the protocol of the deployed WebSocket API (PUSH_ROUTES,
// lib/push/handler.ts) on ws://{host}:{port}/v1/push, on the dev server's own loopback
// port and behind the same Host/Origin guard as every request (requestGuard.ts: a page
// elsewhere cannot open it, the console's own pages can). Each connection gets an id as
// API Gateway would give it, and its events go through the deployed function's own
// adapter (lib/runtime/websocket.ts): $connect before the upgrade completes (a refusal
// answers the handshake), a message's `action` picks its route ($default when unknown),
// the route's answer goes back down the connection, and a closed connection is a
// $disconnect. Like API Gateway, it closes a connection idle for 10 minutes, or open for
// 2 hours, and refuses messages over 128 KiB.
//
// Its poster (lib/push/poster.ts) is what the dispatcher and the group notices send
// through here: 'gone' for a connection that is no longer open, like a 410.
import { randomBytes } from 'node:crypto';
import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import type { APIGatewayProxyWebsocketEventV2 } from 'aws-lambda';
import { WebSocket, WebSocketServer, type RawData } from 'ws';
import { RequestTimedOutError, type SluiceError } from '../core/errors.ts';
import { PUSH, type PushMessage } from '../core/push.ts';
import type { ConnectionPoster } from '../push/poster.ts';
import { CONNECTION_MAX_MS } from '../push/store.ts';
import type { EventHandler } from '../runtime/events.ts';
import type { WebSocketReply } from '../runtime/websocket.ts';
import { allowedHosts, refusal } from './requestGuard.ts';

type PushHandler = EventHandler<APIGatewayProxyWebsocketEventV2, WebSocketReply>;

export const PUSH_IDLE_MS = 10 * 60 * 1000;
const MAX_MESSAGE_BYTES = 128 * 1024;
const ROUTED = new Set(['watch', 'heartbeat']);

export interface LocalPushOptions {
  /** The push function's handler; undefined while the server is starting (503). */
  handler: () => PushHandler | undefined;
  /** One line per event and per message sent: `WS <route> <status> <ms>ms`, `PUSH <type> 200 0ms`. */
  accessLog?: (line: string) => void;
  /** Overrides of the idle and lifetime limits (tests). */
  idleMs?: number;
  maxLifetimeMs?: number;
}

export interface LocalPush {
  poster: ConnectionPoster;
  /** Open connections. */
  readonly size: number;
  /** Drops every open connection, as a network failure would (each gets its $disconnect). */
  drop(): void;
  /** Closes every connection (each gets its $disconnect) and accepts no more. */
  close(): Promise<void>;
}

export function attachPush(server: Server, opts: LocalPushOptions): LocalPush {
  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_MESSAGE_BYTES });
  const open = new Map<string, WebSocket>();
  const pending = new Set<Promise<unknown>>();
  const track = <T>(p: Promise<T>): Promise<T> => {
    pending.add(p);
    void p.finally(() => pending.delete(p)).catch(() => undefined);
    return p;
  };
  const log = opts.accessLog ?? (() => undefined);
  const invoke = invoker(opts.handler, log, track);

  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const path = (req.url ?? '/').split('?')[0];
    if (path !== PUSH.localPath) return refuse(socket, 404, 'Not Found');
    const refused = refusal({ headers: req.headers, url: req.url ?? '/' }, allowedHosts(req.socket.localPort ?? 0));
    if (refused) return refuse(socket, refused.status, refused.message);
    const connectionId = randomBytes(9).toString('base64');
    void invoke('$connect', connectionId).then(
      (reply) => {
        if (reply.statusCode !== 200) return refuse(socket, reply.statusCode, 'Connection refused');
        wss.handleUpgrade(req, socket, head, (ws) => {
          open.set(connectionId, ws);
          serveConnection(ws, connectionId, invoke, opts, () => open.delete(connectionId));
        });
      },
      () => refuse(socket, 500, 'Internal Server Error'),
    );
  });

  const poster: ConnectionPoster = {
    async post(connectionId: string, message: PushMessage) {
      const ws = open.get(connectionId);
      if (!ws || ws.readyState !== WebSocket.OPEN) return 'gone';
      ws.send(JSON.stringify(message));
      log(`PUSH ${message.type} 200 0ms`);
      return 'sent';
    },
  };

  return {
    poster,
    get size() {
      return open.size;
    },
    drop() {
      for (const ws of open.values()) ws.terminate();
    },
    async close() {
      for (const ws of open.values()) ws.terminate();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
      await Promise.allSettled([...pending]);
    },
  };
}

type Invoke = (routeKey: string, connectionId: string, body?: string) => Promise<WebSocketReply>;

/** Events to the push function as API Gateway sends them (503 while it is starting), each tracked until it is answered. */
function invoker(handler: LocalPushOptions['handler'], log: (line: string) => void, track: <T>(p: Promise<T>) => Promise<T>): Invoke {
  return async (routeKey, connectionId, body) => {
    const fn = handler();
    if (!fn) return { statusCode: 503 };
    const started = Date.now();
    const eventType = routeKey === '$connect' ? 'CONNECT' : routeKey === '$disconnect' ? 'DISCONNECT' : 'MESSAGE';
    const event = {
      requestContext: { routeKey, connectionId, eventType, stage: 'local', domainName: 'localhost' },
      ...(body !== undefined ? { body } : {}),
      isBase64Encoded: false,
    } as unknown as APIGatewayProxyWebsocketEventV2;
    const reply = await track(fn(event));
    log(`WS ${routeKey} ${reply.statusCode} ${Date.now() - started}ms`);
    return reply;
  };
}

/**
 * One open connection: each message to its route and the answer back down, closed when
 * idle or too old, a $disconnect (after `closed`) when it closes.
 */
function serveConnection(ws: WebSocket, connectionId: string, invoke: Invoke, opts: LocalPushOptions, closed: () => void): void {
  const idleMs = opts.idleMs ?? PUSH_IDLE_MS;
  let idle = setTimeout(() => ws.close(1001, 'idle'), idleMs);
  const lifetime = setTimeout(() => ws.close(1001, 'connection lifetime reached'), opts.maxLifetimeMs ?? CONNECTION_MAX_MS);
  ws.on('message', (data: RawData, isBinary: boolean) => {
    clearTimeout(idle);
    idle = setTimeout(() => ws.close(1001, 'idle'), idleMs);
    const body = isBinary ? '' : rawText(data);
    void invoke(routeOf(body), connectionId, body).then(
      (reply) => {
        if (reply.body !== undefined && ws.readyState === WebSocket.OPEN) ws.send(reply.body);
      },
      () => undefined,
    );
  });
  ws.on('error', () => ws.terminate());
  ws.on('close', () => {
    clearTimeout(idle);
    clearTimeout(lifetime);
    closed();
    void invoke('$disconnect', connectionId).catch(() => undefined);
  });
}

function routeOf(body: string): string {
  try {
    const action = (JSON.parse(body) as { action?: unknown })?.action;
    return typeof action === 'string' && ROUTED.has(action) ? action : '$default';
  } catch {
    return '$default';
  }
}

function rawText(data: RawData): string {
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  return Buffer.from(data as ArrayBuffer).toString('utf8');
}

function refuse(socket: Duplex, status: number, reason: string): void {
  const err: Pick<SluiceError, 'message'> = status === 503 ? new RequestTimedOutError('The dev server is still starting.') : { message: reason };
  const body = JSON.stringify({ error: { message: err.message } });
  if (socket.writable) {
    socket.end(`HTTP/1.1 ${status} ${status === 404 ? 'Not Found' : 'Refused'}\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
  } else socket.destroy();
}
