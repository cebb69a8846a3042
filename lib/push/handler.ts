// The push connection's routes (PUSH_ROUTES in lib/api/routes.ts), as the push function
// serves them: the deployed WebSocket API hands each event to it (lib/runtime/websocket.ts),
// and the dev server does the same from its own WebSocket endpoint (lib/local/push.ts).
//
//   $connect     records the connection (after IAM authorization, deployed)
//   $disconnect  forgets it: its watches, and the session it held (sessions.ts)
//   watch        {"action":"watch","id":1,"partitions":[{"topic","partition","offset"}]}
//                arms one watch per partition (one notice when its head passes the
//                offset, sent by the dispatcher: notify.ts), then reads the heads: those
//                already past their offset are answered at once as `ready` and not armed.
//                The watch is written before the head is read, and the dispatcher reads
//                watches consistently after the head moved, so no move is ever missed.
//                → {"type":"watching","id":1,"ready":[{"topic","partition","highWatermark"}]}
//   heartbeat    {"action":"heartbeat","id":2,"group","memberId","generation","owned"?}
//                a group heartbeat whose session this connection holds from now on
//                → {"type":"heartbeat","id":2,...the heartbeat's answer}
//
// A bad message or a refused call is answered {"type":"error","id",error:{code,message}};
// the connection stays open.
import { InvalidRequestError, isSluiceError, UnknownTopicOrPartitionError, type SluiceError } from '../core/errors.ts';
import { MULTI_FETCH_LIMITS, type PartitionOffset, type TopicAssignment } from '../core/wire.ts';
import type { HeadMoved, PushMessage } from '../core/push.ts';
import { validateTopicName } from '../log/topics.ts';
import { getHeads } from '../storage/heads.ts';
import { getTopics, tpKey } from '../storage/metadata.ts';
import { heldHeartbeat, releaseConnection, type SessionDeps } from './sessions.ts';
import { armWatches, dropWatch, openConnection, type Watch } from './store.ts';

export interface PushEvent {
  /** $connect, $disconnect, or the message's action (watch, heartbeat; $default for anything else). */
  routeKey: string;
  connectionId: string;
  body?: string;
}

export interface PushReply {
  statusCode: number;
  /** Sent back on the connection (the route's response). */
  body?: string;
}

export interface PushLogger {
  error(message: string, details: Record<string, unknown>): void;
}

export async function handlePush(event: PushEvent, deps: SessionDeps & { logger?: PushLogger }): Promise<PushReply> {
  const now = (deps.now ?? Date.now)();
  if (event.routeKey === '$connect') {
    await openConnection(deps.clients, event.connectionId, now);
    return { statusCode: 200 };
  }
  if (event.routeKey === '$disconnect') {
    await releaseConnection(deps, event.connectionId);
    return { statusCode: 200 };
  }
  const id = idOf(event.body);
  try {
    const msg = parseMessage(event.body);
    const answer = msg.action === 'watch' ? await watch(deps, event.connectionId, msg.partitions, now) : await heartbeat(deps, event.connectionId, msg);
    return reply({ ...answer, ...(id !== undefined ? { id } : {}) } as PushMessage);
  } catch (err) {
    if (!isSluiceError(err)) deps.logger?.error('push message failed', { routeKey: event.routeKey, error: (err as Error)?.message ?? String(err) });
    const error = isSluiceError(err) ? (err as SluiceError).toJSON().error : { code: 'UNKNOWN_SERVER_ERROR', message: 'Internal server error; it has been logged.' };
    return reply({ type: 'error', ...(id !== undefined ? { id } : {}), error });
  }
}

const reply = (message: PushMessage): PushReply => ({ statusCode: 200, body: JSON.stringify(message) });

async function watch(deps: SessionDeps, connectionId: string, partitions: PartitionOffset[], now: number): Promise<PushMessage> {
  const topics = await getTopics(deps.clients, [...new Set(partitions.map((p) => p.topic))]);
  const watches: Watch[] = partitions.map((p) => {
    const topic = topics.get(p.topic);
    if (!topic || p.partition >= topic.partitions) throw new UnknownTopicOrPartitionError(`Partition ${p.partition} of topic '${p.topic}' does not exist.`, { topic: p.topic, partition: p.partition });
    return { topicId: topic.topicId, topic: p.topic, partition: p.partition, offset: p.offset };
  });
  await armWatches(deps.clients, connectionId, watches, now);
  const heads = await getHeads(deps.clients, watches, true);
  const ready: HeadMoved[] = [];
  await Promise.all(
    watches.map(async (w) => {
      const head = heads.get(tpKey(w.topicId, w.partition))!;
      if (head.nextOffset <= w.offset) return;
      ready.push({ topic: w.topic, partition: w.partition, highWatermark: head.nextOffset });
      await dropWatch(deps.clients, w.topicId, w.partition, connectionId, w.offset);
    }),
  );
  return { type: 'watching', ready };
}

async function heartbeat(deps: SessionDeps, connectionId: string, msg: Extract<Message, { action: 'heartbeat' }>): Promise<PushMessage> {
  const assignment = await heldHeartbeat(deps, connectionId, msg);
  return { type: 'heartbeat', ...assignment };
}

type Message =
  | { action: 'watch'; id?: number; partitions: PartitionOffset[] }
  | { action: 'heartbeat'; id?: number; group: string; memberId: string; generation: number; owned?: TopicAssignment[] };

/** The message's id, to answer even a message that is otherwise wrong. */
function idOf(body: string | undefined): number | undefined {
  try {
    const id = (JSON.parse(body ?? '') as { id?: unknown } | null)?.id;
    return isCount(id) ? id : undefined;
  } catch {
    return undefined;
  }
}

const isCount = (n: unknown): n is number => typeof n === 'number' && Number.isSafeInteger(n) && n >= 0;
const invalid = (message: string) => new InvalidRequestError(`Invalid push message: ${message}.`);

/** A message checked field by field (unknown fields are refused, as in the HTTP API). */
export function parseMessage(body: string | undefined): Message {
  let m: Record<string, unknown>;
  try {
    m = JSON.parse(body ?? '') as Record<string, unknown>;
  } catch {
    throw invalid('not JSON');
  }
  if (!m || typeof m !== 'object' || Array.isArray(m)) throw invalid('not a JSON object');
  if (m.id !== undefined && !isCount(m.id)) throw invalid("'id' must be a non-negative integer");
  const allow = (keys: string[]) => {
    const extra = Object.keys(m).filter((k) => !keys.includes(k));
    if (extra.length) throw invalid(`unknown field${extra.length > 1 ? 's' : ''} ${extra.map((k) => `'${k}'`).join(', ')}`);
  };
  if (m.action === 'watch') {
    allow(['action', 'id', 'partitions']);
    const ps = m.partitions;
    if (!Array.isArray(ps) || ps.length === 0 || ps.length > MULTI_FETCH_LIMITS.partitions) {
      throw invalid(`'partitions' must list 1 to ${MULTI_FETCH_LIMITS.partitions} partitions`);
    }
    const partitions = ps.map((p: Record<string, unknown>, i) => {
      if (!p || typeof p !== 'object' || !isCount(p.partition) || !isCount(p.offset) || Object.keys(p).some((k) => !['topic', 'partition', 'offset'].includes(k))) {
        throw invalid(`'partitions[${i}]' must be {"topic","partition","offset"}`);
      }
      return { topic: validateTopicName(p.topic), partition: p.partition, offset: p.offset };
    });
    return { action: 'watch', ...(m.id !== undefined ? { id: m.id as number } : {}), partitions };
  }
  if (m.action === 'heartbeat') {
    allow(['action', 'id', 'group', 'memberId', 'generation', 'owned']);
    if (typeof m.group !== 'string' || typeof m.memberId !== 'string' || !isCount(m.generation)) {
      throw invalid("'heartbeat' needs 'group', 'memberId' and 'generation'");
    }
    if (m.owned !== undefined && !Array.isArray(m.owned)) throw invalid("'owned' must be a list of {\"topic\",\"partitions\"}");
    return {
      action: 'heartbeat',
      ...(m.id !== undefined ? { id: m.id as number } : {}),
      group: m.group,
      memberId: m.memberId,
      generation: m.generation,
      ...(m.owned !== undefined ? { owned: m.owned as TopicAssignment[] } : {}),
    };
  }
  throw invalid(`unknown action '${String(m.action).slice(0, 64)}' (watch or heartbeat)`);
}
