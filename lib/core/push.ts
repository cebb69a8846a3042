// The push protocol's wire types (lib/push/): JSON text messages over a WebSocket, the
// deployed API Gateway WebSocket API's (route selection `$request.body.action`) or the
// dev server's, and GET /v1/push, which names the endpoint. Shared by the server and the
// SDK, like wire.ts, of which it is the push part. Types and constants only.
import type { MemberAssignment, PartitionOffset, TopicAssignment } from './wire.ts';

export const PUSH = {
  /** The dev server's WebSocket endpoint; GET /v1/push names the one to use. */
  localPath: '/v1/push',
  /**
   * How often a member heartbeats over a push connection that holds its session. Group
   * changes are pushed to it, so this only proves it is still there, and it keeps the
   * connection from being closed as idle (API Gateway: after 10 minutes).
   */
  heartbeatIntervalMs: 60_000,
} as const;

/** GET /v1/push: where push connections go; null when this API has none. */
export interface PushEndpoint {
  url: string | null;
}

/** Client → server. `id` is echoed in the answer. */
export type PushRequest =
  /** Tell me once when one of these heads passes its offset (each watch fires once). */
  | { action: 'watch'; id?: number; partitions: PartitionOffset[] }
  /** A heartbeat whose session this connection holds from now on (lib/push/sessions.ts). */
  | { action: 'heartbeat'; id?: number; group: string; memberId: string; generation: number; owned?: TopicAssignment[] };

export interface HeadMoved {
  topic: string;
  partition: number;
  highWatermark: number;
}

/** Server → client. */
export type PushMessage =
  /** The watches are armed, but for `ready`: heads already past their offset. */
  | { type: 'watching'; id?: number; ready: HeadMoved[] }
  /** Watched heads moved (the watch is used up). */
  | { type: 'data'; partitions: HeadMoved[] }
  | ({ type: 'heartbeat'; id?: number } & MemberAssignment)
  /** The group changed: heartbeat in `heartbeatInMs` (0: now) to see how. */
  | { type: 'group'; group: string; memberId: string; heartbeatInMs: number }
  | { type: 'error'; id?: number; error: { code: string; message: string } & Record<string, unknown> };
