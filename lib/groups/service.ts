// The consumer-group service the HTTP API and tests call: one object per Log, holding the
// clock and the retry policy every operation shares. Each call checks its input against
// schema.ts before anything is read or written; the work is membership.ts's, offsets.ts's
// and admin.ts's. Nothing here knows about HTTP.
import type { Log, TxnParticipant } from '../log/index.ts';
import type { StorageClients } from '../storage/clients.ts';
import { deleteGroup, describeGroup, listGroups } from './admin.ts';
import { heartbeat, join, leave, release } from './membership.ts';
import { commit, fetchOffsets, resetOffsets, transactionalOffsets, type CommitFenceOptions } from './offsets.ts';
import type {
  CommitOptions,
  CommittedOffset,
  GroupDescription,
  GroupsOptions,
  GroupSummary,
  HeartbeatLease,
  HeartbeatOptions,
  JoinOptions,
  MemberAssignment,
  OffsetLag,
  ResetOffsetsOptions,
} from './types.ts';
import { GroupUpdates } from './updates.ts';

/**
 * Requests are typed for callers that build them, and `unknown` is accepted too, for the
 * API's request bodies: either way they are checked against schema.ts.
 */
type Request<T> = T | unknown;

export class Groups {
  private readonly updates: GroupUpdates;

  constructor(
    readonly clients: StorageClients,
    readonly log: Log,
    opts: GroupsOptions = {},
  ) {
    this.updates = new GroupUpdates(clients, opts);
  }

  join(group: string, request: Request<JoinOptions>): Promise<MemberAssignment> {
    return join(this.updates, group, request);
  }

  /** `lease`: the server's own, never a request's (a session a push connection holds: lib/push/sessions.ts). */
  heartbeat(group: string, memberId: string, request: Request<HeartbeatOptions>, lease: HeartbeatLease = {}): Promise<MemberAssignment> {
    return heartbeat(this.updates, group, memberId, request, lease);
  }

  /** Cuts a push hold's lease back to the session timeout from now (membership.ts release). */
  release(group: string, memberId: string, heldUntil: number): Promise<number | undefined> {
    return release(this.updates, group, memberId, heldUntil);
  }

  leave(group: string, memberId: string): Promise<void> {
    return leave(this.updates, group, memberId);
  }

  /** `opts`: a fence kept by another protocol's membership, and whether offsets may move back. */
  commit(group: string, request: Request<CommitOptions>, opts: CommitFenceOptions = {}): Promise<{ offsets: CommittedOffset[] }> {
    return commit(this.updates, group, request, opts);
  }

  fetchOffsets(group: string): Promise<{ offsets: OffsetLag[] }> {
    return fetchOffsets(this.updates, group);
  }

  /**
   * Offsets to commit inside a transaction (a CommitOptions request), checked now and
   * fenced again in the transaction: pass the result to Log.transaction or
   * Log.commitStagedTransaction as a participant.
   */
  transactionalOffsets(group: string, request: Request<CommitOptions>, opts: Pick<CommitFenceOptions, 'fence'> = {}): Promise<TxnParticipant> {
    return transactionalOffsets(this.updates, group, request, opts);
  }

  resetOffsets(group: string, request: Request<ResetOffsetsOptions>): Promise<{ offsets: CommittedOffset[] }> {
    return resetOffsets(this.updates, this.log, group, request);
  }

  list(): Promise<GroupSummary[]> {
    return listGroups(this.updates);
  }

  describe(group: string): Promise<GroupDescription> {
    return describeGroup(this.updates, group);
  }

  /** Deletes the group and its offsets: GROUP_ID_NOT_FOUND if unknown, NON_EMPTY_GROUP if it has members. */
  delete(group: string): Promise<void> {
    return deleteGroup(this.updates, group);
  }
}
