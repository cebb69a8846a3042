// What every handler gets: the node's identity as it advertises it, the feature services
// it serves from (the log, server-side groups, classic groups, the produce buffer), and the
// connection it answers on. Handlers are plain async functions of (context, request).
import type { Groups } from '../../groups/index.ts';
import type { Log } from '../../log/index.ts';
import type { ClassicGroups } from '../groups/coordinator.ts';
import type { ProduceBuffer } from '../handlers/produce-buffer.ts';
import type { TopicDirectory } from '../handlers/topic-directory.ts';
import type { Message } from '../protocol/schema.ts';
import type { Authenticator, Principal } from './auth/index.ts';

export interface NodeIdentity {
  nodeId: number;
  /** What clients are told to connect to (the load balancer, deployed). */
  host: string;
  port: number;
  clusterId: string;
}

export interface GatewayServices {
  node: NodeIdentity;
  log: Log;
  groups: Groups;
  classic: ClassicGroups;
  produce: ProduceBuffer;
  topics: TopicDirectory;
  auth: Authenticator;
  /** Clock for sessions and timestamps. */
  now: () => number;
}

/** Per-connection state: who is authenticated, and the SASL exchange in progress. */
export interface ConnectionState {
  id: number;
  remote: string;
  principal?: Principal;
  /** Chosen by SaslHandshake; SaslAuthenticate continues it. */
  sasl?: { mechanism: string; step?: unknown };
  /** Set when the connection must close after the current response. */
  closeAfterResponse?: boolean;
  /** Aborted when the connection closes: long polls stop waiting. */
  signal: AbortSignal;
}

export interface RequestContext {
  services: GatewayServices;
  conn: ConnectionState;
  apiVersion: number;
  clientId: string | null;
}

/** A handler's answer: a response body, or NO_RESPONSE (Produce with acks=0). */
export const NO_RESPONSE = Symbol('no response');
export type HandlerResult = Message | typeof NO_RESPONSE;
export type Handler = (ctx: RequestContext, request: Message) => Promise<HandlerResult> | HandlerResult;
