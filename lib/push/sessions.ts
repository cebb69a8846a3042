// Group sessions held by push connections: how an idle group member stays alive without
// heartbeating every few seconds, while Kafka's guarantees stay as they are.
//
// A member heartbeats every min(3 s, session timeout / 3) over HTTP: that is how the
// group learns it is alive, and how it learns of rebalances in time. Over a push
// connection it does neither that often:
//
//   * Holding. A heartbeat sent over the connection (action 'heartbeat') records that this
//     connection holds the member's session (a hold item, lib/push/store.ts) and leases
//     the session until now + HOLD_MS (at least the session timeout) instead of now +
//     session timeout. The member heartbeats again every PUSH.heartbeatIntervalMs (60 s),
//     a third of the hold, which also keeps the connection from being closed as idle.
//   * Changes are pushed. Every write that changes the group's membership or assignment
//     (a join, a leave, an expiry, a revocation confirmed, a partition handed over) is
//     followed by a 'group' message to every other held member (groupNotices), which
//     heartbeats at once to see what changed; so rebalances move as fast as over HTTP.
//   * A connection that closes ends its hold at once: at $disconnect (or when a post to it
//     answers 410 Gone) the member's lease is cut back to its session timeout from now
//     (Groups.release), exactly as if it had just heartbeated over HTTP, and the other
//     held members are told to heartbeat when that lease ends, to take its partitions. So
//     a member whose process dies, or whose connection drops, loses its partitions within
//     its session timeout, as in Kafka; a live one falls back to HTTP heartbeats (and
//     reconnects) in the meantime and keeps them.
//   * The one case the connection cannot tell: a host that vanishes without closing its
//     connection (power loss, a network partition) and whose $disconnect API Gateway
//     delivers late or never. Its hold then runs out on its own, HOLD_MS after its last
//     heartbeat (3 minutes, or the session timeout if longer), and the next heartbeat of
//     another member moves its partitions. This is the price of a member that costs
//     almost nothing while idle; members that need a shorter bound use HTTP heartbeats.
//   * A hold is only ever ended by the connection that has it (endHold is conditional on
//     the connection id), and a release only cuts the lease the hold gave (Groups.release
//     is conditional on the lease), so a late $disconnect of an old connection never
//     shortens the session a newer connection holds.
//
// Fencing is untouched: offsets are still committed over HTTP against the member's epoch
// and ownership, whatever keeps its session alive.
import type { MemberAssignment, TopicAssignment } from '../core/wire.ts';
import { PUSH } from '../core/push.ts';
import { Groups } from '../groups/index.ts';
import type { GroupsOptions } from '../groups/types.ts';
import type { Log } from '../log/index.ts';
import type { TableClients } from '../storage/tables.ts';
import type { ConnectionPoster } from './poster.ts';
import { closeConnection, endHold, holdsOf, putHold } from './store.ts';

/** How long a hold keeps a session after the last heartbeat over the connection: three heartbeat intervals. */
export const HOLD_MS = 3 * PUSH.heartbeatIntervalMs;
/** Told members heartbeat this long after the released member's session would end. */
const NOTICE_MARGIN_MS = 250;

export interface SessionDeps {
  clients: TableClients;
  groups: Groups;
  poster: ConnectionPoster | undefined;
  now?: () => number;
  /** Where failures of notices are reported (they never fail the call that caused them). */
  warn?: (message: string, details: Record<string, unknown>) => void;
}

/**
 * The sessions of a container: a Groups over `log` whose changes are told to the members
 * push connections hold (groupNotices), and what the push routes need besides.
 */
export function pushSessions(
  log: Log,
  poster: ConnectionPoster | undefined,
  opts: Pick<SessionDeps, 'now' | 'warn'> & { groups?: Omit<GroupsOptions, 'onChange'> } = {},
): SessionDeps {
  const { groups: groupsOptions, ...rest } = opts;
  const deps: SessionDeps = { clients: log.clients, poster, ...rest, groups: undefined as unknown as Groups };
  deps.groups = new Groups(log.clients, log, { ...groupsOptions, ...(opts.now ? { now: opts.now } : {}), onChange: groupNotices(() => deps) });
  return deps;
}

export interface HeldHeartbeat {
  group: string;
  memberId: string;
  generation: number;
  owned?: TopicAssignment[];
}

/** A heartbeat over a push connection, which holds the member's session from now on. */
export async function heldHeartbeat(deps: SessionDeps, connectionId: string, hb: HeldHeartbeat): Promise<MemberAssignment> {
  const now = (deps.now ?? Date.now)();
  const heldUntil = now + HOLD_MS;
  // The hold first, then the lease: a release racing this sees a lease it did not give.
  await putHold(deps.clients, hb.group, { memberId: hb.memberId, connectionId, heldUntil }, now);
  const request = { generation: hb.generation, ...(hb.owned ? { owned: hb.owned } : {}) };
  const assignment = await deps.groups.heartbeat(hb.group, hb.memberId, request, { leaseUntil: heldUntil });
  return { ...assignment, heartbeatIntervalMs: PUSH.heartbeatIntervalMs };
}

/** Forgets a connection that closed or is gone: its watches, and the hold it had, if any (see the header). */
export async function releaseConnection(deps: SessionDeps, connectionId: string): Promise<void> {
  const hold = await closeConnection(deps.clients, connectionId);
  if (!hold) return;
  const heldUntil = await endHold(deps.clients, hold.group, hold.memberId, connectionId);
  if (heldUntil === undefined) return;
  const expiresAt = await deps.groups.release(hold.group, hold.memberId, heldUntil);
  if (expiresAt === undefined) return;
  const inMs = Math.max(0, expiresAt - (deps.now ?? Date.now)()) + NOTICE_MARGIN_MS;
  await tellMembers(deps, hold.group, hold.memberId, inMs);
}

/** The Groups onChange option: the other held members heartbeat now. */
export function groupNotices(deps: () => SessionDeps): (group: string, origin: string | undefined) => Promise<void> {
  return (group, origin) => tellMembers(deps(), group, origin, 0);
}

async function tellMembers(deps: SessionDeps, group: string, except: string | undefined, heartbeatInMs: number): Promise<void> {
  const poster = deps.poster;
  if (!poster) return;
  try {
    const holds = (await holdsOf(deps.clients, group, (deps.now ?? Date.now)())).filter((h) => h.memberId !== except);
    await Promise.all(
      holds.map(async (h) => {
        const outcome = await poster.post(h.connectionId, { type: 'group', group, memberId: h.memberId, heartbeatInMs });
        if (outcome === 'gone') await releaseConnection(deps, h.connectionId);
      }),
    );
  } catch (err) {
    deps.warn?.('telling push members of a group change failed', { group, error: (err as Error)?.message ?? String(err) });
  }
}
